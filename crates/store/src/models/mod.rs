pub mod calendar;
pub mod event;
pub mod org;
pub mod staff;
