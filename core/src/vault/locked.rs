//! A vault opened but locked ([`Vault`]): create, open, status, unlock (the PIN
//! check with its lockout), PIN change, and unblock with the unblock code.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::secret::Key256;
use crate::store::{Store, StoreError};

use super::config::{Services, VaultConfig};
use super::error::{Unreadable, VaultError};
use super::handle::Inner;
use super::limits::MAX_PIN_ATTEMPTS;
use super::lockout::{CheckTurn, LockStatus, unblock_delay};
use super::pin::Pin;
use super::session::Session;
use super::slots::{SLOT_PIN, SLOT_UNBLOCK};
use super::unblock_code::UnblockCode;
use crate::crypto::kdf::KdfParams;

/// A vault file, opened but locked: it can report its lockout state, check a
/// PIN, or be unblocked.
#[derive(Clone)]
pub struct Vault {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault")
    }
}

impl Inner {
    /// The PIN check with its lockout: in the vault's check turn, count first
    /// (committed), then check; a correct PIN sets the count back to zero if
    /// it is still the one this check committed (compare and set).
    pub(super) fn check_pin(&self, pin: &Pin) -> Result<Key256, VaultError> {
        let _turn = self.check_turn()?;
        let (slot, inner) = self.unwrap_slot(SLOT_PIN)?;
        let failed = self.lockout_write(true, |tx| {
            let (pin_failures, unblock_failures) = tx.lockout()?;
            if pin_failures >= MAX_PIN_ATTEMPTS {
                return Err(VaultError::Blocked);
            }
            tx.set_lockout(pin_failures + 1, unblock_failures)?;
            Ok(pin_failures + 1)
        })?;
        match self.open_slot(SLOT_PIN, &slot, &inner, pin.expose().as_bytes())? {
            Some(vault_key) => {
                // Unsynced on purpose: losing this reset to a power cut only
                // leaves the count higher (see Store::write_unsynced).
                self.lockout_write(false, |tx| {
                    let (pin_failures, unblock_failures) = tx.lockout()?;
                    if pin_failures == failed {
                        tx.set_lockout(0, unblock_failures)?;
                    }
                    Ok::<_, VaultError>(())
                })?;
                self.top_up_reserve();
                Ok(vault_key)
            }
            None => match MAX_PIN_ATTEMPTS.saturating_sub(failed) {
                0 => Err(VaultError::Blocked),
                attempts_left => Err(VaultError::WrongPin { attempts_left }),
            },
        }
    }

    /// This vault's check turn (see [`CheckTurn`]).
    pub(super) fn check_turn(&self) -> Result<CheckTurn, VaultError> {
        CheckTurn::take(&self.lock_path, self.services.pause.as_ref())
    }
}

impl Vault {
    /// Opens an existing vault (locked). Reports, and leaves untouched, a file
    /// that is missing, foreign or from a newer version. A vault file that is
    /// damaged is moved aside untouched ([`VaultError::Damaged`]: restore a
    /// backup).
    ///
    /// On a full disk the vault's reserve is freed so that it still opens
    /// and counts PIN attempts; on storage that cannot be written it opens
    /// for [`Vault::status`] only (a PIN check fails as
    /// `Storage(ReadOnly)`: the attempt cannot be counted).
    pub fn open(path: &Path, services: Services, config: VaultConfig) -> Result<Vault, VaultError> {
        let reserve_path = super::reserve::reserve_path(path);
        let opened = match Store::open(path, false) {
            Err(StoreError::Full) if super::reserve::release(&reserve_path) => {
                Store::open(path, false)
            }
            other => other,
        };
        let mut store = match opened {
            Err(StoreError::Damaged) => {
                return Err(match super::aside::move_aside(path) {
                    Ok(moved_to) => VaultError::Damaged { moved_to },
                    Err(_) => VaultError::Unreadable(Unreadable::Damaged),
                });
            }
            other => other?,
        };
        let vault_id = store.read(|tx| {
            if tx.slot(SLOT_PIN)?.is_none() {
                return Err(VaultError::NotInitialized);
            }
            let id = tx
                .meta("vault_id")?
                .ok_or(VaultError::Unreadable(Unreadable::Damaged))?;
            <[u8; 16]>::try_from(id).map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
        })?;
        let inner = Inner {
            store: Mutex::new(store),
            services,
            config,
            vault_id,
            lock_path: crate::store::lock_path(path),
            reserve_path,
        };
        inner.top_up_reserve();
        Ok(Vault {
            inner: Arc::new(inner),
        })
    }

    /// The key-derivation costs stored with the PIN slot (no secret needed).
    pub fn pin_kdf(&self) -> Result<KdfParams, VaultError> {
        let slot = self
            .inner
            .store()?
            .read(|tx| tx.slot(SLOT_PIN))?
            .ok_or(VaultError::NotInitialized)?;
        KdfParams::from_bytes(&slot.kdf).map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
    }

    /// The lockout state.
    pub fn status(&self) -> Result<LockStatus, VaultError> {
        let (pin, unblock) = self.inner.store()?.read(|tx| tx.lockout())?;
        Ok(LockStatus {
            failed_pin_attempts: pin,
            attempts_left: MAX_PIN_ATTEMPTS.saturating_sub(pin),
            blocked: pin >= MAX_PIN_ATTEMPTS,
            failed_unblock_attempts: unblock,
            next_unblock_delay: unblock_delay(unblock.saturating_add(1)),
        })
    }

    /// Checks the PIN (counting the attempt first) and opens a session.
    pub fn unlock(&self, pin: &Pin) -> Result<Session, VaultError> {
        let key = self.inner.check_pin(pin)?;
        Ok(Session {
            inner: self.inner.clone(),
            key,
        })
    }

    /// Changes the PIN; the current PIN counts as an attempt like any other.
    pub fn change_pin(&self, current: &Pin, new: &Pin) -> Result<(), VaultError> {
        let key = self.inner.check_pin(current)?;
        let slot = self.inner.make_slot(
            SLOT_PIN,
            self.inner.config.pin_kdf,
            new.expose().as_bytes(),
            &key,
        )?;
        self.inner.store()?.write(|tx| {
            tx.set_slot(SLOT_PIN, &slot)?;
            let (_, unblock_failures) = tx.lockout()?;
            tx.set_lockout(0, unblock_failures)
                .map_err(VaultError::from)
        })
    }

    /// Opens the vault with the unblock code and sets `new_pin`; the lockout is
    /// reset and a **new unblock code** replaces the old one, which stops
    /// working. Works whether or not the vault is blocked (it is also the
    /// forgotten-PIN path).
    ///
    /// Wrong codes are counted before the check, and from the fourth on each
    /// attempt first waits [`unblock_delay`].
    pub fn unblock(
        &self,
        code: &UnblockCode,
        new_pin: &Pin,
    ) -> Result<(Session, UnblockCode), VaultError> {
        let inner = &self.inner;
        let _turn = inner.check_turn()?;
        let (slot, sealed) = inner.unwrap_slot(SLOT_UNBLOCK)?;
        let attempt = inner.lockout_write(true, |tx| {
            let (pin_failures, unblock_failures) = tx.lockout()?;
            let attempt = unblock_failures.saturating_add(1);
            tx.set_lockout(pin_failures, attempt)?;
            Ok::<_, VaultError>(attempt)
        })?;
        inner.services.pause.pause(unblock_delay(attempt));
        let key = inner
            .open_slot(SLOT_UNBLOCK, &slot, &sealed, code.canonical().as_bytes())?
            .ok_or(VaultError::WrongUnblockCode {
                failed_attempts: attempt,
            })?;
        let new_code = UnblockCode::generate(inner.services.rng.as_ref())?;
        let pin_slot = inner.make_slot(
            SLOT_PIN,
            inner.config.pin_kdf,
            new_pin.expose().as_bytes(),
            &key,
        )?;
        let unblock_slot = inner.make_slot(
            SLOT_UNBLOCK,
            inner.config.unblock_kdf,
            new_code.canonical().as_bytes(),
            &key,
        )?;
        let backup_kek = inner.backup_kek_for_code(&key, &new_code)?;
        inner.lockout_write(true, |tx| {
            tx.set_slot(SLOT_PIN, &pin_slot)?;
            tx.set_slot(SLOT_UNBLOCK, &unblock_slot)?;
            backup_kek.write(tx, inner, &key)?;
            // Whoever had the code, not the enrolled finger, opened the vault.
            super::slots::remove_biometric(tx)?;
            tx.set_lockout(0, 0).map_err(VaultError::from)
        })?;
        inner.top_up_reserve();
        Ok((
            Session {
                inner: inner.clone(),
                key,
            },
            new_code,
        ))
    }
}
