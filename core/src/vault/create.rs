//! Making a vault: a vault file with no vault in it yet ([`EmptyVault`]: new,
//! or left by an unfinished restore) gets an id, a vault key, a first unblock
//! code and the slots that open it — and, for a restore, its contents — in
//! one transaction. A process killed at any instant leaves either no vault or
//! a complete one.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::rng::random_array;
use crate::secret::Key256;
use crate::store::{Store, StoreError, Tx};

use super::config::{Services, VaultConfig};
use super::error::VaultError;
use super::handle::Inner;
use super::locked::Vault;
use super::pin::Pin;
use super::session::Session;
use super::slots::{SLOT_PIN, SLOT_UNBLOCK};
use super::unblock_code::UnblockCode;

/// A vault file without a vault in it (no key slots).
pub(crate) struct EmptyVault {
    store: Store,
    lock_path: std::path::PathBuf,
    /// The vault's reserved space (`reserve`).
    reserve_path: std::path::PathBuf,
    /// The folder's record of recovery attempts (see `count_attempt`).
    record_path: std::path::PathBuf,
}

/// The name of the per-folder record of restore attempts.
pub const RESTORE_ATTEMPTS_FILE: &str = "restore-attempts";

/// A folder's recovery turn, held while a restore is counted, checked and
/// written.
pub(crate) struct RecoveryTurn(super::lockout::CheckTurn);

impl RecoveryTurn {
    /// The secret was right and the vault is made: the folder's count starts
    /// again from zero.
    pub(crate) fn succeeded(mut self) -> Result<(), VaultError> {
        self.0.set_count(0)
    }
}

/// A vault just made: locked handle, an open session, and its first unblock
/// code (to show once).
pub(crate) struct Made {
    /// The vault.
    pub(crate) vault: Vault,
    /// A session on it.
    pub(crate) session: Session,
    /// Its first unblock code.
    pub(crate) code: UnblockCode,
}

impl EmptyVault {
    /// Opens (creating it and its folder if needed) the file at `path`, which
    /// must not hold a vault yet; a file that is not a vault is never touched.
    pub(crate) fn open(path: &Path) -> Result<Self, VaultError> {
        let failed = |e: std::io::Error| VaultError::Storage(StoreError::from_io(&e));
        if let Some(parent) = path.parent() {
            crate::files::create_private_dir_all(parent).map_err(failed)?;
        }
        // SQLite gives the -wal and -shm files the database file's mode.
        crate::files::ensure_private_file(path).map_err(failed)?;
        let mut store = Store::open(path, true)?;
        if store.read(|tx| tx.slot(SLOT_PIN))?.is_some() {
            return Err(VaultError::AlreadyInitialized);
        }
        let folder = path.parent().unwrap_or_else(|| Path::new("."));
        // The check turn's lock file is made with the vault, so that checking
        // a PIN later never adds a file beside a vault it cannot read.
        crate::store::open_lock_file(&crate::store::lock_path(path))?;
        Ok(Self {
            store,
            lock_path: crate::store::lock_path(path),
            reserve_path: super::reserve::reserve_path(path),
            record_path: folder.join(RESTORE_ATTEMPTS_FILE),
        })
    }

    /// Takes the recovery turn of the target's folder (held until the
    /// returned guard drops: keep it across counting, checking and filling)
    /// and counts one recovery attempt (an unblock code or passphrase about to
    /// be checked), committed before the attempt's number is returned.
    ///
    /// Attempts are counted in the folder's record (`restore-attempts`, which
    /// is also the lock), so a fresh target file per guess is not a fresh
    /// count, and in the target's own lockout row; the attempt's number is
    /// the higher of the two. [`RecoveryTurn::succeeded`] clears the record.
    pub(crate) fn count_attempt(
        &mut self,
        pause: &dyn super::config::Pause,
    ) -> Result<(RecoveryTurn, u32), VaultError> {
        let mut turn = super::lockout::CheckTurn::take(&self.record_path, pause)?;
        let recorded = turn.count()?.saturating_add(1);
        turn.set_count(recorded)?;
        let attempt = self.store.write(|tx| {
            if tx.slot(SLOT_PIN)?.is_some() {
                return Err(VaultError::AlreadyInitialized);
            }
            let (pin_failures, unblock_failures) = tx.lockout()?;
            let attempt = unblock_failures.saturating_add(1);
            tx.set_lockout(pin_failures, attempt)?;
            Ok::<_, VaultError>(attempt)
        })?;
        Ok((RecoveryTurn(turn), attempt.max(recorded)))
    }

    /// Makes the vault: draws its id, vault key and unblock code, seals the
    /// key into the PIN and unblock slots and the code's backup KEK (the KDFs
    /// run here), then writes them together with whatever `fill` writes
    /// (through the new session, in the same transaction).
    pub(crate) fn fill(
        self,
        services: Services,
        config: VaultConfig,
        pin: &Pin,
        fill: impl FnOnce(&Session, &Tx<'_>) -> Result<(), VaultError>,
    ) -> Result<Made, VaultError> {
        let rng = services.rng.clone();
        let vault_id: [u8; 16] = random_array(rng.as_ref())?;
        let vault_key = Key256::new(random_array(rng.as_ref())?);
        let code = UnblockCode::generate(rng.as_ref())?;
        let inner = Arc::new(Inner {
            store: Mutex::new(self.store),
            services,
            config,
            vault_id,
            reserve_path: self.reserve_path,
            lock_path: self.lock_path,
        });
        let pin_slot = inner.make_slot(
            SLOT_PIN,
            config.pin_kdf,
            pin.expose().as_bytes(),
            &vault_key,
        )?;
        let unblock_slot = inner.make_slot(
            SLOT_UNBLOCK,
            config.unblock_kdf,
            code.canonical().as_bytes(),
            &vault_key,
        )?;
        let backup_kek = inner.backup_kek_for_code(&vault_key, &code)?;
        let session = Session {
            inner: inner.clone(),
            key: vault_key,
        };
        inner.store()?.write(|tx| {
            if tx.slot(SLOT_PIN)?.is_some() {
                return Err(VaultError::AlreadyInitialized);
            }
            tx.set_meta("vault_id", &vault_id)?;
            tx.set_slot(SLOT_PIN, &pin_slot)?;
            tx.set_slot(SLOT_UNBLOCK, &unblock_slot)?;
            tx.set_lockout(0, 0)?;
            fill(&session, tx)?;
            // After `fill`: a restore may have turned escrow on (the code's
            // record is queued here).
            backup_kek.write(tx, &inner, &session.key)
        })?;
        inner.top_up_reserve();
        Ok(Made {
            vault: Vault { inner },
            session,
            code,
        })
    }
}

impl Vault {
    /// Creates a vault at `path` (the database file) protected by `pin`, and
    /// returns it with its first unblock code — shown to the user once.
    ///
    /// Refuses if a vault already exists there, and never touches a file it
    /// cannot read.
    pub fn create(
        path: &Path,
        services: Services,
        config: VaultConfig,
        pin: &Pin,
    ) -> Result<(Vault, UnblockCode), VaultError> {
        let made = EmptyVault::open(path)?.fill(services, config, pin, |_, _| Ok(()))?;
        Ok((made.vault, made.code))
    }
}
