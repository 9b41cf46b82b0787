//! An unlocked vault ([`Session`]): it holds the vault key and nothing else.
//! Account operations are in `accounts`, what opens backups in `recovery`;
//! the layers above (push, backup) add theirs through the narrow API below.

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::secret::Key256;
use crate::store::{StoreError, Tx};

use super::config::Services;
use super::error::VaultError;
use super::handle::Inner;
use super::slots::SLOT_UNBLOCK;
use super::unblock_code::UnblockCode;

/// An unlocked vault. Holds the vault key (zeroized on drop) and nothing else:
/// records are decrypted per call, so account keys do not linger in memory.
pub struct Session {
    pub(super) inner: Arc<Inner>,
    pub(super) key: Key256,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(<redacted>)")
    }
}

/// The narrow API the layers above the vault (push, backup) build on: sealed
/// records under the vault key, the store inside a transaction, and the
/// platform services. The vault key itself never leaves the session.
impl Session {
    /// The platform services (keystore, randomness, pauses).
    pub(crate) fn services(&self) -> &Services {
        &self.inner.services
    }

    /// Seals `plain` under the vault key for `purpose`, bound to this vault and
    /// to `context` (the record's ids).
    pub(crate) fn seal(
        &self,
        purpose: &[u8],
        context: &[&[u8]],
        plain: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        self.inner.seal_record(&self.key, purpose, context, plain)
    }

    /// Opens what [`Session::seal`] sealed with the same purpose and context;
    /// anything else is `Unreadable(Damaged)`.
    pub(crate) fn open(
        &self,
        purpose: &[u8],
        context: &[&[u8]],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.inner.open_record(&self.key, purpose, context, sealed)
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
}

impl Session {
    /// Replaces the unblock code with a new one (the old one stops working),
    /// e.g. when the user lost it. Needs an unlocked vault.
    pub fn reissue_unblock_code(&self) -> Result<UnblockCode, VaultError> {
        self.replace_unblock_code(|_| Ok(()))
    }

    /// Makes a new unblock code and writes its slot, its backup KEK and (with
    /// escrow on) its escrow record in one transaction, after `before` (which
    /// writes in the same transaction).
    pub(super) fn replace_unblock_code(
        &self,
        before: impl FnOnce(&Tx<'_>) -> Result<(), VaultError>,
    ) -> Result<UnblockCode, VaultError> {
        let inner = &self.inner;
        let code = UnblockCode::generate(inner.services.rng.as_ref())?;
        let slot = inner.make_slot(
            SLOT_UNBLOCK,
            inner.config.unblock_kdf,
            code.canonical().as_bytes(),
            &self.key,
        )?;
        let backup_kek = inner.backup_kek_for_code(&self.key, &code)?;
        inner.store()?.write(|tx| {
            before(tx)?;
            tx.set_slot(SLOT_UNBLOCK, &slot)?;
            backup_kek.write(tx, inner, &self.key)
        })?;
        Ok(code)
    }

    /// Locks the vault: the session and its key are dropped (and zeroized).
    pub fn lock(self) {}
}
