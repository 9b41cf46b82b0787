//! Challenges: received from a push notification or fetched by polling,
//! verified with the token's server key before anything is stored or shown;
//! the open ones listed. One code path, whether the vault is locked or not
//! ([`Access`]).

use crate::push::protocol::{self, ChallengeFields};
use crate::push::token::PushToken;
use crate::push::token::TokenState;
use crate::push::transport::{self, Method};
use crate::secret::SecretBytes;
use crate::vault::{Session, VaultError};

use super::context::PushContext;
use super::error::PushError;
use super::info::{PollReport, PushChallengeInfo};
use super::rules::REMEMBER_NONCES_DAYS;
use super::signing::sign_for;
use super::stored::{Access, OPEN, SENDING};

impl Access<'_> {
    /// Verifies a notification's challenge with the token's server key,
    /// stores it and returns it to show. A forged, malformed, replayed or
    /// expired challenge is refused and nothing is stored.
    pub(super) fn receive(
        &self,
        fields: &ChallengeFields,
        now: u64,
    ) -> Result<PushChallengeInfo, PushError> {
        let (token_id, token) = self.enrolled_token(fields.serial())?;
        let key = token.server_key.as_ref().ok_or(PushError::UnknownToken)?;
        let challenge = fields.verify(key)?;
        let (id, _) = self.store_challenge(token_id, challenge, now)?;
        self.challenge(id)
    }

    fn poll_token(
        &self,
        token_id: u64,
        token: &PushToken,
        ctx: &PushContext<'_>,
        report: &mut PollReport,
    ) -> Result<(), PushError> {
        let endpoint = transport::endpoint(&token.url, token.sslverify, &ctx.policy)?;
        let key = token.server_key.as_ref().ok_or(PushError::UnknownToken)?;
        let timestamp = crate::push::time::iso8601(ctx.now);
        let signature = sign_for(
            self.device.services(),
            token,
            &protocol::poll_signed_string(&token.serial, &timestamp),
        )?;
        let mut url = endpoint.url.clone();
        url.query_pairs_mut()
            .append_pair("serial", &token.serial)
            .append_pair("timestamp", &timestamp)
            .append_pair("signature", &signature);
        let response = ctx.send(
            Method::Get,
            url.to_string(),
            endpoint.verify_tls,
            SecretBytes::new(Vec::new()),
        )?;
        for item in protocol::poll_reply(&response)? {
            let verified = ChallengeFields::from_json(&item).and_then(|fields| {
                if fields.serial() == token.serial {
                    fields.verify(key)
                } else {
                    Err(protocol::ChallengeError::Malformed("serial"))
                }
            });
            match verified {
                Ok(challenge) => match self.store_challenge(token_id, challenge, ctx.now) {
                    Ok((_, true)) => report.new += 1,
                    // Already known, or finished here while the server still
                    // lists it: nothing new to show.
                    Ok((_, false)) | Err(PushError::AlreadyAnswered | PushError::Expired) => {}
                    Err(e) => return Err(e),
                },
                Err(e) => report.problems.push((token_id, e.into())),
            }
        }
        Ok(())
    }

    /// Polls every enrolled token's server, verifies and stores what they
    /// list, forgets old nonces, and lists every open challenge into `report`.
    pub(super) fn poll(
        &self,
        ctx: &PushContext<'_>,
        report: &mut PollReport,
    ) -> Result<(), PushError> {
        for (id, token) in self.tokens()? {
            if token.state != TokenState::Enrolled {
                continue;
            }
            if let Err(e) = self.poll_token(id, &token, ctx, report) {
                report.problems.push((id, e));
            }
        }
        let forget_before = ctx
            .now
            .saturating_sub(REMEMBER_NONCES_DAYS.saturating_mul(86_400));
        self.device
            .write(|tx| tx.prune_challenges(forget_before).map_err(VaultError::from))?;
        report.challenges = self.challenges(ctx.now)?;
        Ok(())
    }

    /// The challenges waiting for an answer (open, or with an answer to
    /// retry) and not expired at `now`, oldest first. No network.
    pub(super) fn challenges(&self, now: u64) -> Result<Vec<PushChallengeInfo>, PushError> {
        self.device.read(|tx| {
            let tokens = self.tokens_in(tx)?;
            let mut out = Vec::new();
            for row in tx.challenges(&[OPEN, SENDING])? {
                if row.state == OPEN && now >= row.expires_at {
                    continue;
                }
                if let Some((_, token)) = tokens.iter().find(|(id, _)| *id == row.token_id) {
                    out.push(self.challenge_info_in(tx, &row, token)?);
                }
            }
            Ok(out)
        })
    }

    /// One challenge, whatever its state.
    pub(super) fn challenge(&self, id: u64) -> Result<PushChallengeInfo, PushError> {
        self.device.read(|tx| {
            let row = tx.challenge(id)?.ok_or(PushError::NoSuchChallenge { id })?;
            let token = self
                .tokens_in(tx)?
                .into_iter()
                .find(|(token_id, _)| *token_id == row.token_id)
                .map(|(_, token)| token)
                .ok_or(PushError::NoSuchChallenge { id })?;
            self.challenge_info_in(tx, &row, &token)
        })
    }
}

impl Session {
    /// Accepts a challenge delivered by a push notification: verifies it with
    /// the token's server key, stores it and returns it to show. A forged,
    /// malformed, replayed or expired challenge is refused and nothing is stored.
    pub fn receive_push(
        &self,
        fields: &ChallengeFields,
        now: u64,
    ) -> Result<PushChallengeInfo, PushError> {
        self.push_access()?.receive(fields, now)
    }

    /// Polls every enrolled token's server for open challenges (signed
    /// `serial|timestamp`), verifies and stores them, and returns every open
    /// challenge. A token whose server fails is reported, not fatal. First, a
    /// notification registration token not yet confirmed by a server is sent
    /// again (a failure is reported as that token's problem).
    pub fn poll_push(&self, ctx: &PushContext<'_>) -> Result<PollReport, PushError> {
        let access = self.push_access()?;
        let mut report = PollReport::default();
        for update in self.retry_push_registration(ctx)? {
            if let Err(e) = update.result {
                report.problems.push((update.token_id, e));
            }
        }
        access.poll(ctx, &mut report)?;
        Ok(report)
    }

    /// The challenges waiting for an answer (open, or with an answer to
    /// retry) and not expired at `now`, oldest first. No network.
    pub fn push_challenges(&self, now: u64) -> Result<Vec<PushChallengeInfo>, VaultError> {
        self.push_access()?
            .challenges(now)
            .map_err(unlocked_vault_error)
    }

    /// One challenge, whatever its state.
    pub fn push_challenge(&self, id: u64) -> Result<PushChallengeInfo, PushError> {
        self.push_access()?.challenge(id)
    }
}

/// A push error of an operation that fails only through the vault when
/// unlocked (the upgraded records and the vault key are there).
fn unlocked_vault_error(e: PushError) -> VaultError {
    match e {
        PushError::Vault(e) => e,
        _ => VaultError::Unreadable(crate::vault::Unreadable::Damaged),
    }
}
