//! The encrypted vault: accounts under a random vault key, opened by a PIN (bound
//! to a device key) or by a one-time unblock code; three wrong PINs block it.
//!
//! # Keys
//! - The **vault key** (random, 256 bits) seals every account record, secret and
//!   names alike, with AES-256-GCM ([`aead`]); the associated data binds the
//!   purpose, the format version, the vault id and the record id.
//! - The **PIN slot** holds the vault key sealed under Argon2id(PIN), and that
//!   sealed blob wrapped again by the platform's **device key** ([`keystore`]).
//! - The **unblock slot** is the same with the unblock code.
//!
//! # Lockout
//! Every PIN check first commits (synchronously) one more failed attempt; only a
//! correct PIN sets the count back to zero. At [`MAX_PIN_ATTEMPTS`] the vault is
//! blocked and even the right PIN is refused until the unblock code is used. A
//! process killed at any instant therefore leaves an attempt counted, never
//! uncounted; nothing depends on the clock.
//!
//! A full disk does not stop the count: a reserve file beside the vault
//! ([`reserve_path`]) is freed when a lockout write finds no space, and the
//! write retried. Storage that cannot be written still shows the lockout state
//! ([`Vault::status`]) but opens nothing: the count cannot be committed.
//!
//! Wrong unblock codes are counted the same way and, from the fourth on, each
//! further attempt first waits (see [`unblock_delay`]) — measured by the process
//! itself, so neither a restart nor a clock change shortens it.

mod accounts;
mod aside;
mod biometric;
mod bulk;
mod clock_offset;
mod config;
mod create;
mod device_layer;
mod duplicates;
mod error;
mod escrow;
mod export;
mod handle;
mod idle;
mod limits;
mod locked;
mod lockout;
pub mod pin;
pub(crate) mod record;
mod recovery;
mod reserve;
mod session;
mod slots;
pub mod unblock_code;

pub use crate::crypto::kdf::KdfParams;
pub use crate::crypto::keystore::{DeviceKeystore, KeystoreError, SoftwareKeystore};
pub use crate::crypto::user_auth::{UserAuthError, UserAuthKey};
pub use crate::store::StoreError;
pub use accounts::{AccountInfo, CodeEntry};
pub use bulk::AddOutcome;
pub use clock_offset::{MAX_CLOCK_OFFSET, NOTICEABLE_CLOCK_OFFSET};
pub use config::{Pause, Services, ThreadSleep, VaultConfig};
pub(crate) use create::EmptyVault;
pub use create::RESTORE_ATTEMPTS_FILE;
pub(crate) use device_layer::{DeviceLayer, DeviceRecordKey};
pub use error::{Unreadable, VaultError};
pub use escrow::{EscrowEnrolment, EscrowStatus, MAX_ESCROW_HINT_CHARS, PendingEscrow};
pub use export::PinConfirmed;
pub use idle::AutoLock;
pub use limits::{FREE_UNBLOCK_ATTEMPTS, MAX_PIN_ATTEMPTS, MAX_UNBLOCK_DELAY};
pub use locked::Vault;
pub use lockout::{LockStatus, unblock_delay};
pub use pin::{Pin, PinError, PinPolicy};
pub use recovery::MIN_PASSPHRASE_CHARS;
pub use reserve::{RESERVE_BYTES, reserve_path};
pub use session::Session;
pub use unblock_code::{UnblockCode, UnblockCodeError};

/// File name of the vault database inside a vault folder.
pub const VAULT_FILE: &str = "vault.sqlite3";

#[cfg(test)]
mod tests;
