//! The shared state of an open vault — its store, platform services, rules and
//! id — behind both [`super::Vault`] (locked) and [`super::Session`]
//! (unlocked).

use std::sync::{Mutex, MutexGuard};

use zeroize::Zeroizing;

use crate::crypto::aead;
use crate::secret::Key256;
use crate::store::{Store, StoreError};

use super::config::{Services, VaultConfig};
use super::error::VaultError;

/// The associated data of a record sealed under the vault key: its purpose
/// (a versioned label such as `vakt/account/v1/`), the vault id, and the
/// record's own identifiers — so a record cannot be moved to another vault,
/// another row or another purpose.
fn record_aad(purpose: &[u8], vault_id: &[u8; 16], context: &[&[u8]]) -> Vec<u8> {
    let mut aad = purpose.to_vec();
    aad.extend_from_slice(vault_id);
    for part in context {
        aad.extend_from_slice(part);
    }
    aad
}

/// What every handle on one open vault shares.
pub(crate) struct Inner {
    pub(super) store: Mutex<Store>,
    pub(crate) services: Services,
    pub(super) config: VaultConfig,
    pub(crate) vault_id: [u8; 16],
    /// The lock file of the vault's check turn (`lockout::CheckTurn`).
    pub(super) lock_path: std::path::PathBuf,
    /// The vault's reserved space (`reserve`).
    pub(super) reserve_path: std::path::PathBuf,
}

impl Inner {
    pub(crate) fn store(&self) -> Result<MutexGuard<'_, Store>, VaultError> {
        self.store
            .lock()
            .map_err(|_| VaultError::Storage(StoreError::Failed("vault lock poisoned".into())))
    }

    /// Runs a lockout write (an attempt counted, or its reset; `synced` as
    /// [`Store::write`], else [`Store::write_unsynced`]). If the storage is
    /// full, the vault's reserve is freed and the write tried once more; the
    /// reserve is made again the next time there is space.
    pub(super) fn lockout_write<T>(
        &self,
        synced: bool,
        f: impl Fn(&crate::store::Tx<'_>) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let run = |f: &dyn Fn(&crate::store::Tx<'_>) -> Result<T, VaultError>| {
            let mut store = self.store()?;
            if synced {
                store.write(f)
            } else {
                store.write_unsynced(f)
            }
        };
        match run(&f) {
            Err(VaultError::Storage(StoreError::Full))
                if super::reserve::release(&self.reserve_path) =>
            {
                run(&f)
            }
            other => other,
        }
    }

    /// Makes the reserve whole again where space allows (best effort).
    pub(super) fn top_up_reserve(&self) {
        let writable = self.store().is_ok_and(|store| !store.is_read_only());
        if writable {
            super::reserve::top_up(&self.reserve_path);
        }
    }

    /// Seals a record under `vault_key` for `purpose` and `context`.
    pub(super) fn seal_record(
        &self,
        vault_key: &Key256,
        purpose: &[u8],
        context: &[&[u8]],
        plain: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        Ok(aead::seal(
            vault_key,
            &record_aad(purpose, &self.vault_id, context),
            plain,
            self.services.rng.as_ref(),
        )?)
    }

    /// Opens what [`Inner::seal_record`] sealed with the same purpose and
    /// context; anything else is `Unreadable(Damaged)`.
    pub(super) fn open_record(
        &self,
        vault_key: &Key256,
        purpose: &[u8],
        context: &[&[u8]],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        Ok(aead::open(
            vault_key,
            &record_aad(purpose, &self.vault_id, context),
            sealed,
        )?)
    }
}
