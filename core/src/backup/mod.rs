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

pub(crate) mod contents;
mod error;
pub mod format;
mod inspect;
mod make;
mod restore;

pub use contents::Contents;
pub use error::BackupError;
pub use format::{FORMAT_VERSION, MAGIC, SlotKind};
pub use inspect::{BackupInfo, inspect};
pub use restore::{BackupSecret, PassphraseAfterRestore, RestoreReport, Restored};
