//! Entries: what an id names across the vault's accounts and push tokens
//! (they share one id space), for the operations the CLI and the apps offer on
//! any entry. This layer sits above the vault and push.

use crate::vault::{Session, VaultError};

impl Session {
    /// Deletes an account, or a push token (with its challenges and its device
    /// key).
    pub fn delete(&self, id: u64) -> Result<(), VaultError> {
        match self.delete_account(id) {
            Err(VaultError::NoSuchAccount { .. }) => match self.delete_push_token(id)? {
                true => Ok(()),
                false => Err(VaultError::NoSuchAccount { id }),
            },
            other => other,
        }
    }
}
