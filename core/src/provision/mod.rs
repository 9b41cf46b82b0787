//! Provisioning: what a scanned or typed text holds — one account from an
//! `otpauth://` URI ([`uri`]) or a typed key ([`keytext`]), a Google
//! Authenticator export ([`google_export`]), a privacyIDEA push enrolment
//! ([`push_enrolment`]) or a privacyIDEA container registration
//! ([`container_code`]) — and which of them a text is ([`classify`]).

pub mod classify;
pub mod container_code;
pub mod google_export;
pub mod keytext;
pub mod push_enrolment;
pub mod uri;

pub use classify::{ProvisionError, Provisioning, classify, scheme_of};
