//! Adding many accounts at once (imports): one transaction, duplicates of keys
//! already in the vault (or earlier in the batch) skipped and reported.

use crate::account::Account;

use super::{Session, VaultError};

/// What [`Session::add_all`] did with one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    /// Added with this id.
    Added(u64),
    /// Not added: the account with this id has the same key and kind.
    Duplicate(u64),
}

/// The same key used the same way (TOTP, HOTP or Steam), whatever the names,
/// parameters or counter: the user already has this account.
fn same_key(a: &Account, b: &Account) -> bool {
    std::mem::discriminant(&a.params.kind) == std::mem::discriminant(&b.params.kind)
        && a.params.secret == b.params.secret
}

impl Session {
    /// Adds `accounts` in one transaction (all or none). An account whose key
    /// is already in the vault with the same kind, or earlier in `accounts`, is
    /// not added; its outcome names the account that has it.
    pub fn add_all(&self, accounts: &[Account]) -> Result<Vec<AddOutcome>, VaultError> {
        let mut store = self.inner.store()?;
        store.write(|tx| {
            let mut known: Vec<(u64, Account)> = tx
                .accounts()?
                .iter()
                .map(|row| Ok((row.id, self.open_row(row)?)))
                .collect::<Result<_, VaultError>>()?;
            let mut outcomes = Vec::with_capacity(accounts.len());
            for account in accounts {
                if let Some((id, _)) = known.iter().find(|(_, k)| same_key(k, account)) {
                    outcomes.push(AddOutcome::Duplicate(*id));
                    continue;
                }
                let id = tx.next_account_id()?;
                let row = self.seal_row(id, tx.next_position()?, account)?;
                tx.put_account(&row)?;
                known.push((id, account.clone()));
                outcomes.push(AddOutcome::Added(id));
            }
            Ok(outcomes)
        })
    }

    /// Every account with its key, in display order (for an explicit export).
    pub fn export_accounts(&self) -> Result<Vec<Account>, VaultError> {
        Ok(self
            .all()?
            .into_iter()
            .map(|(_, account)| account)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(uri: &str) -> Account {
        crate::provision::uri::parse(uri).unwrap()
    }

    #[test]
    fn same_key_ignores_names_but_not_kind() {
        let a = account("otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP");
        let b = account("otpauth://totp/B:b?secret=JBSWY3DPEHPK3PXP&period=60&digits=8");
        let c = account("otpauth://hotp/A:a?secret=JBSWY3DPEHPK3PXP&counter=1");
        let d = account("otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXQ");
        assert!(same_key(&a, &b));
        assert!(!same_key(&a, &c));
        assert!(!same_key(&a, &d));
    }
}
