//! The one-time-password engine: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard.
//!
//! Dynamic truncation is written here over ring's HMAC rather than taken from
//! totp-rs: totp-rs has no HOTP, refuses more than 8 digits and secrets under
//! 128 bits in its checked constructor (real services issue 80-bit keys), and
//! computes its HMAC with a slower implementation than ring's. The result is
//! cross-checked against totp-rs in the tests for the inputs both accept.
//!
//! Time is always an argument: nothing here reads a clock.

mod code;
mod hotp;
mod params;
mod steam;
mod totp;

pub use code::Code;
pub use hotp::{hotp, truncated_value};
pub use params::{Algorithm, Digits, MAX_DIGITS, MIN_DIGITS, Period};
pub use steam::{STEAM_ALPHABET, STEAM_DIGITS, steam_code};
pub use totp::{CodeView, code_view, time_step, totp};

#[cfg(test)]
mod tests;
