//! The protobuf messages of a Google Authenticator export, declared by hand
//! (field numbers as reverse-engineered by the community and published with
//! the export decoders of github.com/dim13/otpauth and
//! github.com/qistoph/otp_export; our own fixtures in `fixtures/migration`). Enumerations are kept as plain integers so
//! that an unknown value reaches our own checks instead of being dropped, and
//! `name` and `issuer` are read as bytes so that one entry with bad UTF-8 does
//! not make the whole code unreadable.
//!
//! These structs hold key bytes: their `Debug` is redacted and an entry wipes
//! its key when dropped.

use std::fmt;

use zeroize::Zeroize;

/// `MigrationPayload`: one QR code of an export.
#[derive(Clone, prost::Message)]
#[prost(skip_debug)]
pub(crate) struct Payload {
    /// Field 1: the accounts of this code.
    #[prost(message, repeated, tag = "1")]
    pub otp_parameters: Vec<Parameters>,
    /// Field 2: format version (Google Authenticator writes 1).
    #[prost(int32, tag = "2")]
    pub version: i32,
    /// Field 3: number of codes in the export.
    #[prost(int32, tag = "3")]
    pub batch_size: i32,
    /// Field 4: this code's 0-based index in the export.
    #[prost(int32, tag = "4")]
    pub batch_index: i32,
    /// Field 5: the same for every code of one export.
    #[prost(int32, tag = "5")]
    pub batch_id: i32,
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payload")
            .field("entries", &self.otp_parameters.len())
            .field("version", &self.version)
            .field("batch_size", &self.batch_size)
            .field("batch_index", &self.batch_index)
            .field("batch_id", &self.batch_id)
            .finish()
    }
}

/// `OtpParameters`: one account.
#[derive(Clone, prost::Message)]
#[prost(skip_debug)]
pub(crate) struct Parameters {
    /// Field 1: the raw key bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub secret: Vec<u8>,
    /// Field 2: the label, often `issuer:account` (a protobuf string).
    #[prost(bytes = "vec", tag = "2")]
    pub name: Vec<u8>,
    /// Field 3: the issuer (a protobuf string).
    #[prost(bytes = "vec", tag = "3")]
    pub issuer: Vec<u8>,
    /// Field 4: 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5.
    #[prost(int32, tag = "4")]
    pub algorithm: i32,
    /// Field 5: 0 unspecified, 1 six, 2 eight.
    #[prost(int32, tag = "5")]
    pub digits: i32,
    /// Field 6: 0 unspecified, 1 HOTP, 2 TOTP.
    #[prost(int32, tag = "6")]
    pub kind: i32,
    /// Field 7: the HOTP counter.
    #[prost(int64, tag = "7")]
    pub counter: i64,
}

impl fmt::Debug for Parameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parameters")
            .field("secret", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Drop for Parameters {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// Algorithm values.
pub(crate) mod algorithm {
    pub const UNSPECIFIED: i32 = 0;
    pub const SHA1: i32 = 1;
    pub const SHA256: i32 = 2;
    pub const SHA512: i32 = 3;
    pub const MD5: i32 = 4;
}

/// Digit-count values.
pub(crate) mod digits {
    pub const UNSPECIFIED: i32 = 0;
    pub const SIX: i32 = 1;
    pub const EIGHT: i32 = 2;
}

/// OTP type values.
pub(crate) mod kind {
    pub const UNSPECIFIED: i32 = 0;
    pub const HOTP: i32 = 1;
    pub const TOTP: i32 = 2;
}
