//! The parameters of a code: hash algorithm, digit count, period.

use std::fmt;

use ring::hmac;

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
