//! The one-time-password engine: HOTP (RFC 4226), TOTP (RFC 6238) and Steam Guard.
//!
//! Dynamic truncation is written here over ring's HMAC rather than taken from
//! totp-rs: totp-rs has no HOTP, refuses more than 8 digits and secrets under
//! 128 bits in its checked constructor (real services issue 80-bit keys), and
//! computes its HMAC with a slower implementation than ring's. The result is
//! cross-checked against totp-rs in the tests for the inputs both accept.
//!
//! Time is always an argument: nothing here reads a clock.

mod steam;

use std::fmt;

use ring::hmac;

use crate::secret::SecretBytes;

pub use steam::{STEAM_ALPHABET, STEAM_DIGITS, steam_code};

/// The HMAC hash an account uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA1, the default of RFC 4226/6238 and of nearly every service.
    #[default]
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
}

impl Algorithm {
    /// The name used in otpauth URIs and in the CLI (`SHA1`, `SHA256`, `SHA512`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// Parses a name case-insensitively; only the three names above are accepted
    /// (`SHA-1` and `MD5` are not).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "SHA1" => Some(Algorithm::Sha1),
            "SHA256" => Some(Algorithm::Sha256),
            "SHA512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    /// ring's HMAC algorithm for this hash.
    pub fn hmac_algorithm(self) -> hmac::Algorithm {
        match self {
            Algorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => hmac::HMAC_SHA256,
            Algorithm::Sha512 => hmac::HMAC_SHA512,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Smallest number of digits a code may have.
pub const MIN_DIGITS: u8 = 1;
/// Largest number of digits a code may have (a 31-bit value has at most 10).
pub const MAX_DIGITS: u8 = 10;

/// A number of code digits, always within 1..=10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Digits(u8);

impl Digits {
    /// Six digits, the default.
    pub const SIX: Digits = Digits(6);
    /// Eight digits.
    pub const EIGHT: Digits = Digits(8);

    /// `None` outside 1..=10.
    pub fn new(digits: u8) -> Option<Self> {
        (MIN_DIGITS..=MAX_DIGITS)
            .contains(&digits)
            .then_some(Digits(digits))
    }

    /// The number of digits.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for Digits {
    fn default() -> Self {
        Digits::SIX
    }
}

/// A TOTP period in seconds, always at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period(u64);

impl Period {
    /// Thirty seconds, the default.
    pub const THIRTY: Period = Period(30);

    /// `None` for 0.
    pub fn new(seconds: u64) -> Option<Self> {
        (seconds >= 1).then_some(Period(seconds))
    }

    /// The period in seconds.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for Period {
    fn default() -> Self {
        Period::THIRTY
    }
}

/// A one-time code as shown to the user: decimal digits for HOTP/TOTP, five
/// characters for Steam. Codes are short-lived by design and are meant to be
/// displayed, so this is not a secret type.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Code(String);

impl Code {
    /// The code's characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Converts into the code's characters.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A code grants a login for a few seconds: keep it out of debug logs.
        f.write_str("Code(<redacted>)")
    }
}

/// RFC 4226 dynamic truncation of HMAC(key, counter): a 31-bit value.
pub fn truncated_value(algorithm: Algorithm, key: &SecretBytes, counter: u64) -> u32 {
    // EXPOSE: the OTP key is fed to HMAC, the one place it is used.
    let key = hmac::Key::new(algorithm.hmac_algorithm(), key.expose());
    truncate(hmac::sign(&key, &counter.to_be_bytes()).as_ref())
}

/// Dynamic truncation (RFC 4226 §5.3) of an HMAC output.
fn truncate(mac: &[u8]) -> u32 {
    // Every supported HMAC output is ≥ 20 bytes; the last nibble picks an offset
    // in 0..=15, so offset + 3 ≤ 18 is always in bounds. `get` keeps it total.
    let offset = mac.last().map_or(0, |b| usize::from(b & 0x0f));
    match mac.get(offset..offset + 4) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a & 0x7f, b, c, d]),
        _ => 0,
    }
}

/// Formats a 31-bit value as `digits` decimal digits (left-padded with zeros).
fn decimal(value: u32, digits: Digits) -> Code {
    let modulus = 10u64.pow(u32::from(digits.get()));
    let n = u64::from(value) % modulus;
    Code(format!("{n:0width$}", width = usize::from(digits.get())))
}

/// The HOTP code for `counter` (RFC 4226).
pub fn hotp(algorithm: Algorithm, key: &SecretBytes, counter: u64, digits: Digits) -> Code {
    decimal(truncated_value(algorithm, key, counter), digits)
}

/// The TOTP time step containing `unix_seconds` (RFC 6238, T0 = 0).
pub fn time_step(unix_seconds: u64, period: Period) -> u64 {
    unix_seconds / period.get()
}

/// The TOTP code at `unix_seconds` (RFC 6238).
pub fn totp(
    algorithm: Algorithm,
    key: &SecretBytes,
    unix_seconds: u64,
    period: Period,
    digits: Digits,
) -> Code {
    hotp(algorithm, key, time_step(unix_seconds, period), digits)
}

/// What a UI shows for a time-based account: the code now, how long it stays
/// valid, and the code that follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeView {
    /// The code valid at the given time.
    pub code: Code,
    /// Seconds until `code` expires (1..=period).
    pub seconds_left: u64,
    /// The period in seconds.
    pub period: u64,
    /// The code of the next period; `None` only at the very end of time.
    pub next_code: Option<Code>,
}

/// The code view of a time-based generator `code_at(step)` at `unix_seconds`.
pub fn code_view(unix_seconds: u64, period: Period, code_at: impl Fn(u64) -> Code) -> CodeView {
    let step = time_step(unix_seconds, period);
    CodeView {
        code: code_at(step),
        seconds_left: period.get() - unix_seconds % period.get(),
        period: period.get(),
        next_code: step.checked_add(1).map(code_at),
    }
}

#[cfg(test)]
mod tests;
