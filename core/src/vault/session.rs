//! An unlocked vault ([`Session`]): it holds the vault key and nothing else.
//! Account operations are in `accounts`, push in `push`, backups in
//! `backup_key`.

use std::sync::Arc;

use crate::secret::Key256;

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

impl Session {
    /// Replaces the unblock code with a new one (the old one stops working),
    /// e.g. when the user lost it. Needs an unlocked vault.
    pub fn reissue_unblock_code(&self) -> Result<UnblockCode, VaultError> {
        let inner = &self.inner;
        let code = UnblockCode::generate(inner.services.rng.as_ref())?;
        let slot = inner.make_slot(
            SLOT_UNBLOCK,
            inner.config.unblock_kdf,
            code.canonical().as_bytes(),
            &self.key,
        )?;
        let backup_slot = inner.backup_slot_for_code(&self.key, &code)?;
        inner.store()?.write(|tx| {
            tx.set_slot(SLOT_UNBLOCK, &slot)?;
            backup_slot.write(tx).map_err(VaultError::from)
        })?;
        Ok(code)
    }

    /// Locks the vault: the session and its key are dropped (and zeroized).
    pub fn lock(self) {}
}
