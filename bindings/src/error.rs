//! The one public error enum, and the single place core errors map into it.

use vakt_core::vault::{Unreadable, VaultError};

/// Why a vault file cannot be used (it is always left untouched).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum UnreadableReason {
    /// Not a Vakt vault, or damaged beyond reading.
    NotAVault,
    /// Written by a newer version of the app.
    NewerVersion,
    /// This device's key does not open it (another device, or the key was lost).
    WrongDevice,
    /// Part of it is damaged.
    Damaged,
}

/// Every error an app can act on, one variant per action. Messages are
/// hand-written and never contain a secret or an account name.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VaktError {
    /// An otpauth URI was refused; `field` names the part at fault.
    #[error("{message}")]
    InvalidUri {
        /// `scheme`, `type`, `secret`, `algorithm`, `digits`, `period`, `counter`, `label`, `issuer`.
        field: String,
        /// For the user.
        message: String,
    },
    /// A typed key is not usable base32.
    #[error("{message}")]
    InvalidKey {
        /// For the user.
        message: String,
    },
    /// A manually entered parameter is out of range (digits, period).
    #[error("{message}")]
    InvalidParameter {
        /// For the user.
        message: String,
    },
    /// A PIN is malformed, or too weak to be set (the message says why).
    #[error("{message}")]
    InvalidPin {
        /// For the user.
        message: String,
    },
    /// No vault at this path yet.
    #[error("no vault here yet")]
    NotInitialized,
    /// A vault already exists at this path.
    #[error("a vault already exists here")]
    AlreadyInitialized,
    /// The vault file cannot be used; it was left untouched.
    #[error("the vault cannot be opened")]
    VaultUnreadable {
        /// Why.
        reason: UnreadableReason,
    },
    /// Wrong PIN; `attempts_left` more before the vault is blocked.
    #[error("wrong PIN")]
    WrongPin {
        /// Attempts left (≥ 1).
        attempts_left: u32,
    },
    /// Blocked after three wrong PINs: only the unblock code opens it.
    #[error("the vault is blocked; use the unblock code")]
    Blocked,
    /// The typed unblock code is malformed (not counted as an attempt).
    #[error("{message}")]
    MistypedUnblockCode {
        /// For the user.
        message: String,
    },
    /// A well-formed unblock code that is not the vault's current one.
    #[error("wrong unblock code")]
    WrongUnblockCode {
        /// Wrong codes in a row, this one included.
        failed_attempts: u32,
    },
    /// The account is already in the vault.
    #[error("this account is already in the vault")]
    Duplicate {
        /// The existing account's id.
        existing_id: u64,
    },
    /// No account with this id.
    #[error("no such account")]
    NoSuchAccount {
        /// The id asked for.
        id: u64,
    },
    /// The account is time-based; it has no counter.
    #[error("this account is time-based")]
    NotCounterBased {
        /// The account's id.
        id: u64,
    },
    /// The session was locked; unlock again.
    #[error("the vault is locked")]
    Locked,
    /// An argument is not acceptable.
    #[error("{message}")]
    InvalidInput {
        /// For the user.
        message: String,
    },
    /// Storage failed (busy, disk).
    #[error("{message}")]
    Storage {
        /// For logs.
        message: String,
    },
    /// The platform keystore failed for a reason other than a wrong key.
    #[error("{message}")]
    Keystore {
        /// For logs.
        message: String,
    },
    /// An unexpected internal failure.
    #[error("{message}")]
    Internal {
        /// For logs.
        message: String,
    },
}

impl From<VaultError> for VaktError {
    fn from(e: VaultError) -> Self {
        let message = e.to_string();
        match e {
            VaultError::NotInitialized => VaktError::NotInitialized,
            VaultError::AlreadyInitialized => VaktError::AlreadyInitialized,
            VaultError::Unreadable(reason) => VaktError::VaultUnreadable {
                reason: match reason {
                    Unreadable::NotAVault => UnreadableReason::NotAVault,
                    Unreadable::NewerSchema { .. } => UnreadableReason::NewerVersion,
                    Unreadable::DeviceKey => UnreadableReason::WrongDevice,
                    Unreadable::Damaged => UnreadableReason::Damaged,
                },
            },
            VaultError::WrongPin { attempts_left } => VaktError::WrongPin { attempts_left },
            VaultError::Blocked => VaktError::Blocked,
            VaultError::BadPin(e) => VaktError::InvalidPin {
                message: e.to_string(),
            },
            VaultError::MistypedUnblockCode(e) => VaktError::MistypedUnblockCode {
                message: e.to_string(),
            },
            VaultError::WrongUnblockCode { failed_attempts } => {
                VaktError::WrongUnblockCode { failed_attempts }
            }
            VaultError::Duplicate { id } => VaktError::Duplicate { existing_id: id },
            VaultError::NoSuchAccount { id } => VaktError::NoSuchAccount { id },
            VaultError::NotCounterBased { id } => VaktError::NotCounterBased { id },
            VaultError::InvalidInput(_) => VaktError::InvalidInput { message },
            VaultError::Storage(_) => VaktError::Storage { message },
            VaultError::Keystore(_) => VaktError::Keystore { message },
            VaultError::Random => VaktError::Internal { message },
        }
    }
}

impl From<vakt_core::uri::UriError> for VaktError {
    fn from(e: vakt_core::uri::UriError) -> Self {
        VaktError::InvalidUri {
            field: e.field().to_owned(),
            message: e.to_string(),
        }
    }
}

impl From<vakt_core::keytext::KeyTextError> for VaktError {
    fn from(e: vakt_core::keytext::KeyTextError) -> Self {
        VaktError::InvalidKey {
            message: e.to_string(),
        }
    }
}

impl From<vakt_core::vault::PinError> for VaktError {
    fn from(e: vakt_core::vault::PinError) -> Self {
        VaktError::InvalidPin {
            message: e.to_string(),
        }
    }
}

impl From<vakt_core::vault::UnblockCodeError> for VaktError {
    fn from(e: vakt_core::vault::UnblockCodeError) -> Self {
        VaktError::MistypedUnblockCode {
            message: e.to_string(),
        }
    }
}
