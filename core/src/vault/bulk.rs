//! Adding many accounts at once (imports, export codes): one transaction,
//! duplicates of accounts already in the vault (or earlier in the batch)
//! skipped and reported, look-alikes added and reported (`duplicates`).

use crate::account::Account;

use super::duplicates::{Likeness, find_like};
use super::{Session, VaultError};

/// What [`Session::add_all`] did with one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    /// Added with this id.
    Added(u64),
    /// Added with this id, but it gives the same codes as account `like`,
    /// which has other names: perhaps the same account (the user may delete
    /// one), perhaps two accounts sharing a key.
    AddedLike {
        /// The new account's id.
        id: u64,
        /// The account that gives the same codes.
        like: u64,
    },
    /// Not added: the account with this id gives the same codes under the
    /// same names.
    Duplicate(u64),
}

impl Session {
    /// Adds `accounts` in one transaction (all or none). A duplicate of an
    /// account in the vault, or earlier in `accounts`, is not added; one that
    /// gives the same codes under other names is added and says which it is
    /// like (see `duplicates`).
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
                let like = find_like(account, &known);
                if let Some((id, Likeness::Duplicate)) = like {
                    outcomes.push(AddOutcome::Duplicate(id));
                    continue;
                }
                let id = tx.next_account_id()?;
                let row = self.seal_row(id, tx.next_position()?, account)?;
                tx.put_account(&row)?;
                known.push((id, account.clone()));
                outcomes.push(match like {
                    Some((like, _)) => AddOutcome::AddedLike { id, like },
                    None => AddOutcome::Added(id),
                });
            }
            Ok(outcomes)
        })
    }
}
