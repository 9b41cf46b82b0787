//! The accounts of an unlocked vault: list, add, rename, delete, reorder,
//! codes, HOTP counters.

use crate::account::{Account, OtpKind};
use crate::otp::{Algorithm, Code, CodeView};
use crate::store::AccountRow;

use super::bulk::AddOutcome;
use super::error::{Unreadable, VaultError};
use super::record;
use super::session::Session;

/// The purpose label of account records sealed under the vault key.
pub(crate) const ACCOUNT_RECORD: &[u8] = b"vakt/account/v1/";

/// An account as listed: everything but the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountInfo {
    /// Stable id within the vault.
    pub id: u64,
    /// Display order (ascending).
    pub position: i64,
    /// The service.
    pub issuer: String,
    /// The user's name at the service.
    pub name: String,
    /// TOTP/HOTP/Steam with period or counter.
    pub kind: OtpKind,
    /// HMAC hash.
    pub algorithm: Algorithm,
    /// Characters per code.
    pub digits: u8,
}

impl AccountInfo {
    /// The account's label on screen: see [`crate::account::display_label`].
    pub fn display_label(&self) -> String {
        crate::account::display_label(&self.issuer, &self.name)
    }
}

impl AccountInfo {
    fn new(id: u64, position: i64, account: &Account) -> Self {
        Self {
            id,
            position,
            issuer: account.issuer.clone(),
            name: account.name.clone(),
            kind: account.params.kind,
            algorithm: account.params.algorithm,
            digits: account.params.code_length(),
        }
    }
}

/// An account with its current code (time-based kinds) for a code screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeEntry {
    /// The account.
    pub info: AccountInfo,
    /// The code, seconds left and next code; `None` for HOTP (showing a code
    /// would spend a counter value — use [`Session::next_code`]).
    pub view: Option<CodeView>,
}

impl Session {
    /// Decrypts an account row.
    pub(crate) fn open_row(&self, row: &AccountRow) -> Result<Account, VaultError> {
        let plain = self.open_account_record(row)?;
        record::decode(&plain).map_err(|_| VaultError::Unreadable(Unreadable::Damaged))
    }

    /// The plaintext record of an account row (the vault's account encoding,
    /// which backups carry as it is).
    pub(crate) fn open_account_record(
        &self,
        row: &AccountRow,
    ) -> Result<zeroize::Zeroizing<Vec<u8>>, VaultError> {
        self.open(ACCOUNT_RECORD, &[&row.id.to_be_bytes()], &row.sealed)
    }

    /// Encrypts an account as row `id` at `position`.
    pub(crate) fn seal_row(
        &self,
        id: u64,
        position: i64,
        account: &Account,
    ) -> Result<AccountRow, VaultError> {
        let plain = record::encode(account).map_err(|e| VaultError::InvalidInput(e.to_string()))?;
        let sealed = self.seal(ACCOUNT_RECORD, &[&id.to_be_bytes()], &plain)?;
        Ok(AccountRow {
            id,
            position,
            sealed,
        })
    }

    pub(crate) fn all(&self) -> Result<Vec<(AccountRow, Account)>, VaultError> {
        let rows = self.inner.store()?.read(|tx| tx.accounts())?;
        rows.into_iter()
            .map(|row| {
                let account = self.open_row(&row)?;
                Ok((row, account))
            })
            .collect()
    }

    /// Every account, in display order, without keys.
    pub fn accounts(&self) -> Result<Vec<AccountInfo>, VaultError> {
        Ok(self
            .all()?
            .iter()
            .map(|(row, account)| AccountInfo::new(row.id, row.position, account))
            .collect())
    }

    /// Adds an account and returns its id. Refuses a duplicate — the same
    /// codes under the same names — with the existing account's id; the same
    /// codes under other names are added (see `duplicates`; [`Session::add_all`]
    /// reports them).
    pub fn add(&self, account: &Account) -> Result<u64, VaultError> {
        match self.add_all(std::slice::from_ref(account))?.first() {
            Some(AddOutcome::Added(id) | AddOutcome::AddedLike { id, .. }) => Ok(*id),
            Some(AddOutcome::Duplicate(id)) => Err(VaultError::Duplicate { id: *id }),
            None => Err(VaultError::InvalidInput("nothing to add".into())),
        }
    }

    fn update(
        &self,
        id: u64,
        change: impl FnOnce(&mut Account) -> Result<(), VaultError>,
    ) -> Result<Account, VaultError> {
        let mut store = self.inner.store()?;
        store.write(|tx| {
            let row = tx.account(id)?.ok_or(VaultError::NoSuchAccount { id })?;
            let mut account = self.open_row(&row)?;
            let before = account.clone();
            change(&mut account)?;
            tx.put_account(&self.seal_row(id, row.position, &account)?)?;
            Ok(before)
        })
    }

    /// Renames an account: a new account name, and a new issuer if given.
    pub fn rename(&self, id: u64, issuer: Option<&str>, name: &str) -> Result<(), VaultError> {
        self.update(id, |account| {
            account.name = name.trim().to_owned();
            if let Some(issuer) = issuer {
                account.issuer = issuer.trim().to_owned();
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Deletes an account, or a push token (with its challenges and its
    /// device key).
    pub fn delete_account(&self, id: u64) -> Result<(), VaultError> {
        self.write(|tx| match tx.delete_account(id)? {
            true => Ok(()),
            false => Err(VaultError::NoSuchAccount { id }),
        })
    }

    /// Puts the accounts in the order given; `ids` must list every account once.
    pub fn reorder(&self, ids: &[u64]) -> Result<(), VaultError> {
        let mut store = self.inner.store()?;
        store.write(|tx| {
            let mut existing: Vec<u64> = tx.accounts()?.iter().map(|r| r.id).collect();
            let mut wanted = ids.to_vec();
            existing.sort_unstable();
            wanted.sort_unstable();
            if existing != wanted {
                return Err(VaultError::InvalidInput(
                    "the new order must list every account exactly once".into(),
                ));
            }
            for (position, id) in ids.iter().enumerate() {
                let position = i64::try_from(position)
                    .map_err(|_| VaultError::InvalidInput("too many accounts".into()))?;
                tx.set_position(*id, position)?;
            }
            Ok(())
        })
    }

    /// The code screen at `unix_seconds`: every account, with code, seconds left
    /// and next code for time-based ones.
    pub fn codes(&self, unix_seconds: u64) -> Result<Vec<CodeEntry>, VaultError> {
        Ok(self
            .all()?
            .iter()
            .map(|(row, account)| CodeEntry {
                info: AccountInfo::new(row.id, row.position, account),
                view: account.params.code_view(unix_seconds),
            })
            .collect())
    }

    /// For an HOTP account: advances the counter, commits it, and only then
    /// returns the code for the counter value it had.
    pub fn next_code(&self, id: u64) -> Result<Code, VaultError> {
        let before = self.update(id, |account| match &mut account.params.kind {
            OtpKind::Hotp { counter } => {
                *counter = counter.checked_add(1).ok_or_else(|| {
                    VaultError::InvalidInput("the counter is at its maximum".into())
                })?;
                Ok(())
            }
            _ => Err(VaultError::NotCounterBased { id }),
        })?;
        Ok(before.params.current_code(0))
    }

    /// One account with its key (for an explicit export or QR transfer).
    pub fn account(&self, id: u64) -> Result<Account, VaultError> {
        let row = self
            .inner
            .store()?
            .read(|tx| tx.account(id))?
            .ok_or(VaultError::NoSuchAccount { id })?;
        self.open_row(&row)
    }
}
