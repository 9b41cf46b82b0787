//! The upgrade of push records to schema 5, on the first unlock after it:
//! the schema-3 records are under the vault key alone, so only an unlocked
//! vault can write their shown copies (token without its registration
//! token, verified challenge) under the device record key and split each
//! challenge's answer off. All in one write transaction: a crash leaves the
//! old records or the new ones, and the next unlock finishes.

use crate::push::token::{PushToken, StoredChallenge};
use crate::store::Tx;
use crate::vault::{Session, Unreadable, VaultError};

use super::stored::{Access, LEGACY_CHALLENGE_RECORD, seal_shown_challenge, seal_shown_token};

fn pending(tx: &Tx<'_>) -> Result<bool, VaultError> {
    Ok(tx
        .push_tokens_shown()?
        .iter()
        .any(|(_, shown)| shown.is_none())
        || tx
            .challenges(&[1, 2, 3, 4])?
            .iter()
            .any(|r| r.shown.is_none()))
}

impl Session {
    /// Brings push records from before schema 5 into the device layer (does
    /// nothing when there are none). Every push operation of a session runs
    /// it first; apps and the CLI also run it right after unlocking, so that
    /// push works while locked from then on.
    pub fn upgrade_push_records(&self) -> Result<(), VaultError> {
        if !self.read(pending)? {
            return Ok(());
        }
        let access = Access {
            device: self.device_layer(),
            session: Some(self),
        };
        self.write(|tx| {
            let key = self.device_layer().key_or_create(tx)?;
            let tokens = self.tokens_in(tx)?;
            for (id, shown) in tx.push_tokens_shown()? {
                if shown.is_some() {
                    continue;
                }
                let token = tokens
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, t)| t)
                    .ok_or(VaultError::Unreadable(Unreadable::Damaged))?;
                tx.set_push_token_shown(id, &seal_shown_token(&key, id, token)?)?;
            }
            for row in tx.challenges(&[1, 2, 3, 4])? {
                if row.shown.is_some() {
                    continue;
                }
                let serial = tokens
                    .iter()
                    .find(|(i, _)| *i == row.token_id)
                    .map(|(_, t): &(u64, PushToken)| t.serial.clone())
                    .unwrap_or_default();
                let plain = self.open(
                    LEGACY_CHALLENGE_RECORD,
                    &[&row.token_id.to_be_bytes(), row.nonce.as_bytes()],
                    &row.sealed,
                )?;
                let legacy = StoredChallenge::decode(&plain, &row.nonce, &serial)
                    .map_err(|_| VaultError::Unreadable(Unreadable::Damaged))?;
                let shown = seal_shown_challenge(&key, row.token_id, &legacy.challenge)?;
                tx.set_challenge_shown(row.id, &shown, &[])?;
                if let Some(decision) = &legacy.decision {
                    access.set_answer_in(
                        tx,
                        &row,
                        row.state,
                        decision,
                        legacy.display_code.as_deref(),
                    )?;
                }
            }
            Ok(())
        })
    }
}
