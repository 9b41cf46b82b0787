//! Push tokens and challenges as the vault stores them: sealed under the
//! vault key (through the session's record API), with the challenge states.

use crate::push::token::{PushToken, StoredChallenge, TokenState};
use crate::store::{ChallengeRow, Tx};
use crate::vault::{Session, Unreadable, VaultError};

use super::error::PushError;
use super::info::{ChallengeState, PushChallengeInfo, PushTokenInfo};
use super::protocol::Challenge;
use super::rules::CHALLENGE_LIFETIME;

pub(super) const OPEN: u8 = 1;
pub(super) const SENDING: u8 = 2;
pub(super) const ANSWERED: u8 = 3;
pub(super) const CLOSED: u8 = 4;

/// The purpose label of push-token records sealed under the vault key.
const TOKEN_RECORD: &[u8] = b"vakt/push-token/v1/";
/// The purpose label of challenge records sealed under the vault key.
const CHALLENGE_RECORD: &[u8] = b"vakt/push-challenge/v1/";

fn damaged() -> VaultError {
    VaultError::Unreadable(Unreadable::Damaged)
}

impl Session {
    pub(crate) fn seal_token(&self, id: u64, token: &PushToken) -> Result<Vec<u8>, VaultError> {
        let plain = token
            .encode()
            .map_err(|_| VaultError::InvalidInput("a push token field is too long".into()))?;
        self.seal(TOKEN_RECORD, &[&id.to_be_bytes()], &plain)
    }

    pub(crate) fn open_token(&self, id: u64, sealed: &[u8]) -> Result<PushToken, VaultError> {
        let plain = self.open(TOKEN_RECORD, &[&id.to_be_bytes()], sealed)?;
        PushToken::decode(&plain).map_err(|_| damaged())
    }

    pub(super) fn tokens_in(&self, tx: &Tx<'_>) -> Result<Vec<(u64, PushToken)>, VaultError> {
        tx.push_tokens()?
            .into_iter()
            .map(|(id, sealed)| Ok((id, self.open_token(id, &sealed)?)))
            .collect()
    }

    pub(super) fn tokens(&self) -> Result<Vec<(u64, PushToken)>, VaultError> {
        self.read(|tx| self.tokens_in(tx))
    }

    /// The token a stored challenge belongs to.
    pub(super) fn token_of(&self, row: &ChallengeRow) -> Result<PushToken, PushError> {
        self.tokens()?
            .into_iter()
            .find(|(id, _)| *id == row.token_id)
            .map(|(_, token)| token)
            .ok_or(PushError::NoSuchChallenge { id: row.id })
    }

    /// Every push token, by id.
    pub fn push_tokens(&self) -> Result<Vec<PushTokenInfo>, VaultError> {
        Ok(self
            .tokens()?
            .iter()
            .map(|(id, token)| PushTokenInfo::new(*id, token))
            .collect())
    }

    /// The decrypted push tokens, for a backup.
    pub(crate) fn push_token_records(&self) -> Result<Vec<PushToken>, VaultError> {
        Ok(self.tokens()?.into_iter().map(|(_, t)| t).collect())
    }

    /// Deletes a push token, its challenges and its device key.
    pub(super) fn delete_push_token_in(
        &self,
        tx: &Tx<'_>,
        id: u64,
    ) -> Result<Option<String>, VaultError> {
        let Some((_, sealed)) = tx.push_tokens()?.into_iter().find(|(i, _)| *i == id) else {
            return Ok(None);
        };
        let alias = self.open_token(id, &sealed).map(|t| t.key_alias).ok();
        tx.delete_push_token(id)?;
        Ok(Some(alias.unwrap_or_default()))
    }

    pub(super) fn seal_challenge(
        &self,
        token_id: u64,
        stored: &StoredChallenge,
    ) -> Result<Vec<u8>, VaultError> {
        let plain = stored
            .encode()
            .map_err(|_| VaultError::InvalidInput("a challenge field is too long".into()))?;
        self.seal(
            CHALLENGE_RECORD,
            &[&token_id.to_be_bytes(), stored.challenge.nonce.as_bytes()],
            &plain,
        )
    }

    pub(super) fn open_challenge(
        &self,
        row: &ChallengeRow,
        serial: &str,
    ) -> Result<StoredChallenge, VaultError> {
        let plain = self.open(
            CHALLENGE_RECORD,
            &[&row.token_id.to_be_bytes(), row.nonce.as_bytes()],
            &row.sealed,
        )?;
        StoredChallenge::decode(&plain, &row.nonce, serial).map_err(|_| damaged())
    }

    pub(super) fn challenge_info(
        &self,
        row: &ChallengeRow,
        token: &PushToken,
    ) -> Result<PushChallengeInfo, VaultError> {
        let stored = self.open_challenge(row, &token.serial)?;
        let state = match (row.state, stored.decision.clone()) {
            (OPEN, _) => ChallengeState::Open,
            (SENDING, Some(d)) => ChallengeState::Sending(d),
            (ANSWERED, Some(d)) => ChallengeState::Answered(d),
            (CLOSED, _) => ChallengeState::Closed,
            _ => return Err(damaged()),
        };
        Ok(PushChallengeInfo {
            id: row.id,
            token_id: row.token_id,
            account: PushTokenInfo::new(row.token_id, token).display_name(),
            challenge: stored.challenge,
            received_at: row.received_at,
            expires_at: row.expires_at,
            state,
            display_code: stored.display_code,
        })
    }

    /// Stores a verified challenge (or finds it again). `Ok(None)` if it was
    /// already stored and is still open; `Err(AlreadyAnswered / Expired)` for
    /// a replay of a finished one.
    pub(super) fn store_challenge(
        &self,
        token_id: u64,
        challenge: Challenge,
        now: u64,
    ) -> Result<(u64, bool), PushError> {
        self.write(|tx| {
            if let Some(row) = tx.challenge_by_nonce(token_id, &challenge.nonce)? {
                return match row.state {
                    ANSWERED | CLOSED => Err(PushError::AlreadyAnswered),
                    _ if now >= row.expires_at => Err(PushError::Expired),
                    _ => Ok((row.id, false)),
                };
            }
            let stored = StoredChallenge {
                challenge,
                decision: None,
                display_code: None,
            };
            let row = ChallengeRow {
                id: 0,
                token_id,
                nonce: stored.challenge.nonce.clone(),
                received_at: now,
                expires_at: now.saturating_add(CHALLENGE_LIFETIME),
                state: OPEN,
                sealed: self.seal_challenge(token_id, &stored)?,
            };
            Ok((tx.insert_challenge(&row)?, true))
        })
    }

    pub(super) fn enrolled_token(&self, serial: &str) -> Result<(u64, PushToken), PushError> {
        let tokens = self.tokens()?;
        let (id, token) = tokens
            .into_iter()
            .find(|(_, t)| t.serial == serial)
            .ok_or(PushError::UnknownToken)?;
        match token.state {
            TokenState::Enrolled => Ok((id, token)),
            _ => Err(PushError::NeedsReenrolment { id }),
        }
    }

    pub(super) fn set_challenge(
        &self,
        row: &ChallengeRow,
        state: u8,
        stored: &StoredChallenge,
    ) -> Result<(), PushError> {
        let sealed = self.seal_challenge(row.token_id, stored)?;
        self.write(|tx| {
            tx.update_challenge(row.id, state, &sealed)
                .map_err(VaultError::from)
        })?;
        Ok(())
    }
}
