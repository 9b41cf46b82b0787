//! The device layer: records readable with the device key alone, without the
//! PIN — what a locked app needs to verify and show a push notification
//! (docs/threat-model.md, "Push on the lock screen").
//!
//! A random 256-bit *device record key* is kept in the vault's `meta`,
//! wrapped by the device keystore (the key that also wraps the slots); records
//! are sealed under it with AES-256-GCM and the same associated data as
//! records under the vault key (purpose, vault id, record ids). The key is
//! made the first time a record is sealed, inside that write transaction.
//! Whoever can use the device keystore (the unlocked phone) can read these
//! records; a copy of the vault file without the device key cannot.

use crate::rng::random_array;
use crate::secret::Key256;
use crate::store::{StoreError, Tx};

use super::config::Services;
use super::error::{Unreadable, VaultError, keystore_error};
use super::handle::Inner;
use super::locked::Vault;
use super::session::Session;

/// The `meta` name of the wrapped device record key.
const META_DEVICE_RECORD_KEY: &str = "device_record_key";

/// A vault's device layer: its store, its services, and the records sealed
/// under the device record key. Reached from a locked [`Vault`] and from a
/// [`Session`] alike, so both run the same code over it.
#[derive(Clone, Copy)]
pub(crate) struct DeviceLayer<'a> {
    inner: &'a Inner,
}

/// The device record key, unwrapped for one operation (zeroized on drop).
pub(crate) struct DeviceRecordKey<'a> {
    inner: &'a Inner,
    key: Key256,
}

impl std::fmt::Debug for DeviceRecordKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceRecordKey(<redacted>)")
    }
}

impl Vault {
    /// The device layer of this locked vault (no PIN involved).
    pub(crate) fn device_layer(&self) -> DeviceLayer<'_> {
        DeviceLayer { inner: &self.inner }
    }
}

impl Session {
    /// The device layer of this vault (the same as while locked).
    pub(crate) fn device_layer(&self) -> DeviceLayer<'_> {
        DeviceLayer { inner: &self.inner }
    }
}

impl<'a> DeviceLayer<'a> {
    /// The platform services (keystore, randomness, pauses).
    pub(crate) fn services(&self) -> &'a Services {
        &self.inner.services
    }

    /// Runs `f` in a read transaction of the vault's store.
    pub(crate) fn read<T, E>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError> + From<VaultError>,
    {
        self.inner.store()?.read(f)
    }

    /// Runs `f` in a write transaction of the vault's store (committed and
    /// synced when `f` succeeds, rolled back when it fails).
    pub(crate) fn write<T, E>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError> + From<VaultError>,
    {
        self.inner.store()?.write(f)
    }

    /// The device record key, if the vault has one yet (inside `tx`).
    pub(crate) fn key(&self, tx: &Tx<'_>) -> Result<Option<DeviceRecordKey<'a>>, VaultError> {
        let Some(wrapped) = tx.meta(META_DEVICE_RECORD_KEY)? else {
            return Ok(None);
        };
        let plain = self
            .inner
            .services
            .keystore
            .unwrap(&wrapped)
            .map_err(keystore_error)?;
        // EXPOSE: the unwrapped key becomes a zeroizing key at once.
        let key = Key256::from_slice(plain.expose())
            .ok_or(VaultError::Unreadable(Unreadable::Damaged))?;
        Ok(Some(DeviceRecordKey {
            inner: self.inner,
            key,
        }))
    }

    /// The device record key, made (and stored, in `tx`: a write
    /// transaction) if the vault has none yet.
    pub(crate) fn key_or_create(&self, tx: &Tx<'_>) -> Result<DeviceRecordKey<'a>, VaultError> {
        if let Some(key) = self.key(tx)? {
            return Ok(key);
        }
        let key = Key256::new(random_array(self.inner.services.rng.as_ref())?);
        // EXPOSE: the new key is wrapped by the device keystore.
        let wrapped = self
            .inner
            .services
            .keystore
            .wrap(key.expose())
            .map_err(keystore_error)?;
        tx.set_meta(META_DEVICE_RECORD_KEY, &wrapped)?;
        Ok(DeviceRecordKey {
            inner: self.inner,
            key,
        })
    }
}

impl DeviceRecordKey<'_> {
    /// Seals `plain` for `purpose`, bound to this vault and to `context`.
    pub(crate) fn seal(
        &self,
        purpose: &[u8],
        context: &[&[u8]],
        plain: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        self.inner.seal_record(&self.key, purpose, context, plain)
    }

    /// Opens what [`DeviceRecordKey::seal`] sealed with the same purpose and
    /// context; anything else is `Unreadable(Damaged)`.
    pub(crate) fn open(
        &self,
        purpose: &[u8],
        context: &[&[u8]],
        sealed: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, VaultError> {
        self.inner.open_record(&self.key, purpose, context, sealed)
    }
}
