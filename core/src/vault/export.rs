//! Keys leaving the vault: exports and an account's QR code. An open session
//! is not enough for them: the PIN is asked again ([`Session::confirm_pin`],
//! counted like any other attempt), so a phone picked up unlocked, or an app
//! left open, does not hand its keys over.

use crate::account::Account;

use super::locked::Vault;
use super::pin::Pin;
use super::{Session, VaultError};

/// Proof that the PIN was entered again for this session just now. Made only
/// by [`Session::confirm_pin`] and [`Vault::unlock_confirmed`], and used up by
/// the export it is given to.
#[derive(Debug)]
pub struct PinConfirmed {
    _made_here: (),
}

impl Session {
    /// Checks the PIN again, with the lockout (a wrong PIN counts, the third
    /// blocks the vault), before keys leave it.
    pub fn confirm_pin(&self, pin: &Pin) -> Result<PinConfirmed, VaultError> {
        let key = self.inner.check_pin(pin)?;
        // The PIN opened this vault's key; a different key would mean the
        // file was swapped under the session.
        if !key.ct_eq(&self.key) {
            return Err(VaultError::Unreadable(super::Unreadable::Damaged));
        }
        Ok(PinConfirmed { _made_here: () })
    }

    /// Every account with its key, in display order (an export).
    pub fn export_accounts(&self, _confirmed: PinConfirmed) -> Result<Vec<Account>, VaultError> {
        Ok(self
            .all()?
            .into_iter()
            .map(|(_, account)| account)
            .collect())
    }

    /// The accounts `ids`, in this order, with their keys (an export of some).
    pub fn export_some(
        &self,
        ids: &[u64],
        _confirmed: PinConfirmed,
    ) -> Result<Vec<Account>, VaultError> {
        ids.iter().map(|id| self.account(*id)).collect()
    }
}

impl Vault {
    /// Opens a session with `pin` for an export: the PIN just entered is the
    /// confirmation (one attempt, not two).
    pub fn unlock_confirmed(&self, pin: &Pin) -> Result<(Session, PinConfirmed), VaultError> {
        Ok((self.unlock(pin)?, PinConfirmed { _made_here: () }))
    }
}
