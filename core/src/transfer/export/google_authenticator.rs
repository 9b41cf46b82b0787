//! Writing accounts as Google Authenticator export codes.
//!
//! # How accounts are split over codes
//! A code holds at most [`MAX_ACCOUNTS_PER_CODE`] accounts (ten, as Google
//! Authenticator does) and, measured as the URI text, about
//! [`TARGET_URI_BYTES`] bytes: accounts with long names or 64-byte keys fill a
//! code sooner. Every code written this way is at most 968 bytes long (the
//! target plus the most the batch fields can add), which fits a QR code of
//! version 25 (117 × 117 modules) at error correction M (997 bytes). Codes
//! that size scan quickly from a phone screen, where denser ones (version 30
//! and up) need a steady hand and a sharp display. An account whose names
//! alone make a longer code gets a code to itself, up to [`MAX_URI_BYTES`].
//!
//! Codes follow Google Authenticator: version 1, `batch_size` the number of
//! codes, `batch_index` from 0, and one `batch_id` (a random positive number,
//! see [`new_batch_id`]) for the whole export.
//!
//! # What the format cannot carry
//! It has no period (importers assume 30 s), six or eight digits only, no
//! Steam, and signed 64-bit counters. Such accounts are never bent to fit:
//! they are returned in [`ExportPlan::not_exportable`] with the reason, and the
//! caller decides (the CLI writes each as its own `otpauth://` code).

use base64::Engine;
use prost::Message;
use zeroize::Zeroizing;

use crate::account::{Account, OtpKind};
use crate::otp::{Algorithm, Period};
use crate::provision::google_export::{BatchInfo, proto};
use crate::rng::{RandomError, RandomSource};
use crate::secret::SecretString;

/// The most accounts put in one code (as Google Authenticator does).
pub const MAX_ACCOUNTS_PER_CODE: usize = 10;
/// The length, in bytes of URI text, up to which accounts share a code.
pub const TARGET_URI_BYTES: usize = 880;
/// The most bytes any QR code holds at error correction M (version 40).
pub const MAX_URI_BYTES: usize = 2331;
/// A bound on how much the final batch fields can lengthen a code measured
/// with placeholder fields: they change at most the last 27 protobuf bytes,
/// hence 36 base64 characters, each of which may grow to three when
/// percent-encoded (72 bytes).
const BATCH_FIELDS_SLACK: usize = 88;
/// The format version Google Authenticator writes.
const VERSION: i32 = 1;

/// Why an account cannot go into an export code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotExportableReason {
    /// Steam Guard codes have no type in the format.
    #[error("type: Steam Guard has no place in the format")]
    Steam,
    /// A period other than 30 s.
    #[error("period: {seconds} s (the format has 30 s only)")]
    Period {
        /// The account's period.
        seconds: u64,
    },
    /// A digit count other than six or eight.
    #[error("digits: {digits} (the format has 6 or 8)")]
    Digits {
        /// The account's digits.
        digits: u8,
    },
    /// An HOTP counter above 2^63 − 1.
    #[error("counter: {counter} is more than the format holds")]
    Counter {
        /// The account's counter.
        counter: u64,
    },
    /// Names so long that no QR code holds the account.
    #[error("its names are too long for a QR code ({bytes} bytes)")]
    TooLarge {
        /// The length of its code alone.
        bytes: usize,
    },
}

impl NotExportableReason {
    /// The name of the field at fault (`names` for [`Self::TooLarge`]).
    pub fn field(&self) -> &'static str {
        match self {
            NotExportableReason::Steam => "type",
            NotExportableReason::Period { .. } => "period",
            NotExportableReason::Digits { .. } => "digits",
            NotExportableReason::Counter { .. } => "counter",
            NotExportableReason::TooLarge { .. } => "names",
        }
    }
}

/// An account left out of the export codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotExportable {
    /// Its index in the accounts given to [`export`].
    pub index: usize,
    /// Why.
    pub reason: NotExportableReason,
}

/// One export code.
#[derive(Clone, Debug)]
pub struct ExportCode {
    /// The `otpauth-migration://offline?data=…` text (it carries keys).
    pub uri: SecretString,
    /// Its place in the export.
    pub batch: BatchInfo,
    /// Indices (into the accounts given to [`export`]) of its accounts.
    pub accounts: Vec<usize>,
}

/// The codes of an export, and the accounts they could not carry.
#[derive(Clone, Debug, Default)]
pub struct ExportPlan {
    /// The codes, in `batch_index` order.
    pub codes: Vec<ExportCode>,
    /// Accounts the format cannot express, in input order.
    pub not_exportable: Vec<NotExportable>,
}

/// A random positive `batch_id` for a new export.
pub fn new_batch_id(rng: &dyn RandomSource) -> Result<i32, RandomError> {
    let mut bytes = [0u8; 4];
    rng.fill(&mut bytes)?;
    let id = i32::from_be_bytes(bytes) & i32::MAX;
    Ok(id.max(1))
}

/// Splits `accounts` over export codes (see the module documentation), in the
/// order given. `batch_id` is shared by every code ([`new_batch_id`]).
pub fn export(accounts: &[Account], batch_id: i32) -> ExportPlan {
    let placeholder = BatchInfo {
        version: VERSION,
        size: i32::MAX,
        index: i32::MAX,
        id: batch_id,
    };
    let measure = |group: &[usize]| {
        let entries = group
            .iter()
            .filter_map(|i| accounts.get(*i))
            .filter_map(|a| parameters(a).ok())
            .collect();
        code_uri(entries, placeholder).expose().len()
    };

    let mut plan = ExportPlan::default();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for (index, account) in accounts.iter().enumerate() {
        if let Err(reason) = parameters(account) {
            plan.not_exportable.push(NotExportable { index, reason });
            continue;
        }
        let alone = measure(&[index]);
        if alone + BATCH_FIELDS_SLACK > MAX_URI_BYTES {
            plan.not_exportable.push(NotExportable {
                index,
                reason: NotExportableReason::TooLarge { bytes: alone },
            });
            continue;
        }
        current.push(index);
        if current.len() <= MAX_ACCOUNTS_PER_CODE && measure(&current) <= TARGET_URI_BYTES {
            continue;
        }
        // Full: close the code without this account, which starts the next.
        current.pop();
        if !current.is_empty() {
            groups.push(std::mem::take(&mut current));
        }
        current.push(index);
    }
    if !current.is_empty() {
        groups.push(current);
    }

    let size = i32::try_from(groups.len()).unwrap_or(i32::MAX);
    for (index, group) in groups.into_iter().enumerate() {
        let batch = BatchInfo {
            version: VERSION,
            size,
            index: i32::try_from(index).unwrap_or(i32::MAX),
            id: batch_id,
        };
        let entries = group
            .iter()
            .filter_map(|i| accounts.get(*i))
            .filter_map(|a| parameters(a).ok())
            .collect();
        plan.codes.push(ExportCode {
            uri: code_uri(entries, batch),
            batch,
            accounts: group,
        });
    }
    plan
}

/// The label Google Authenticator writes: `issuer:account`, or the account
/// alone (behind an empty issuer if it has a colon of its own).
fn otpauth_label(account: &Account) -> String {
    if !account.issuer.is_empty() {
        format!("{}:{}", account.issuer, account.name)
    } else if account.name.contains(':') {
        format!(":{}", account.name)
    } else {
        account.name.clone()
    }
}

/// One account as a protobuf entry, or why the format cannot express it.
fn parameters(account: &Account) -> Result<proto::Parameters, NotExportableReason> {
    use proto::{algorithm as a, digits as d, kind as k};
    let p = &account.params;
    let (kind, counter) = match p.kind {
        OtpKind::Steam => return Err(NotExportableReason::Steam),
        OtpKind::Totp { period } if period != Period::THIRTY => {
            return Err(NotExportableReason::Period {
                seconds: period.get(),
            });
        }
        OtpKind::Totp { .. } => (k::TOTP, 0),
        OtpKind::Hotp { counter } => (
            k::HOTP,
            i64::try_from(counter).map_err(|_| NotExportableReason::Counter { counter })?,
        ),
    };
    let digits = match p.digits.get() {
        6 => d::SIX,
        8 => d::EIGHT,
        digits => return Err(NotExportableReason::Digits { digits }),
    };
    let algorithm = match p.algorithm {
        Algorithm::Sha1 => a::SHA1,
        Algorithm::Sha256 => a::SHA256,
        Algorithm::Sha512 => a::SHA512,
    };
    Ok(proto::Parameters {
        // EXPOSE: the key goes into an export the user asked for; the entry
        // wipes its copy when dropped.
        secret: p.secret.bytes().expose().to_vec(),
        name: otpauth_label(account).into_bytes(),
        issuer: account.issuer.clone().into_bytes(),
        algorithm,
        digits,
        kind,
        counter,
    })
}

/// The URI of one code. Every buffer holding key material is sized once and
/// wiped when dropped.
fn code_uri(entries: Vec<proto::Parameters>, batch: BatchInfo) -> SecretString {
    let payload = proto::Payload {
        otp_parameters: entries,
        version: batch.version,
        batch_size: batch.size,
        batch_index: batch.index,
        batch_id: batch.id,
    };
    let bytes = Zeroizing::new(payload.encode_to_vec());
    drop(payload);
    let text = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(&*bytes));
    let prefix = "otpauth-migration://offline?data=";
    let mut uri = Zeroizing::new(String::with_capacity(prefix.len() + 3 * text.len()));
    uri.push_str(prefix);
    for c in text.chars() {
        match c {
            '+' => uri.push_str("%2B"),
            '/' => uri.push_str("%2F"),
            '=' => uri.push_str("%3D"),
            c => uri.push(c),
        }
    }
    SecretString::from(uri)
}
