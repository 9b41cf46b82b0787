//! Reading one export code: the URI, its base64 `data`, the protobuf payload,
//! each entry judged on its own.

use percent_encoding::percent_decode_str;
use prost::Message;
use zeroize::Zeroizing;

use super::proto;
use crate::account::{Account, OtpKind, OtpParams, OtpSecret};
use crate::otp::{Algorithm, Digits, Period};
use crate::provision::uri::{split_label, strip_prefix_ignore_case};
use crate::secret::SecretBytes;

/// The scheme and host of an export code.
pub const PREFIX: &str = "otpauth-migration://offline";
/// The longest `data` value read, in characters. A QR code holds at most
/// 2,953 bytes; anything much longer did not come from one.
pub const MAX_DATA_CHARS: usize = 16 * 1024;

/// Why an export code could not be read at all (its entries are judged one by
/// one; see [`EntryError`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    /// Not an `otpauth-migration://` URI.
    #[error("scheme: expected otpauth-migration://")]
    Scheme,
    /// A host other than `offline`.
    #[error("host: expected otpauth-migration://offline")]
    Host,
    /// No `data` parameter, or an empty one.
    #[error("data: missing")]
    MissingData,
    /// `data` given twice with different values.
    #[error("data: given twice with different values")]
    DuplicateData,
    /// `data` is longer than any QR code holds.
    #[error("data: too long ({length} characters; at most {MAX_DATA_CHARS})")]
    TooLong {
        /// Characters of the value.
        length: usize,
    },
    /// `data` is not base64 once percent-decoded.
    #[error("data: not base64")]
    NotBase64,
    /// The bytes are not a `MigrationPayload` protobuf.
    #[error("data: not a Google Authenticator export (the protobuf does not decode)")]
    NotProtobuf,
}

impl MigrationError {
    /// The name of the part at fault: `scheme`, `host` or `data`.
    pub fn field(&self) -> &'static str {
        match self {
            MigrationError::Scheme => "scheme",
            MigrationError::Host => "host",
            _ => "data",
        }
    }
}

/// Why one entry of an export cannot be used; names the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The key is empty.
    #[error("secret: empty")]
    EmptySecret,
    /// MD5 codes: no authenticator we know of computes them.
    #[error("algorithm: MD5 is not supported")]
    Md5,
    /// An algorithm value the format does not define.
    #[error("algorithm: unknown value {0}")]
    UnknownAlgorithm(i32),
    /// A digit-count value other than unspecified, six or eight.
    #[error("digits: unknown value {0} (the format has six or eight)")]
    Digits(i32),
    /// Neither TOTP nor HOTP.
    #[error("type: unspecified (neither TOTP nor HOTP)")]
    UnspecifiedType,
    /// A type value the format does not define.
    #[error("type: unknown value {0}")]
    UnknownType(i32),
    /// A negative HOTP counter.
    #[error("counter: negative ({0})")]
    NegativeCounter(i64),
}

impl EntryError {
    /// The name of the field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            EntryError::EmptySecret => "secret",
            EntryError::Md5 | EntryError::UnknownAlgorithm(_) => "algorithm",
            EntryError::Digits(_) => "digits",
            EntryError::UnspecifiedType | EntryError::UnknownType(_) => "type",
            EntryError::NegativeCounter(_) => "counter",
        }
    }
}

/// An entry that was not imported, with the names it is shown by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnusableEntry {
    /// 0-based position of the entry in its code.
    pub position: usize,
    /// The entry's issuer (may be empty).
    pub issuer: String,
    /// The entry's account name (may be empty).
    pub name: String,
    /// Why it cannot be used.
    pub error: EntryError,
}

impl UnusableEntry {
    /// "Issuer (name)", "Issuer", "name", or "entry N" when both are empty.
    pub fn label(&self) -> String {
        if self.issuer.is_empty() && self.name.is_empty() {
            return format!("entry {}", self.position + 1);
        }
        crate::account::display_label(&self.issuer, &self.name)
    }
}

/// Where a code sits in its export, as the code says (raw values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BatchInfo {
    /// Format version (Google Authenticator writes 1; 0 when absent).
    pub version: i32,
    /// Number of codes in the export (0 when absent: a code on its own).
    pub size: i32,
    /// 0-based index of this code.
    pub index: i32,
    /// The same for every code of one export.
    pub id: i32,
}

impl BatchInfo {
    /// Number of codes in the export; a code without one (or with a nonsense
    /// value) stands alone: 1.
    pub fn codes(&self) -> u32 {
        u32::try_from(self.size)
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(1)
    }

    /// This code's 0-based index, if it is within [`BatchInfo::codes`].
    pub fn position(&self) -> Option<u32> {
        u32::try_from(self.index).ok().filter(|i| *i < self.codes())
    }
}

/// One decoded export code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationPayload {
    /// Where the code sits in its export.
    pub batch: BatchInfo,
    /// The usable accounts, in the code's order.
    pub accounts: Vec<Account>,
    /// The entries that could not be used.
    pub unusable: Vec<UnusableEntry>,
}

/// Reads an `otpauth-migration://offline?data=…` URI.
pub fn decode_uri(text: &str) -> Result<MigrationPayload, MigrationError> {
    let text = text.trim();
    let rest =
        strip_prefix_ignore_case(text, "otpauth-migration://").ok_or(MigrationError::Scheme)?;
    let (host, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !host.trim_end_matches('/').eq_ignore_ascii_case("offline") {
        return Err(MigrationError::Host);
    }
    let mut data: Option<&str> = None;
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if !percent_decode_str(key)
            .decode_utf8_lossy()
            .eq_ignore_ascii_case("data")
        {
            continue; // Other parameters carry nothing we use.
        }
        match data {
            Some(old) if old != value => return Err(MigrationError::DuplicateData),
            Some(_) => {}
            None => data = Some(value),
        }
    }
    let data = data
        .filter(|d| !d.is_empty())
        .ok_or(MigrationError::MissingData)?;
    if data.len() > MAX_DATA_CHARS {
        return Err(MigrationError::TooLong {
            length: data.chars().count(),
        });
    }
    // Percent-decoding never lengthens, so the buffer is never reallocated
    // (which would leave a copy behind).
    let mut base64_text = Zeroizing::new(Vec::with_capacity(data.len()));
    base64_text.extend(percent_decode_str(data).map(|b| if b == b' ' { b'+' } else { b }));
    decode_protobuf(decode_base64(&base64_text)?)
}

/// Reads the protobuf bytes of one code (the `data` value, decoded).
pub fn decode_payload(bytes: &[u8]) -> Result<MigrationPayload, MigrationError> {
    decode_protobuf(Zeroizing::new(bytes.to_vec()))
}

fn base64_engines() -> [base64::engine::GeneralPurpose; 2] {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    [
        GeneralPurpose::new(&base64::alphabet::STANDARD, config),
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config),
    ]
}

fn decode_base64(text: &[u8]) -> Result<Zeroizing<Vec<u8>>, MigrationError> {
    use base64::Engine;
    for engine in base64_engines() {
        // `decode_vec` sizes the buffer once, up front; a failed attempt's
        // buffer is wiped on drop.
        let mut out = Zeroizing::new(Vec::new());
        if engine.decode_vec(text, &mut out).is_ok() {
            return Ok(out);
        }
    }
    Err(MigrationError::NotBase64)
}

fn decode_protobuf(bytes: Zeroizing<Vec<u8>>) -> Result<MigrationPayload, MigrationError> {
    // Through `Bytes` whose owner wipes itself: prost then slices key fields
    // out of this one buffer instead of making throw-away copies.
    let buffer = bytes::Bytes::from_owner(bytes);
    let payload = proto::Payload::decode(buffer).map_err(|_| MigrationError::NotProtobuf)?;
    let batch = BatchInfo {
        version: payload.version,
        size: payload.batch_size,
        index: payload.batch_index,
        id: payload.batch_id,
    };
    let mut accounts = Vec::new();
    let mut unusable = Vec::new();
    for (position, mut entry) in payload.otp_parameters.into_iter().enumerate() {
        let label = String::from_utf8_lossy(&entry.name).into_owned();
        let issuer = String::from_utf8_lossy(&entry.issuer).into_owned();
        let (issuer, name) = split_label(&label, Some(&issuer));
        match entry_params(&mut entry) {
            Ok(params) => accounts.push(Account::new(&issuer, &name, params)),
            Err(error) => unusable.push(UnusableEntry {
                position,
                issuer,
                name,
                error,
            }),
        }
    }
    Ok(MigrationPayload {
        batch,
        accounts,
        unusable,
    })
}

/// The OTP parameters of one entry; its key is moved out (not copied).
fn entry_params(entry: &mut proto::Parameters) -> Result<OtpParams, EntryError> {
    use proto::{algorithm as a, digits as d, kind as k};
    let secret = OtpSecret::new(SecretBytes::new(std::mem::take(&mut entry.secret)))
        .ok_or(EntryError::EmptySecret)?;
    let kind = match entry.kind {
        k::TOTP => OtpKind::Totp {
            period: Period::THIRTY,
        },
        k::HOTP => OtpKind::Hotp {
            counter: u64::try_from(entry.counter)
                .map_err(|_| EntryError::NegativeCounter(entry.counter))?,
        },
        k::UNSPECIFIED => return Err(EntryError::UnspecifiedType),
        other => return Err(EntryError::UnknownType(other)),
    };
    let algorithm = match entry.algorithm {
        a::UNSPECIFIED | a::SHA1 => Algorithm::Sha1,
        a::SHA256 => Algorithm::Sha256,
        a::SHA512 => Algorithm::Sha512,
        a::MD5 => return Err(EntryError::Md5),
        other => return Err(EntryError::UnknownAlgorithm(other)),
    };
    let digits = match entry.digits {
        d::UNSPECIFIED | d::SIX => Digits::SIX,
        d::EIGHT => Digits::EIGHT,
        other => return Err(EntryError::Digits(other)),
    };
    Ok(OtpParams {
        kind,
        algorithm,
        digits,
        secret,
    })
}
