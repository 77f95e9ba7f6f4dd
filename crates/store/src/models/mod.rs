pub mod calendar;
pub mod claim;
pub mod complaint;
pub mod complaint_links;
pub mod event;
pub mod org;
pub mod reception;
pub mod staff;
