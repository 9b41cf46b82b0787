//! Backups: making one from a session, reading a file's header, restoring a
//! file into a new vault on a new device.

use std::sync::Arc;

use vakt_core::SecretString;
use vakt_core::backup::{BackupSecret, PassphraseAfterRestore};
use vakt_core::vault::{self as core, Pin, UnblockCode};
use zeroize::Zeroizing;

use crate::VaktError;
use crate::platform::{Clock, DeviceKeystore};
use crate::unblock_code::NewUnblockCode;
use crate::vault::{Session, Vault, VaultOptions, new_pin as checked_pin, services};

/// What a backup file says about itself (no secret needed, none shown).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BackupInfo {
    /// The file's format version.
    pub format_version: u32,
    /// The backup key's random id, hex: the same for every backup of a vault.
    pub backup_id: String,
    /// Which unblock code opens it: 1 for the first code of this backup key,
    /// one more for each code made since.
    pub generation: u32,
    /// Whether a backup passphrase opens it too.
    pub has_passphrase: bool,
}

/// Which secret the user typed to open a backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum BackupSecretKind {
    /// The unblock code current when the backup was made.
    UnblockCode,
    /// The backup passphrase (if one was set before the backup was made).
    Passphrase,
}

/// A backup restored into a new vault.
#[derive(uniffi::Record)]
pub struct RestoredVault {
    /// The new vault (locked; opens with the new PIN).
    pub vault: Arc<Vault>,
    /// An open session on it.
    pub session: Arc<Session>,
    /// The new vault's unblock code (the backup's code does not open it). Show
    /// it once (`reveal()`); never store it.
    pub unblock_code: Arc<NewUnblockCode>,
    /// Accounts restored.
    pub restored: u32,
    /// Display names of push tokens that must be enrolled again on this device
    /// (`push_tokens` lists them as `NeedsReenrolment`; scan a new enrolment
    /// code for each).
    pub needs_reenrolment: Vec<String>,
    /// What became of the backup passphrase.
    pub passphrase: RestoredPassphrase,
}

/// What became of the backup passphrase in a restored vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum RestoredPassphrase {
    /// The backup had none.
    NoneSet,
    /// Restored with the passphrase: it opens the new vault's backups too.
    Kept,
    /// The backup had one but was restored with the unblock code: tell the
    /// user to set it again if it is wanted.
    Dropped,
}

impl From<PassphraseAfterRestore> for RestoredPassphrase {
    fn from(p: PassphraseAfterRestore) -> Self {
        match p {
            PassphraseAfterRestore::NoneSet => RestoredPassphrase::NoneSet,
            PassphraseAfterRestore::Kept => RestoredPassphrase::Kept,
            PassphraseAfterRestore::Dropped => RestoredPassphrase::Dropped,
        }
    }
}

/// Reads a backup's header (integrity-checked) without any secret. Throws
/// `BackupUnreadable` for a file that is not a readable Vakt backup.
#[uniffi::export]
pub fn inspect_backup(backup: Vec<u8>) -> Result<BackupInfo, VaktError> {
    let info = vakt_core::backup::inspect(&backup)?;
    Ok(BackupInfo {
        format_version: u32::from(info.format_version),
        backup_id: info.backup_id,
        generation: info.generation,
        has_passphrase: info.has_passphrase,
    })
}

/// Restores `backup` into a new vault at `path` (no vault there yet), opened
/// by `secret` (the unblock code of the backup, or its passphrase) and
/// protected by `new_pin`. The new vault has its own keys and unblock code.
/// A wrong secret (`WrongBackupSecret`) is counted like an unblock attempt,
/// with the same waits.
#[uniffi::export]
#[allow(clippy::too_many_arguments)]
pub fn restore_backup(
    path: String,
    keystore: Arc<dyn DeviceKeystore>,
    clock: Arc<dyn Clock>,
    backup: Vec<u8>,
    secret_kind: BackupSecretKind,
    secret: String,
    new_pin: String,
    options: VaultOptions,
) -> Result<RestoredVault, VaktError> {
    let secret = Zeroizing::new(secret);
    let new_pin = Zeroizing::new(new_pin);
    let config = options.config();
    let pin: Pin = checked_pin(&new_pin, &config)?;
    let code: UnblockCode;
    let phrase: SecretString;
    let secret = match secret_kind {
        BackupSecretKind::UnblockCode => {
            code = UnblockCode::parse(&secret)?;
            BackupSecret::UnblockCode(&code)
        }
        BackupSecretKind::Passphrase => {
            phrase = SecretString::from_str_copy(&secret);
            BackupSecret::Passphrase(&phrase)
        }
    };
    let restored = core::Vault::restore(
        std::path::Path::new(&path),
        services(keystore, clock.clone()),
        config,
        &backup,
        secret,
        &pin,
    )?;
    Ok(RestoredVault {
        vault: Vault::wrap(restored.vault, config, clock.clone()),
        session: Session::new(restored.session, clock),
        unblock_code: NewUnblockCode::new(restored.unblock_code),
        restored: u32::try_from(restored.report.restored).unwrap_or(u32::MAX),
        passphrase: restored.report.passphrase.into(),
        needs_reenrolment: restored.report.needs_reenrolment,
    })
}

#[uniffi::export]
impl Session {
    /// A backup of every account (the bytes of the encrypted file), ready to
    /// store anywhere. Cheap (no key derivation). It opens with the current
    /// unblock code, and the backup passphrase if one is set; it holds no
    /// device key. Throws `NoBackupKey` for a vault made before backups existed.
    pub fn backup(&self) -> Result<Vec<u8>, VaktError> {
        self.with(|s| s.backup())
    }

    /// A number that goes up with every change to the accounts or to what opens
    /// backups: when it differs from its value at the last stored backup, a new
    /// backup is due.
    pub fn change_count(&self) -> Result<i64, VaktError> {
        self.with(|s| s.change_count()).map(crate::convert::id_out)
    }

    /// Lets `passphrase` (12 characters or more) open backups made from now on,
    /// besides the unblock code. Runs the PIN's key derivation.
    pub fn set_backup_passphrase(&self, passphrase: String) -> Result<(), VaktError> {
        let passphrase = SecretString::new(passphrase);
        self.with(|s| s.set_backup_passphrase(&passphrase))
    }

    /// Stops the backup passphrase opening backups made from now on; whether
    /// one was set.
    pub fn remove_backup_passphrase(&self) -> Result<bool, VaktError> {
        self.with(|s| s.remove_backup_passphrase())
    }
}
