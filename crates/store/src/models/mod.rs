pub mod callback;
pub mod complaint;
pub mod event;
pub mod org;
pub mod report;
pub mod staff;
