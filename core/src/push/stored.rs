//! Push tokens and challenges as the vault stores them. A token is sealed
//! twice: whole under the vault key, and without its notification
//! registration token under the device record key (its *shown* copy). A
//! challenge is verified once and kept under the device record key; the
//! answer given to it beside it — a decline, or anything answered while
//! locked, under the device record key; an approval given unlocked, under the
//! vault key. So a locked vault ([`Access`] without a session) verifies,
//! stores, shows and declines with the device key alone, through the same
//! code as an unlocked one.

use crate::push::token::{self, PushToken, TokenState};
use crate::store::{ChallengeRow, Tx};
use crate::vault::{DeviceLayer, DeviceRecordKey, Session, Unreadable, Vault, VaultError};

use super::error::PushError;
use super::info::{ChallengeState, PushChallengeInfo, PushTokenInfo};
use super::protocol::{Challenge, Decision};
use super::rules::CHALLENGE_LIFETIME;

pub(super) const OPEN: u8 = 1;
pub(super) const SENDING: u8 = 2;
pub(super) const ANSWERED: u8 = 3;
pub(super) const CLOSED: u8 = 4;

/// The purpose label of push-token records sealed under the vault key.
const TOKEN_RECORD: &[u8] = b"vakt/push-token/v1/";
/// The purpose label of a token's shown copy (device record key).
const TOKEN_SHOWN: &[u8] = b"vakt/push-token-shown/v1/";
/// The purpose label of schema-3 challenge records (vault key).
pub(super) const LEGACY_CHALLENGE_RECORD: &[u8] = b"vakt/push-challenge/v1/";
/// The purpose label of a verified challenge (device record key).
const CHALLENGE_SHOWN: &[u8] = b"vakt/push-challenge-shown/v1/";
/// The purpose label of an answer given (under either key).
const ANSWER_RECORD: &[u8] = b"vakt/push-answer/v1/";
/// An answer's first byte: sealed under the vault key.
const UNDER_VAULT_KEY: u8 = 1;
/// An answer's first byte: sealed under the device record key.
const UNDER_DEVICE_KEY: u8 = 2;

fn damaged() -> VaultError {
    VaultError::Unreadable(Unreadable::Damaged)
}

/// How push reaches a vault: its device layer always, and its session when
/// it is unlocked. Every push operation on stored challenges runs on this,
/// locked or not.
#[derive(Clone, Copy)]
pub(super) struct Access<'a> {
    pub(super) device: DeviceLayer<'a>,
    pub(super) session: Option<&'a Session>,
}

impl Vault {
    /// Push on this locked vault: the device layer only.
    pub(super) fn push_access(&self) -> Access<'_> {
        Access {
            device: self.device_layer(),
            session: None,
        }
    }
}

impl Session {
    /// Push on this unlocked vault; first brings push records from before
    /// schema 5 into the device layer.
    pub(super) fn push_access(&self) -> Result<Access<'_>, VaultError> {
        self.upgrade_push_records()?;
        Ok(Access {
            device: self.device_layer(),
            session: Some(self),
        })
    }

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

    /// Stores `token` as `id` (inside a write transaction): whole under the
    /// vault key, and its shown copy under the device record key.
    pub(crate) fn put_token(
        &self,
        tx: &Tx<'_>,
        id: u64,
        token: &PushToken,
    ) -> Result<(), VaultError> {
        let sealed = self.seal_token(id, token)?;
        let key = self.device_layer().key_or_create(tx)?;
        let shown = seal_shown_token(&key, id, token)?;
        Ok(tx.put_push_token(id, &sealed, &shown)?)
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

    /// The push tokens' ids, in the order of [`Session::push_token_records`].
    pub(crate) fn push_token_ids(&self) -> Result<Vec<u64>, VaultError> {
        Ok(self
            .read(|tx| Ok::<_, VaultError>(tx.push_tokens()?))?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
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
}

/// A token's shown copy, sealed under the device record key.
pub(super) fn seal_shown_token(
    key: &DeviceRecordKey<'_>,
    id: u64,
    token: &PushToken,
) -> Result<Vec<u8>, VaultError> {
    let plain = token::shown_part(token)
        .encode()
        .map_err(|_| VaultError::InvalidInput("a push token field is too long".into()))?;
    key.seal(TOKEN_SHOWN, &[&id.to_be_bytes()], &plain)
}

/// A verified challenge, sealed under the device record key.
pub(super) fn seal_shown_challenge(
    key: &DeviceRecordKey<'_>,
    token_id: u64,
    challenge: &Challenge,
) -> Result<Vec<u8>, VaultError> {
    let plain = token::encode_shown(challenge)
        .map_err(|_| VaultError::InvalidInput("a challenge field is too long".into()))?;
    key.seal(
        CHALLENGE_SHOWN,
        &[&token_id.to_be_bytes(), challenge.nonce.as_bytes()],
        &plain,
    )
}

/// The answer given to a challenge, as far as this access can read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// None yet.
    None,
    /// This decision, and the display code the server sent for it.
    Given(Decision, Option<String>),
    /// An approval (the only answers ever sealed under the vault key), read
    /// while locked: its pick and display code are not readable.
    Hidden,
}

impl Answer {
    /// Whether this is `decision`.
    pub(super) fn is(&self, decision: &Decision) -> bool {
        matches!(self, Answer::Given(d, _) if d == decision)
    }
}

/// A stored challenge: verified details and the answer given.
#[derive(Clone, Debug)]
pub(super) struct Loaded {
    pub(super) challenge: Challenge,
    pub(super) answer: Answer,
}

impl<'a> Access<'a> {
    /// The device record key (none until something was sealed under it).
    fn key(&self, tx: &Tx<'_>) -> Result<Option<DeviceRecordKey<'a>>, VaultError> {
        self.device.key(tx)
    }

    /// Every push token's shown copy. Tokens not upgraded yet (a vault not
    /// unlocked since schema 5) make it `UnlockOnce`.
    pub(super) fn tokens_in(&self, tx: &Tx<'_>) -> Result<Vec<(u64, PushToken)>, PushError> {
        let rows = tx.push_tokens_shown()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let key = self.key(tx)?.ok_or(PushError::UnlockOnce)?;
        rows.into_iter()
            .map(|(id, shown)| {
                let shown = shown.ok_or(PushError::UnlockOnce)?;
                let plain = key.open(TOKEN_SHOWN, &[&id.to_be_bytes()], &shown)?;
                Ok((id, PushToken::decode(&plain).map_err(|_| damaged())?))
            })
            .collect()
    }

    pub(super) fn tokens(&self) -> Result<Vec<(u64, PushToken)>, PushError> {
        self.device.read(|tx| self.tokens_in(tx))
    }

    /// The token a stored challenge belongs to.
    pub(super) fn token_of(&self, row: &ChallengeRow) -> Result<PushToken, PushError> {
        self.tokens()?
            .into_iter()
            .find(|(id, _)| *id == row.token_id)
            .map(|(_, token)| token)
            .ok_or(PushError::NoSuchChallenge { id: row.id })
    }

    pub(super) fn enrolled_token(&self, serial: &str) -> Result<(u64, PushToken), PushError> {
        let (id, token) = self
            .tokens()?
            .into_iter()
            .find(|(_, t)| t.serial == serial)
            .ok_or(PushError::UnknownToken)?;
        match token.state {
            TokenState::Enrolled => Ok((id, token)),
            _ => Err(PushError::NeedsReenrolment { id }),
        }
    }

    /// Reads a stored challenge of token `serial` (inside `tx`).
    pub(super) fn load_in(
        &self,
        tx: &Tx<'_>,
        row: &ChallengeRow,
        serial: &str,
    ) -> Result<Loaded, PushError> {
        let shown = row.shown.as_deref().ok_or(PushError::UnlockOnce)?;
        let key = self.key(tx)?.ok_or_else(damaged)?;
        let context: [&[u8]; 2] = [&row.token_id.to_be_bytes(), row.nonce.as_bytes()];
        let plain = key.open(CHALLENGE_SHOWN, &context, shown)?;
        let challenge = token::decode_shown(&plain, &row.nonce, serial).map_err(|_| damaged())?;
        let answer = match row.sealed.split_first() {
            None => Answer::None,
            Some((&UNDER_DEVICE_KEY, sealed)) => {
                decoded_answer(&key.open(ANSWER_RECORD, &context, sealed)?)?
            }
            Some((&UNDER_VAULT_KEY, sealed)) => match self.session {
                Some(session) => decoded_answer(&session.open(ANSWER_RECORD, &context, sealed)?)?,
                None => Answer::Hidden,
            },
            Some(_) => return Err(damaged().into()),
        };
        Ok(Loaded { challenge, answer })
    }

    /// Seals `decision` (with `display_code`) for the challenge of `row`:
    /// an approval given unlocked under the vault key, anything else under
    /// the device record key. The first byte says which.
    fn seal_answer(
        &self,
        tx: &Tx<'_>,
        row: &ChallengeRow,
        decision: &Decision,
        display_code: Option<&str>,
    ) -> Result<Vec<u8>, VaultError> {
        let plain = token::encode_answer(decision, display_code)
            .map_err(|_| VaultError::InvalidInput("an answer field is too long".into()))?;
        let context: [&[u8]; 2] = [&row.token_id.to_be_bytes(), row.nonce.as_bytes()];
        let (tag, sealed) = match (decision, self.session) {
            (Decision::Approve { .. }, Some(session)) => (
                UNDER_VAULT_KEY,
                session.seal(ANSWER_RECORD, &context, &plain)?,
            ),
            _ => (
                UNDER_DEVICE_KEY,
                self.device
                    .key_or_create(tx)?
                    .seal(ANSWER_RECORD, &context, &plain)?,
            ),
        };
        let mut out = Vec::with_capacity(sealed.len() + 1);
        out.push(tag);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Sets the challenge of `row` to `state` with `decision` recorded
    /// (inside `tx`).
    pub(super) fn set_answer_in(
        &self,
        tx: &Tx<'_>,
        row: &ChallengeRow,
        state: u8,
        decision: &Decision,
        display_code: Option<&str>,
    ) -> Result<(), VaultError> {
        let sealed = self.seal_answer(tx, row, decision, display_code)?;
        Ok(tx.update_challenge(row.id, state, &sealed)?)
    }

    /// [`Access::set_answer_in`] in its own transaction.
    pub(super) fn set_answer(
        &self,
        row: &ChallengeRow,
        state: u8,
        decision: &Decision,
        display_code: Option<&str>,
    ) -> Result<(), PushError> {
        self.device
            .write(|tx| self.set_answer_in(tx, row, state, decision, display_code))?;
        Ok(())
    }

    /// The challenge of `row` as shown. While locked, an approval given with
    /// the PIN shows as an approval without its pick or display code (they
    /// are under the vault key; only approvals are).
    pub(super) fn challenge_info_in(
        &self,
        tx: &Tx<'_>,
        row: &ChallengeRow,
        token: &PushToken,
    ) -> Result<PushChallengeInfo, PushError> {
        let loaded = self.load_in(tx, row, &token.serial)?;
        let (decision, display_code) = match loaded.answer {
            Answer::Hidden => (Some(Decision::Approve { presence: None }), None),
            Answer::None => (None, None),
            Answer::Given(decision, code) => (Some(decision), code),
        };
        let state = match (row.state, decision) {
            (OPEN, _) => ChallengeState::Open,
            (SENDING, Some(d)) => ChallengeState::Sending(d),
            (ANSWERED, Some(d)) => ChallengeState::Answered(d),
            (CLOSED, _) => ChallengeState::Closed,
            _ => return Err(damaged().into()),
        };
        Ok(PushChallengeInfo {
            id: row.id,
            token_id: row.token_id,
            account: PushTokenInfo::new(row.token_id, token).display_name(),
            challenge: loaded.challenge,
            received_at: row.received_at,
            expires_at: row.expires_at,
            state,
            display_code,
        })
    }

    /// Stores a verified challenge (or finds it again): its id, and whether
    /// it is new. `Err(AlreadyAnswered / Expired)` for a replay of a
    /// finished one.
    pub(super) fn store_challenge(
        &self,
        token_id: u64,
        challenge: Challenge,
        now: u64,
    ) -> Result<(u64, bool), PushError> {
        self.device.write(|tx| {
            if let Some(row) = tx.challenge_by_nonce(token_id, &challenge.nonce)? {
                return match row.state {
                    ANSWERED | CLOSED => Err(PushError::AlreadyAnswered),
                    _ if now >= row.expires_at => Err(PushError::Expired),
                    _ => Ok((row.id, false)),
                };
            }
            let key = self.device.key_or_create(tx)?;
            let row = ChallengeRow {
                id: 0,
                token_id,
                nonce: challenge.nonce.clone(),
                received_at: now,
                expires_at: now.saturating_add(CHALLENGE_LIFETIME),
                state: OPEN,
                sealed: Vec::new(),
                shown: Some(seal_shown_challenge(&key, token_id, &challenge)?),
            };
            Ok((tx.insert_challenge(&row)?, true))
        })
    }
}

fn decoded_answer(plain: &[u8]) -> Result<Answer, VaultError> {
    let (decision, code) = token::decode_answer(plain).map_err(|_| damaged())?;
    Ok(Answer::Given(decision, code))
}
