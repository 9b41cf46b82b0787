//! Restoring a backup into a new vault.
//!
//! Order: the file is parsed and integrity-checked (a damaged or foreign file
//! is not a guess and is not counted) → the target vault file is created if
//! needed (schema and lockout row only: no slots, so it is still an empty
//! vault) → the attempt is **counted and committed** in that vault's lockout
//! table → the wait of [`crate::vault::unblock_delay`] → the KDF and the check
//! → one transaction writes everything: vault id, PIN and unblock slots, the
//! backup KEK of the new code, accounts, push tokens, lockout reset. A process
//! killed at any instant leaves either an empty vault (no slots, attempts
//! counted) or a complete one. Attempts are also counted in the target
//! folder's record (`restore-attempts`), so a fresh target file per guess
//! waits like the next guess on the same target.

use std::path::Path;

use crate::secret::SecretString;
use crate::vault::{
    EmptyVault, Pin, Services, Session, UnblockCode, Vault, VaultConfig, VaultError, unblock_delay,
};

use super::contents::{Contents, decode_records};
use super::error::BackupError;
use super::format::{self, SlotKind};

/// The secret that opens a backup.
#[derive(Clone, Copy, Debug)]
pub enum BackupSecret<'a> {
    /// The unblock code current when the backup was made.
    UnblockCode(&'a UnblockCode),
    /// The backup passphrase, if one was set before the backup was made.
    Passphrase(&'a SecretString),
}

/// What became of the backup passphrase in the restored vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassphraseAfterRestore {
    /// The backup had no passphrase.
    NoneSet,
    /// Restored with the passphrase: it opens the new vault's backups too.
    Kept,
    /// The backup had one but was restored with the unblock code, so the
    /// passphrase was not at hand: set it again if it is wanted.
    Dropped,
}

/// What a restore brought back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    /// Accounts restored.
    pub restored: usize,
    /// Entries restored that must be enrolled again on this device (push
    /// tokens): their labels.
    pub needs_reenrolment: Vec<String>,
    /// What became of the backup passphrase.
    pub passphrase: PassphraseAfterRestore,
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
    /// The new vault has its own vault key, device key (from `services`) and
    /// unblock code. Wrong secrets are counted in the new vault's lockout
    /// table before each check, like unblock attempts (same waits).
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

        let mut target = EmptyVault::open(path)?;
        // Count first (committed, synced), in the target vault.
        let (turn, attempt) = target.count_attempt(services.pause.as_ref())?;
        services.pause.pause(unblock_delay(attempt));
        let backup_key = slot
            .open(secret_bytes.as_bytes(), &parsed.header.backup_id)?
            .ok_or(VaultError::WrongUnblockCode {
                failed_attempts: attempt,
            })?;
        let contents = decode_records(&parsed.open(&backup_key)?)?;
        let had_passphrase = parsed.header.slot(SlotKind::Passphrase).is_some();
        let restored = build(target, services, config, contents, new_pin)?;
        turn.succeeded()?;
        let passphrase = match (secret, had_passphrase) {
            (BackupSecret::Passphrase(text), _) => {
                restored.session.set_backup_passphrase(text)?;
                PassphraseAfterRestore::Kept
            }
            (BackupSecret::UnblockCode(_), true) => PassphraseAfterRestore::Dropped,
            (BackupSecret::UnblockCode(_), false) => PassphraseAfterRestore::NoneSet,
        };
        Ok(Restored {
            report: RestoreReport {
                passphrase,
                ..restored.report
            },
            ..restored
        })
    }
}

/// Makes the new vault around the restored contents, in one transaction.
fn build(
    target: EmptyVault,
    services: Services,
    config: VaultConfig,
    contents: Contents,
    new_pin: &Pin,
) -> Result<Restored, BackupError> {
    let accounts = contents.accounts.len();
    let made = target.fill(services, config, new_pin, |session, tx| {
        let too_many = || VaultError::InvalidInput("too many entries for one vault".into());
        let mut id = 0u64;
        for (index, account) in contents.accounts.iter().enumerate() {
            id = id.checked_add(1).ok_or_else(too_many)?;
            let position = i64::try_from(index).map_err(|_| too_many())?;
            tx.put_account(&session.seal_row(id, position, account)?)?;
        }
        for token in &contents.push_tokens {
            id = id.checked_add(1).ok_or_else(too_many)?;
            session.put_token(tx, id, token)?;
        }
        for (index, container) in contents.containers.iter().enumerate() {
            let container_id = u64::try_from(index)
                .ok()
                .and_then(|i| i.checked_add(1))
                .ok_or_else(too_many)?;
            session.put_container_record(tx, container_id, container)?;
        }
        let next_id = id.checked_add(1).ok_or_else(too_many)?;
        tx.set_meta("next_account_id", &next_id.to_be_bytes())?;
        // Escrow on again: the new vault's first code is escrowed (its record
        // is queued in this transaction, after this closure).
        if let Some(enrolment) = &contents.escrow {
            session.write_escrow_enrolment(tx, enrolment)?;
        }
        Ok(())
    })?;
    Ok(Restored {
        vault: made.vault,
        session: made.session,
        unblock_code: made.code,
        report: RestoreReport {
            restored: accounts,
            needs_reenrolment: contents.needs_reenrolment,
            passphrase: PassphraseAfterRestore::NoneSet,
        },
    })
}
