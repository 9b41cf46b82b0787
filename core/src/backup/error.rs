//! Why a backup could not be made, read or restored.

use crate::store::StoreError;
use crate::vault::VaultError;

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
    /// A key slot asks for more key-derivation work than Vakt ever writes
    /// ([`crate::crypto::kdf::KdfParams::fits_file_bounds`]): refused before
    /// any derivation runs.
    #[error(
        "the backup asks for more key-derivation work than Vakt ever uses (damaged or crafted)"
    )]
    CostTooHigh,
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

impl From<StoreError> for BackupError {
    fn from(e: StoreError) -> Self {
        BackupError::Vault(e.into())
    }
}
