//! Biometric unlock: an optional second way to open the vault. A random
//! 256-bit secret opens a slot of its own (like the PIN's and the unblock
//! code's), and the platform's user-authenticated key ([`UserAuthKey`])
//! seals that secret; the vault keeps only the sealed secret.
//!
//! The rules (docs/threat-model.md): enabling needs the PIN again; biometrics
//! never open a **blocked** vault (only the unblock code does) and neither
//! reset nor bypass the PIN count; a key the platform invalidated (biometrics
//! changed, lock screen removed) removes the slot, and the PIN opens. A PIN
//! change keeps the slot (the vault key is the same); an unblock removes it
//! (whoever had the code, not the enrolled finger, opened the vault: enable it
//! again with the new PIN).

use crate::crypto::user_auth::{UserAuthError, UserAuthKey};
use crate::rng::random_array;
use crate::secret::SecretBytes;

use super::export::PinConfirmed;
use super::limits::MAX_PIN_ATTEMPTS;
use super::locked::Vault;
use super::slots::{META_BIOMETRIC_SEALED as META_SEALED, SLOT_BIOMETRIC, remove_biometric};
use super::{Session, VaultError};

impl Session {
    /// Enables biometric unlock with the platform's user-authenticated `key`
    /// (the PIN entered again: `confirmed`). Replaces an earlier enrolment.
    pub fn enable_biometric(
        &self,
        _confirmed: PinConfirmed,
        key: &dyn UserAuthKey,
    ) -> Result<(), VaultError> {
        let inner = &self.inner;
        let secret: [u8; 32] = random_array(inner.services.rng.as_ref())?;
        let secret = SecretBytes::new(secret.to_vec());
        // EXPOSE: the secret is sealed by the platform's key, then opens the slot.
        let sealed = key.seal(secret.expose()).map_err(VaultError::UserAuth)?;
        let slot = inner.make_slot(
            SLOT_BIOMETRIC,
            inner.config.unblock_kdf,
            secret.expose(),
            &self.key,
        )?;
        self.write(|tx| {
            tx.set_slot(SLOT_BIOMETRIC, &slot)?;
            tx.set_meta(META_SEALED, &sealed)?;
            Ok::<_, VaultError>(())
        })
    }

    /// Turns biometric unlock off (the slot and the sealed secret are gone).
    pub fn disable_biometric(&self) -> Result<(), VaultError> {
        self.write(remove_biometric)
    }
}

impl Vault {
    /// Whether biometric unlock is enabled (no PIN needed).
    pub fn biometric_enabled(&self) -> Result<bool, VaultError> {
        Ok(self
            .inner
            .store()?
            .read(|tx| tx.meta(META_SEALED))?
            .is_some())
    }

    /// Opens a session through the platform's user-authenticated `key`.
    /// Never opens a blocked vault (`Blocked`), and leaves the PIN count as
    /// it is. A key the platform invalidated removes the slot
    /// (`UserAuth(KeyInvalidated)`): the PIN opens the vault.
    pub fn unlock_biometric(&self, key: &dyn UserAuthKey) -> Result<Session, VaultError> {
        let inner = &self.inner;
        // In the check turn: a PIN check that is about to block cannot race this.
        let _turn = inner.check_turn()?;
        let (pin_failures, _) = inner.store()?.read(|tx| tx.lockout())?;
        if pin_failures >= MAX_PIN_ATTEMPTS {
            return Err(VaultError::Blocked);
        }
        let sealed = inner
            .store()?
            .read(|tx| tx.meta(META_SEALED))?
            .ok_or(VaultError::BiometricNotEnabled)?;
        let invalidated = || {
            inner.store()?.write(remove_biometric)?;
            Err(VaultError::UserAuth(UserAuthError::KeyInvalidated))
        };
        let secret = match key.unseal(&sealed) {
            Ok(secret) => secret,
            Err(UserAuthError::KeyInvalidated) => return invalidated(),
            Err(e) => return Err(VaultError::UserAuth(e)),
        };
        let (slot, wrapped) = match inner.unwrap_slot(SLOT_BIOMETRIC) {
            Ok(found) => found,
            Err(VaultError::NotInitialized) => return Err(VaultError::BiometricNotEnabled),
            Err(e) => return Err(e),
        };
        match inner.open_slot(SLOT_BIOMETRIC, &slot, &wrapped, secret.expose())? {
            Some(key) => Ok(Session {
                inner: inner.clone(),
                key,
            }),
            // The platform gave back something else: the key is not the one
            // that sealed the secret.
            None => invalidated(),
        }
    }
}
