//! The shared state of an open vault — its store, platform services, rules and
//! id — behind both [`super::Vault`] (locked) and [`super::Session`]
//! (unlocked).

use std::sync::{Mutex, MutexGuard};

use crate::store::{Store, StoreError};

use super::config::{Services, VaultConfig};
use super::error::VaultError;

pub(crate) struct Inner {
    pub(super) store: Mutex<Store>,
    pub(crate) services: Services,
    pub(super) config: VaultConfig,
    pub(crate) vault_id: [u8; 16],
}

impl Inner {
    pub(crate) fn store(&self) -> Result<MutexGuard<'_, Store>, VaultError> {
        self.store
            .lock()
            .map_err(|_| VaultError::Storage(StoreError::Failed("vault lock poisoned".into())))
    }
}
