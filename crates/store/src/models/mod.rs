pub mod complaint;
pub mod event;
pub mod org;
pub mod reception;
pub mod staff;
