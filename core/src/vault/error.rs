//! Why a vault operation failed: one variant per thing a caller can act on.

use crate::crypto::aead;
use crate::crypto::keystore::KeystoreError;
use crate::store::StoreError;

use super::limits::MAX_PIN_ATTEMPTS;
use super::pin::PinError;
use super::unblock_code::UnblockCodeError;

/// Why a vault file cannot be used. The file is always left untouched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    /// Not SQLite, not a Vakt vault, or damaged.
    #[error("the file is not a Vakt vault or is damaged")]
    NotAVault,
    /// Written by a newer version of Vakt.
    #[error("it was written by a newer Vakt (schema {found}; this one reads up to {supported})")]
    NewerSchema {
        /// The file's schema version.
        found: u32,
        /// The newest schema this build reads.
        supported: u32,
    },
    /// The device key is missing or is not the one the vault was made with.
    #[error("this device's key does not open it (made on another device, or the key was lost)")]
    DeviceKey,
    /// A record or slot is damaged.
    #[error("part of it is damaged")]
    Damaged,
}

/// Everything that can go wrong with a vault, one variant per thing to act on.
/// Messages carry no secret and no account names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// No vault has been created here.
    #[error("no vault here yet (create one first)")]
    NotInitialized,
    /// A vault already exists here.
    #[error("a vault already exists here")]
    AlreadyInitialized,
    /// The vault file cannot be used; it has been left as it is.
    #[error("the vault cannot be opened: {0}")]
    Unreadable(Unreadable),
    /// Wrong PIN; the vault is not blocked yet.
    #[error("wrong PIN: {attempts_left} attempt(s) left before the vault is blocked")]
    WrongPin {
        /// Attempts left before the vault is blocked.
        attempts_left: u32,
    },
    /// Blocked after too many wrong PINs.
    #[error(
        "the vault is blocked after {MAX_PIN_ATTEMPTS} wrong PINs; unblock it with the unblock code"
    )]
    Blocked,
    /// The PIN is malformed or too weak to be set.
    #[error("PIN: {0}")]
    BadPin(PinError),
    /// The typed unblock code is malformed (not counted as an attempt).
    #[error("unblock code: {0}")]
    MistypedUnblockCode(UnblockCodeError),
    /// A well-formed unblock code that is not this vault's current one.
    #[error("wrong unblock code ({failed_attempts} wrong in a row)")]
    WrongUnblockCode {
        /// Wrong unblock codes since the last success, this one included.
        failed_attempts: u32,
    },
    /// The same account is already stored.
    #[error("this account is already in the vault (#{id})")]
    Duplicate {
        /// The existing account's id.
        id: u64,
    },
    /// No account with this id.
    #[error("no account #{id}")]
    NoSuchAccount {
        /// The id asked for.
        id: u64,
    },
    /// The account's codes are time-based; it has no counter to advance.
    #[error("account #{id} is time-based; it has no counter to advance")]
    NotCounterBased {
        /// The account's id.
        id: u64,
    },
    /// The entry is a token of a privacyIDEA container whose server does not
    /// allow deleting its tokens on the phone (unregister the container
    /// first, if its server allows that).
    #[error(
        "#{id} belongs to container #{container}, whose server does not allow deleting its tokens on the phone"
    )]
    DeletionNotAllowed {
        /// The entry's id.
        id: u64,
        /// The container's id.
        container: u64,
    },
    /// An argument is not acceptable (the message says which).
    #[error("{0}")]
    InvalidInput(String),
    /// The vault file is damaged: it was moved, untouched, to `moved_to`
    /// (with its `-wal` and `-shm` files). The way back is a restore from a
    /// backup into the now free place.
    #[error(
        "the vault file is damaged and cannot be read; it was moved, untouched, to {}",
        moved_to.display()
    )]
    Damaged {
        /// Where the damaged file is now.
        moved_to: std::path::PathBuf,
    },
    /// Storage failed: no space left, storage that cannot be written or is
    /// not available yet, busy, or another input/output failure.
    #[error("{0}")]
    Storage(StoreError),
    /// The device keystore failed for a reason other than a wrong key.
    #[error("{0}")]
    Keystore(KeystoreError),
    /// No randomness could be drawn.
    #[error("the random number generator failed")]
    Random,
    /// Biometric unlock was asked for, but it is not enabled on this vault.
    #[error("biometric unlock is not enabled; use the PIN")]
    BiometricNotEnabled,
    /// The platform's user-authenticated key failed (cancelled, locked out,
    /// invalidated: then the biometric slot is gone and the PIN opens).
    #[error("biometric unlock failed: {0}")]
    UserAuth(crate::crypto::user_auth::UserAuthError),
}

impl From<StoreError> for VaultError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Missing => VaultError::NotInitialized,
            StoreError::NotAVault => VaultError::Unreadable(Unreadable::NotAVault),
            StoreError::Damaged => VaultError::Unreadable(Unreadable::Damaged),
            StoreError::NewerSchema { found, supported } => {
                VaultError::Unreadable(Unreadable::NewerSchema { found, supported })
            }
            other => VaultError::Storage(other),
        }
    }
}

impl From<crate::rng::RandomError> for VaultError {
    fn from(_: crate::rng::RandomError) -> Self {
        VaultError::Random
    }
}

impl From<aead::AeadError> for VaultError {
    fn from(e: aead::AeadError) -> Self {
        match e {
            aead::AeadError::Random => VaultError::Random,
            aead::AeadError::Open => VaultError::Unreadable(Unreadable::Damaged),
        }
    }
}

pub(crate) fn keystore_error(e: KeystoreError) -> VaultError {
    match e {
        KeystoreError::Missing | KeystoreError::Rejected => {
            VaultError::Unreadable(Unreadable::DeviceKey)
        }
        other => VaultError::Keystore(other),
    }
}
