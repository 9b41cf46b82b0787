//! Importing accounts from other authenticator apps' export files.
//!
//! [`read`] turns a file into accounts, with every entry it cannot express
//! listed in [`Imported::unsupported`] (never silently dropped) and caveats of
//! the format in [`Imported::notes`]. [`apply`] adds them to a vault in one
//! transaction, skipping (and reporting) keys that are already there.
//!
//! Each format's reader documents its file's layout and crypto; the rules for
//! fields a format does not record are in docs/backup-format.md.
//!
//! Error messages never contain a secret or an account name; the reports do
//! name entries (issuer and account), since the user must know which ones.

mod aegis;
mod andotp;
mod authy;
mod bitwarden;
mod freeotp;
#[cfg(test)]
mod hostile_tests;
mod java_serial;
mod json;
mod twofas;
mod uri_list;
mod xml;

use crate::account::{Account, OtpKind, OtpParams, OtpSecret};
use crate::otp::{Algorithm, Digits, Period};
use crate::provision::keytext::parse_base32_key;
use crate::secret::SecretString;
use crate::vault::{AddOutcome, Session, VaultError};

/// The largest export file read (real ones are kilobytes).
pub const MAX_FILE_LEN: usize = 32 << 20;
/// The most entries (accounts and entries not imported) one file may hold;
/// real exports hold hundreds. Google Authenticator's largest export (1,000
/// codes of ten) fits.
pub const MAX_ENTRIES: usize = 10_000;

/// A format [`read`] understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aegis Authenticator JSON, plain or encrypted (scrypt + AES-GCM slots).
    Aegis,
    /// 2FAS Authenticator `.2fas` / JSON, every schema, plain or encrypted.
    TwoFas,
    /// andOTP JSON, plain or encrypted (current and old encryption).
    AndOtp,
    /// FreeOTP: the encrypted backup (`externalBackup.xml`, a Java-serialised
    /// map), the old shared-preferences XML, and FreeOTP+'s JSON export.
    FreeOtp,
    /// Bitwarden's unencrypted export, JSON or CSV (the `login_totp` field).
    Bitwarden,
    /// Authy's shared-preferences XML (plain, or with the backup password).
    Authy,
    /// Ente Auth's plain-text export: one otpauth URI per line.
    Ente,
    /// Any list of otpauth URIs, one per line.
    UriList,
}

impl Format {
    /// Every format, for help texts.
    pub const ALL: [Format; 8] = [
        Format::Aegis,
        Format::TwoFas,
        Format::AndOtp,
        Format::FreeOtp,
        Format::Bitwarden,
        Format::Authy,
        Format::Ente,
        Format::UriList,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Aegis => "aegis",
            Format::TwoFas => "2fas",
            Format::AndOtp => "andotp",
            Format::FreeOtp => "freeotp",
            Format::Bitwarden => "bitwarden",
            Format::Authy => "authy",
            Format::Ente => "ente",
            Format::UriList => "uri-list",
        }
    }

    /// Parses a name (case-insensitive; `freeotp+`, `otpauth` and `google` —
    /// a text file of `otpauth-migration://` lines — are aliases).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "freeotp+" | "freeotp-plus" | "freeotpplus" => Some(Format::FreeOtp),
            "otpauth" | "uris" | "text" | "google" | "google-authenticator" => {
                Some(Format::UriList)
            }
            "twofas" => Some(Format::TwoFas),
            lower => Format::ALL.into_iter().find(|f| f.name() == lower),
        }
    }
}

/// Why a file could not be read. Messages carry no secret and no account name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The file is not an export of this format (or is damaged beyond reading).
    #[error("this is not a readable {format} export file ({detail})")]
    NotThisFormat {
        /// The format asked for.
        format: &'static str,
        /// What did not fit (a field name, never a value).
        detail: String,
    },
    /// The file is encrypted and no password was given.
    #[error("the file is encrypted: its password is needed")]
    PasswordNeeded,
    /// The password does not open the file (or the file is damaged).
    #[error("the password does not open this file (wrong password, or a damaged file)")]
    WrongPassword,
    /// The file asks for more key-derivation work than any real export (the
    /// bounds are in `transfer::crypto`): refused before any derivation runs.
    #[error("the file asks for more key-derivation work than any real export (damaged or crafted)")]
    CostTooHigh,
    /// A variant of the format that is not supported (the message says which).
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    /// Larger than any real export: too many bytes or entries, or it would
    /// take many times its own size to read (one string referred to thousands
    /// of times, millions of XML nodes).
    #[error("the file is too large, or expands too much, to be an export")]
    TooLarge,
}

impl ImportError {
    pub(crate) fn format(format: Format, detail: impl Into<String>) -> Self {
        ImportError::NotThisFormat {
            format: format.name(),
            detail: detail.into(),
        }
    }
}

/// An entry of the file that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// Issuer and account name as the file has them (or the line number).
    pub label: String,
    /// Why (no secret in it).
    pub reason: String,
}

/// What a file holds.
#[derive(Debug, Default)]
pub struct Imported {
    /// The accounts, in the file's order.
    pub accounts: Vec<Account>,
    /// Entries this format holds but Vakt cannot use (or that are malformed).
    pub unsupported: Vec<Skipped>,
    /// Caveats about the whole file (fields this format does not record, and
    /// the value assumed for them).
    pub notes: Vec<String>,
}

/// Reads an export file. `password` is used only if the file is encrypted; an
/// encrypted file without one gives [`ImportError::PasswordNeeded`].
pub fn read(
    format: Format,
    bytes: &[u8],
    password: Option<&SecretString>,
) -> Result<Imported, ImportError> {
    if bytes.len() > MAX_FILE_LEN {
        return Err(ImportError::TooLarge);
    }
    let imported = match format {
        Format::Aegis => aegis::read(bytes, password),
        Format::TwoFas => twofas::read(bytes, password),
        Format::AndOtp => andotp::read(bytes, password),
        Format::FreeOtp => freeotp::read(bytes, password),
        Format::Bitwarden => bitwarden::read(bytes),
        Format::Authy => authy::read(bytes, password),
        Format::Ente => uri_list::read(bytes, Format::Ente),
        Format::UriList => uri_list::read(bytes, Format::UriList),
    }?;
    // Bounds the work of `apply`, which compares each entry with the others.
    if imported
        .accounts
        .len()
        .saturating_add(imported.unsupported.len())
        > MAX_ENTRIES
    {
        return Err(ImportError::TooLarge);
    }
    Ok(imported)
}

/// An account added, or not, by [`apply`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// Added: new id and label.
    pub added: Vec<(u64, String)>,
    /// Not added because the vault already holds the same account (same
    /// codes, same names): the existing account's id and the file's label.
    pub duplicates: Vec<(u64, String)>,
    /// Added (and also in `added`), but they give the same codes as an
    /// account with other names: the new id, the other account's id, the
    /// file's label. Worth showing: the user may delete one.
    pub look_alikes: Vec<(u64, u64, String)>,
    /// Entries of the file that could not be imported.
    pub unsupported: Vec<Skipped>,
    /// Caveats about the file.
    pub notes: Vec<String>,
}

/// Adds what was read to the vault in one transaction. An entry that is
/// already in the vault (same codes, same names), or earlier in the same file,
/// is skipped and reported; one that gives the same codes under other names is
/// added and reported as a look-alike; nothing else is left out.
pub fn apply(session: &Session, imported: Imported) -> Result<ImportReport, VaultError> {
    let outcomes = session.add_all(&imported.accounts)?;
    let mut report = ImportReport {
        added: Vec::new(),
        duplicates: Vec::new(),
        look_alikes: Vec::new(),
        unsupported: imported.unsupported,
        notes: imported.notes,
    };
    for (account, outcome) in imported.accounts.iter().zip(outcomes) {
        let label = label_of(&account.issuer, &account.name);
        match outcome {
            AddOutcome::Added(id) => report.added.push((id, label)),
            AddOutcome::AddedLike { id, like } => {
                report.look_alikes.push((id, like, label.clone()));
                report.added.push((id, label));
            }
            AddOutcome::Duplicate(id) => report.duplicates.push((id, label)),
        }
    }
    Ok(report)
}

pub(crate) use crate::account::display_label as label_of;

/// The fields most formats record, before validation.
pub(crate) struct Fields<'a> {
    /// `totp`, `hotp` or `steam` (any case); anything else is unsupported.
    pub kind: &'a str,
    pub issuer: &'a str,
    pub name: &'a str,
    pub secret: OtpSecret,
    pub algorithm: Option<&'a str>,
    pub digits: Option<u64>,
    pub period: Option<u64>,
    pub counter: Option<u64>,
}

impl Fields<'_> {
    /// Builds the account, or says why not (without any secret).
    pub(crate) fn build(self) -> Result<Account, String> {
        let algorithm = match self.algorithm.map(str::trim).filter(|a| !a.is_empty()) {
            None => Algorithm::Sha1,
            Some(name) => Algorithm::from_name(&name.replace('-', ""))
                .ok_or_else(|| format!("hash algorithm {} is not supported", shorten(name)))?,
        };
        let digits = match self.digits {
            None => Digits::SIX,
            Some(d) => u8::try_from(d)
                .ok()
                .and_then(Digits::new)
                .ok_or_else(|| format!("{d} digits are not supported (1 to 10 are)"))?,
        };
        let params = match self.kind.to_ascii_lowercase().as_str() {
            "totp" => OtpParams {
                kind: OtpKind::Totp {
                    period: match self.period {
                        None => Period::THIRTY,
                        Some(p) => Period::new(p)
                            .ok_or_else(|| format!("a period of {p} s is not usable"))?,
                    },
                },
                algorithm,
                digits,
                secret: self.secret,
            },
            "hotp" => OtpParams {
                kind: OtpKind::Hotp {
                    counter: self.counter.unwrap_or(0),
                },
                algorithm,
                digits,
                secret: self.secret,
            },
            "steam" => OtpParams {
                kind: OtpKind::Steam,
                algorithm: Algorithm::Sha1,
                digits: Digits::new(crate::otp::STEAM_DIGITS).unwrap_or_default(),
                secret: self.secret,
            },
            other => return Err(format!("{} codes are not supported", shorten(other))),
        };
        Ok(Account::new(self.issuer, self.name, params))
    }
}

/// A base32 key as apps write it (any case, padding, spaces).
pub(crate) fn base32_secret(text: &SecretString) -> Result<OtpSecret, String> {
    // EXPOSE: the key text is decoded into a secret type.
    parse_base32_key(text.expose()).map_err(|e| format!("its key is unusable: {e}"))
}

/// Raw key bytes; `None` if empty.
pub(crate) fn raw_secret(bytes: Vec<u8>) -> Result<OtpSecret, String> {
    OtpSecret::new(crate::secret::SecretBytes::new(bytes)).ok_or_else(|| "its key is empty".into())
}

/// Shortens a non-secret value for a message.
pub(crate) fn shorten(value: &str) -> String {
    const MAX: usize = 24;
    let mut out: String = value.chars().take(MAX).collect();
    if value.chars().count() > MAX {
        out.push('…');
    }
    out
}

/// Removes a leading `issuer:` from `name` (case-insensitive), as the otpauth
/// issuer rule does: apps that store the scanned label keep it there.
pub(crate) fn strip_issuer_prefix<'a>(issuer: &str, name: &'a str) -> &'a str {
    let issuer = issuer.trim();
    if issuer.is_empty() {
        return name.trim();
    }
    name.get(..issuer.len())
        .filter(|head| head.eq_ignore_ascii_case(issuer))
        .and_then(|_| name.get(issuer.len()..))
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .unwrap_or(name)
        .trim()
}
