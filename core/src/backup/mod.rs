//! Backups: one file with every account (metadata and HOTP counter included),
//! encrypted and authenticated under a random **backup key** that the vault's
//! current unblock code opens, and optionally a separate backup passphrase. No
//! device key is inside: a backup restores on any device.
//!
//! The vault keeps, sealed under its vault key, the key-encryption key of its
//! current unblock code (and of the backup passphrase), derived when the
//! secret was known (see `vault::recovery`); so [`crate::vault::Session::backup`]
//! (`make`) runs no key derivation: an app can make a fresh backup after
//! every change and store it. Every backup has its own backup key and id;
//! backups made before a new unblock code open with the previous code (the
//! header's `generation` says which code a backup needs), and nothing made
//! after it opens with the previous code.
//!
//! Restoring (`restore`: `Vault::restore`) makes a new vault: new vault key,
//! device key and unblock code; wrong codes are counted in that new vault's
//! lockout table before each check.
//!
//! The byte format is in [`format`] and docs/backup-format.md.

pub mod format;
mod make;
mod restore;

use crate::account::Account;
use crate::vault::VaultError;

pub use format::{FORMAT_VERSION, MAGIC, SlotKind};
pub use restore::{BackupSecret, PassphraseAfterRestore, RestoreReport, Restored};

/// Why a backup could not be made, read or restored. Messages carry no secret
/// and no account name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    /// The file is not a Vakt backup (another app's export, a random file).
    #[error("this file is not a Vakt backup")]
    NotABackup,
    /// The file ends before its own lengths say it should.
    #[error("the backup is cut short (incomplete download or copy?)")]
    Truncated,
    /// A format version this build does not read.
    #[error(
        "backup format {found} is not readable by this Vakt (it reads format {supported}; a newer Vakt may)"
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// Damaged or altered: the checksum, a length, a field or the encryption does
    /// not check out.
    #[error("the backup is damaged or has been altered")]
    Damaged,
    /// The backup holds records of a kind this build does not know.
    #[error("the backup holds data this Vakt does not know (made by a newer Vakt?)")]
    UnsupportedContent,
    /// The backup has no slot for the kind of secret given.
    #[error(
        "this backup cannot be opened with a backup passphrase (it has none); use the unblock code"
    )]
    NoPassphraseSlot,
    /// The vault has nothing to seal backups for yet: it was made before
    /// backups existed, or before every backup had its own key (schema 3 and
    /// older). Its next unblock code makes backups possible again.
    #[error(
        "this vault needs a new unblock code before it can make backups (a backup passphrase set before must be set again)"
    )]
    NoBackupKey,
    /// More accounts than a backup holds.
    #[error("too many accounts for one backup")]
    TooLarge,
    /// No randomness could be drawn.
    #[error("the random number generator failed")]
    Random,
    /// The vault refused (wrong unblock code, not empty, storage, …).
    #[error("{0}")]
    Vault(VaultError),
}

impl From<VaultError> for BackupError {
    fn from(e: VaultError) -> Self {
        BackupError::Vault(e)
    }
}

/// What can be learned from a backup without any secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    /// The file's format version.
    pub format_version: u8,
    /// The backup key's random id, hex (the same for every backup of a vault
    /// until it is restored elsewhere).
    pub backup_id: String,
    /// Which unblock code opens it: 1 for the first code of this backup key, one
    /// more for each code made since.
    pub generation: u32,
    /// Whether a backup passphrase opens it too.
    pub has_passphrase: bool,
}

/// Reads a backup's header (integrity-checked), without any secret.
pub fn inspect(bytes: &[u8]) -> Result<BackupInfo, BackupError> {
    let parsed = format::parse(bytes)?;
    let header = &parsed.header;
    Ok(BackupInfo {
        format_version: FORMAT_VERSION,
        backup_id: header
            .backup_id
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        generation: header.generation,
        has_passphrase: header.slot(SlotKind::Passphrase).is_some(),
    })
}

/// The decrypted contents of a backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contents {
    /// The accounts, in display order.
    pub accounts: Vec<Account>,
    /// Push tokens, restored as needing re-enrolment (their device keys stayed
    /// on the old device).
    pub push_tokens: Vec<crate::push::PushToken>,
    /// Names of entries restored but in need of re-enrolment on the new device
    /// (the push tokens, `issuer: label`).
    pub needs_reenrolment: Vec<String>,
}

/// Decodes the records of an opened payload.
pub(crate) fn decode_records(records: &[format::Record]) -> Result<Contents, BackupError> {
    let mut accounts = Vec::with_capacity(records.len());
    let mut push_tokens = Vec::new();
    let mut needs_reenrolment = Vec::new();
    for record in records {
        match record.kind {
            format::RecordKind::Account => accounts.push(
                crate::vault::record::decode(&record.bytes).map_err(|_| BackupError::Damaged)?,
            ),
            format::RecordKind::PushToken => {
                let mut token = crate::push::PushToken::decode(&record.bytes)
                    .map_err(|_| BackupError::Damaged)?;
                token.state = crate::push::TokenState::NeedsReenrolment;
                needs_reenrolment.push(token.display_name());
                push_tokens.push(token);
            }
        }
    }
    Ok(Contents {
        accounts,
        push_tokens,
        needs_reenrolment,
    })
}

impl From<crate::vault::StoreError> for BackupError {
    fn from(e: crate::vault::StoreError) -> Self {
        BackupError::Vault(e.into())
    }
}
