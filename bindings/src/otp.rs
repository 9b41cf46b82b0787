//! otpauth URIs and single codes, no vault needed.

use std::time::{Duration, SystemTime};
use vakt_core::account::{Account, OtpKind};
use vakt_core::otp::Algorithm;

use zeroize::Zeroizing;

use crate::VaktError;
use crate::args::time_in;
use crate::convert::seconds;

/// How codes are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum OtpType {
    /// Time-based (RFC 6238).
    Totp,
    /// Counter-based (RFC 4226).
    Hotp,
    /// Steam Guard.
    Steam,
}

/// The HMAC hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum HashAlgorithm {
    /// SHA-1 (the default).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl From<Algorithm> for HashAlgorithm {
    fn from(a: Algorithm) -> Self {
        match a {
            Algorithm::Sha1 => HashAlgorithm::Sha1,
            Algorithm::Sha256 => HashAlgorithm::Sha256,
            Algorithm::Sha512 => HashAlgorithm::Sha512,
        }
    }
}

impl From<HashAlgorithm> for Algorithm {
    fn from(a: HashAlgorithm) -> Self {
        match a {
            HashAlgorithm::Sha1 => Algorithm::Sha1,
            HashAlgorithm::Sha256 => Algorithm::Sha256,
            HashAlgorithm::Sha512 => Algorithm::Sha512,
        }
    }
}

/// Splits a kind into (type, period, counter).
pub(crate) fn kind_parts(kind: OtpKind) -> (OtpType, Option<u64>, Option<u64>) {
    match kind {
        OtpKind::Totp { period } => (OtpType::Totp, Some(period.get()), None),
        OtpKind::Hotp { counter } => (OtpType::Hotp, None, Some(counter)),
        OtpKind::Steam => (OtpType::Steam, Some(30), None),
    }
}

/// What an otpauth URI describes, without its key.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct UriInfo {
    /// The service.
    pub issuer: String,
    /// The user's name at the service.
    pub account_name: String,
    /// TOTP, HOTP or Steam.
    pub otp_type: OtpType,
    /// The HMAC hash.
    pub algorithm: HashAlgorithm,
    /// Characters per code.
    pub digits: u32,
    /// How long each code lasts (time-based kinds).
    pub period: Option<Duration>,
    /// The counter (HOTP).
    pub counter: Option<u64>,
}

impl From<&Account> for UriInfo {
    fn from(a: &Account) -> Self {
        let (otp_type, period, counter) = kind_parts(a.params.kind);
        Self {
            issuer: a.issuer.clone(),
            account_name: a.name.clone(),
            otp_type,
            algorithm: a.params.algorithm.into(),
            digits: u32::from(a.params.code_length()),
            period: period.map(seconds),
            counter,
        }
    }
}

/// Parses an otpauth URI (as read from a QR code) without storing anything.
#[uniffi::export]
pub fn parse_uri(uri: String) -> Result<UriInfo, VaktError> {
    let uri = Zeroizing::new(uri);
    Ok(UriInfo::from(&vakt_core::provision::uri::parse(&uri)?))
}

/// The code of an otpauth URI at `at` (for HOTP: at the URI's counter).
#[uniffi::export]
pub fn code_for_uri(uri: String, at: SystemTime) -> Result<String, VaktError> {
    let unix_seconds = time_in(at)?;
    let uri = Zeroizing::new(uri);
    let account = vakt_core::provision::uri::parse(&uri)?;
    Ok(account.params.current_code(unix_seconds).into_string())
}
