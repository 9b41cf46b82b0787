//! Restoring a backup into a new vault.
//!
//! Order: the file is parsed and integrity-checked (a damaged or foreign file
//! is not a guess and is not counted) → the target vault file is created if
//! needed (schema and lockout row only: no slots, so it is still an empty
//! vault) → the attempt is **counted and committed** in that vault's lockout
//! table → the wait of [`super::unblock_delay`] → the KDF and the check → one
//! transaction writes everything: vault id, PIN and unblock slots, backup key,
//! accounts, lockout reset. A process killed at any instant leaves either an
//! empty vault (no slots, attempts counted) or a complete one.

use std::path::Path;
use std::sync::Arc;

use crate::backup::format::{self, SlotKind};
use crate::backup::{BackupError, Contents};
use crate::secret::SecretString;

use super::locked::NewVault;
use super::slots::SLOT_PIN;
use super::{
    Pin, Services, Session, UnblockCode, Vault, VaultConfig, VaultError, backup_key, unblock_delay,
};
use crate::store::{AccountRow, Store, StoreError};

/// The secret that opens a backup.
#[derive(Clone, Copy, Debug)]
pub enum BackupSecret<'a> {
    /// The unblock code current when the backup was made.
    UnblockCode(&'a UnblockCode),
    /// The backup passphrase, if one was set before the backup was made.
    Passphrase(&'a SecretString),
}

/// What a restore brought back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    /// Accounts restored.
    pub restored: usize,
    /// Entries restored that must be enrolled again on this device (push
    /// tokens, a later record kind): their labels. Empty today.
    pub needs_reenrolment: Vec<String>,
}

/// A restored vault, unlocked, with its new unblock code (show it once).
#[derive(Debug)]
pub struct Restored {
    /// The new vault.
    pub vault: Vault,
    /// An unlocked session on it.
    pub session: Session,
    /// The new vault's unblock code; the backup's code does not open it.
    pub unblock_code: UnblockCode,
    /// What came back.
    pub report: RestoreReport,
}

impl Vault {
    /// Restores `backup` into a new vault at `path` (which must hold no vault
    /// yet, or an empty one), opened by `secret` and protected by `new_pin`.
    ///
    /// The new vault has its own vault key, device key (from `services`),
    /// unblock code and backup key. Wrong secrets are counted in the new vault's
    /// lockout table before each check, like unblock attempts (same waits).
    pub fn restore(
        path: &Path,
        services: Services,
        config: VaultConfig,
        backup: &[u8],
        secret: BackupSecret<'_>,
        new_pin: &Pin,
    ) -> Result<Restored, BackupError> {
        let parsed = format::parse(backup)?;
        let (kind, secret_bytes) = match secret {
            BackupSecret::UnblockCode(code) => (SlotKind::UnblockCode, code.canonical()),
            // EXPOSE: the passphrase is derived to open the backup key.
            BackupSecret::Passphrase(text) => (SlotKind::Passphrase, text.expose()),
        };
        let slot = parsed
            .header
            .slot(kind)
            .ok_or(match kind {
                SlotKind::Passphrase => BackupError::NoPassphraseSlot,
                SlotKind::UnblockCode => BackupError::Damaged,
            })?
            .clone();

        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| VaultError::Storage(StoreError::Failed(e.kind().to_string())))?;
        }
        let mut store = Store::open(path, true).map_err(VaultError::from)?;
        // Count first (committed, synced), in the target vault.
        let attempt = store.write(|tx| {
            if tx.slot(SLOT_PIN)?.is_some() {
                return Err(VaultError::AlreadyInitialized);
            }
            let (pin_failures, unblock_failures) = tx.lockout()?;
            let attempt = unblock_failures.saturating_add(1);
            tx.set_lockout(pin_failures, attempt)?;
            Ok(attempt)
        })?;
        services.pause.pause(unblock_delay(attempt));
        let backup_key = slot
            .open(secret_bytes.as_bytes(), &parsed.header.backup_id)?
            .ok_or(VaultError::WrongUnblockCode {
                failed_attempts: attempt,
            })?;
        let contents = backup_key::contents_of(&parsed, &backup_key)?;
        build(store, services, config, contents, new_pin)
    }
}

/// Makes the new vault around the restored contents, in one transaction.
fn build(
    store: Store,
    services: Services,
    config: VaultConfig,
    contents: Contents,
    new_pin: &Pin,
) -> Result<Restored, BackupError> {
    let NewVault {
        inner,
        vault_key,
        code,
        keys,
    } = NewVault::generate(store, services, config, new_pin)?;
    let inner = Arc::new(inner);
    let session = Session {
        inner: inner.clone(),
        key: vault_key,
    };
    let rows = contents
        .accounts
        .iter()
        .enumerate()
        .map(|(index, account)| {
            let id = u64::try_from(index).map_err(|_| BackupError::TooLarge)? + 1;
            let position = i64::try_from(index).map_err(|_| BackupError::TooLarge)?;
            Ok(session.seal_row(id, position, account)?)
        })
        .collect::<Result<Vec<AccountRow>, BackupError>>()?;
    let first_token_id = u64::try_from(rows.len()).map_err(|_| BackupError::TooLarge)? + 1;
    let tokens = contents
        .push_tokens
        .iter()
        .enumerate()
        .map(|(index, token)| {
            let id = first_token_id + u64::try_from(index).map_err(|_| BackupError::TooLarge)?;
            Ok((id, session.seal_token(id, token)?))
        })
        .collect::<Result<Vec<(u64, Vec<u8>)>, BackupError>>()?;
    let next_id =
        first_token_id + u64::try_from(tokens.len()).map_err(|_| BackupError::TooLarge)?;
    inner.store()?.write(|tx| {
        keys.write(tx)?;
        for row in &rows {
            tx.put_account(row)?;
        }
        for (id, sealed) in &tokens {
            tx.put_push_token(*id, sealed)?;
        }
        tx.set_meta("next_account_id", &next_id.to_be_bytes())?;
        Ok::<_, VaultError>(())
    })?;
    Ok(Restored {
        vault: Vault { inner },
        session,
        unblock_code: code,
        report: RestoreReport {
            restored: rows.len(),
            needs_reenrolment: contents.needs_reenrolment,
        },
    })
}
