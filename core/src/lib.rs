//! # vakt-core
//!
//! The authenticator core behind the Vakt apps and the `vakt` command line: the
//! OTP engine ([`otp`]), accounts ([`account`]), otpauth URIs ([`uri`]) and
//! typed keys ([`keytext`]); what a scanned code means ([`provision`]: an
//! account, a Google Authenticator export ([`migration`]) or a privacyIDEA push
//! enrolment ([`pipush`])), and drawing codes ([`qr_render`]). Pure Rust: it
//! knows nothing of FFI, and takes time and randomness as inputs.
//!
//! Secrets only ever live in the types of [`secret`].

pub mod account;
pub mod backup;
pub(crate) mod byte_reader;
pub mod clock;
pub mod container;
pub mod crypto;
pub mod entries;
pub mod escrow;
pub mod files;
pub mod otp;
pub mod provision;
pub mod push;
pub mod qr;
pub mod rng;
pub mod secret;
pub(crate) mod store;
#[cfg(test)]
pub(crate) mod test_time;
pub mod transfer;
pub mod vault;

pub use account::{Account, OtpKind, OtpParams, OtpSecret};
pub use secret::{Key256, SecretBytes, SecretString};
