//! Key slots: the vault key sealed under a key derived from a secret (PIN or
//! unblock code), wrapped again by the device key.

use crate::crypto::aead;
use crate::crypto::kdf::KdfParams;
use crate::rng::random_array;
use crate::secret::{Key256, SecretBytes};
use crate::store::SlotRow;

use super::error::{Unreadable, VaultError, keystore_error};
use super::handle::Inner;

pub(super) const SLOT_PIN: &str = "pin";
pub(super) const SLOT_UNBLOCK: &str = "unblock";
/// The biometric slot (`biometric`): opened by a secret that the platform's
/// user-authenticated key seals.
pub(super) const SLOT_BIOMETRIC: &str = "biometric";
/// The biometric secret, as the platform's user-authenticated key sealed it.
pub(super) const META_BIOMETRIC_SEALED: &str = "biometric_sealed";

/// Removes the biometric slot and its sealed secret (inside a transaction):
/// when biometric unlock is turned off, its key is invalidated, or the vault
/// is unblocked.
pub(super) fn remove_biometric(tx: &crate::store::Tx<'_>) -> Result<(), VaultError> {
    tx.delete_slot(SLOT_BIOMETRIC)?;
    tx.delete_meta(META_BIOMETRIC_SEALED)?;
    Ok(())
}

fn slot_aad(kind: &str, vault_id: &[u8; 16]) -> Vec<u8> {
    let mut aad = format!("vakt/slot/v1/{kind}/").into_bytes();
    aad.extend_from_slice(vault_id);
    aad
}

impl Inner {
    /// Seals the vault key into a new slot for `secret`.
    pub(super) fn make_slot(
        &self,
        kind: &str,
        params: KdfParams,
        secret: &[u8],
        vault_key: &Key256,
    ) -> Result<SlotRow, VaultError> {
        let rng = self.services.rng.as_ref();
        let salt: [u8; 16] = random_array(rng)?;
        let kek = params.derive(secret, &salt).map_err(|_| {
            VaultError::InvalidInput("key derivation parameters out of range".into())
        })?;
        // EXPOSE: the vault key is sealed under the slot's key-encryption key.
        let inner = aead::seal(
            &kek,
            &slot_aad(kind, &self.vault_id),
            vault_key.expose(),
            rng,
        )?;
        let wrapped = self
            .services
            .keystore
            .wrap(&inner)
            .map_err(keystore_error)?;
        Ok(SlotRow {
            kdf: params.to_bytes().to_vec(),
            salt: salt.to_vec(),
            wrapped,
        })
    }

    /// Reads a slot and removes its device layer (no secret involved yet).
    pub(super) fn unwrap_slot(&self, kind: &str) -> Result<(SlotRow, SecretBytes), VaultError> {
        let slot = self
            .store()?
            .read(|tx| tx.slot(kind))?
            .ok_or(VaultError::NotInitialized)?;
        let inner = self
            .services
            .keystore
            .unwrap(&slot.wrapped)
            .map_err(keystore_error)?;
        Ok((slot, inner))
    }

    /// Opens the inner layer of a slot with `secret`: `Ok(None)` if the secret
    /// is wrong (AEAD authentication is the constant-time comparison).
    pub(super) fn open_slot(
        &self,
        kind: &str,
        slot: &SlotRow,
        inner: &SecretBytes,
        secret: &[u8],
    ) -> Result<Option<Key256>, VaultError> {
        let params = KdfParams::from_bytes(&slot.kdf)
            .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))?;
        let kek = params
            .derive(secret, &slot.salt)
            .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))?;
        // EXPOSE: the device-unwrapped slot is authenticated with the derived key.
        match aead::open(&kek, &slot_aad(kind, &self.vault_id), inner.expose()) {
            Ok(plain) => Key256::from_slice(&plain)
                .map(Some)
                .ok_or(VaultError::Unreadable(Unreadable::Damaged)),
            Err(_) => Ok(None),
        }
    }
}
