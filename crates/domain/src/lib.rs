//! propdesk-domain: the rules of DOMAIN.md as pure code — no I/O, no SQL, no HTTP.
//! Handlers parse input into these validated types; `ops` calls the decision functions here.

pub mod access;
pub mod attachment;
pub mod billing;
pub mod calendar;
pub mod callback;
pub mod channel;
pub mod claim;
pub mod complaint;
pub mod contractor;
pub mod error;
pub mod notify;
pub mod org;
pub mod paid_repair;
pub mod reception;
pub mod return_slip;
pub mod search;
pub mod sla;
#[cfg(test)]
mod testing;
pub mod values;
pub mod work_order;

pub use error::{FieldError, FieldErrors, Reason};
