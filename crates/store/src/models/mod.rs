pub mod calendar;
pub mod claim;
pub mod complaint;
pub mod event;
pub mod org;
pub mod staff;
