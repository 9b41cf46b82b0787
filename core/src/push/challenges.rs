//! Challenges: received from a push notification or fetched by polling,
//! verified with the token's server key before anything is stored or shown;
//! the open ones listed.

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
use super::stored::{OPEN, SENDING};

impl Session {
    /// Accepts a challenge delivered by a push notification: verifies it with
    /// the token's server key, stores it and returns it to show. A forged,
    /// malformed, replayed or expired challenge is refused and nothing is stored.
    pub fn receive_push(
        &self,
        fields: &ChallengeFields,
        now: u64,
    ) -> Result<PushChallengeInfo, PushError> {
        let (token_id, token) = self.enrolled_token(fields.serial())?;
        let key = token.server_key.as_ref().ok_or(PushError::UnknownToken)?;
        let challenge = fields.verify(key)?;
        let (id, _) = self.store_challenge(token_id, challenge, now)?;
        let row = self
            .read(|tx| Ok::<_, VaultError>(tx.challenge(id)?))?
            .ok_or(PushError::NoSuchChallenge { id })?;
        Ok(self.challenge_info(&row, &token)?)
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
        let signature = self.sign_for(
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

    /// Polls every enrolled token's server for open challenges (signed
    /// `serial|timestamp`), verifies and stores them, and returns every open
    /// challenge. A token whose server fails is reported, not fatal. First, a
    /// notification registration token not yet confirmed by a server is sent
    /// again (a failure is reported as that token's problem).
    pub fn poll_push(&self, ctx: &PushContext<'_>) -> Result<PollReport, PushError> {
        let mut report = PollReport::default();
        for update in self.retry_push_registration(ctx)? {
            if let Err(e) = update.result {
                report.problems.push((update.token_id, e));
            }
        }
        for (id, token) in self.tokens()? {
            if token.state != TokenState::Enrolled {
                continue;
            }
            if let Err(e) = self.poll_token(id, &token, ctx, &mut report) {
                report.problems.push((id, e));
            }
        }
        let forget_before = ctx
            .now
            .saturating_sub(REMEMBER_NONCES_DAYS.saturating_mul(86_400));
        self.write(|tx| tx.prune_challenges(forget_before).map_err(VaultError::from))?;
        report.challenges = self.push_challenges(ctx.now)?;
        Ok(report)
    }

    /// The challenges waiting for an answer (open, or with an answer to
    /// retry) and not expired at `now`, oldest first. No network.
    pub fn push_challenges(&self, now: u64) -> Result<Vec<PushChallengeInfo>, VaultError> {
        let tokens = self.tokens()?;
        let rows = self.read(|tx| Ok::<_, VaultError>(tx.challenges(&[OPEN, SENDING])?))?;
        let mut out = Vec::new();
        for row in rows {
            if row.state == OPEN && now >= row.expires_at {
                continue;
            }
            if let Some((_, token)) = tokens.iter().find(|(id, _)| *id == row.token_id) {
                out.push(self.challenge_info(&row, token)?);
            }
        }
        Ok(out)
    }

    /// One challenge, whatever its state.
    pub fn push_challenge(&self, id: u64) -> Result<PushChallengeInfo, PushError> {
        let row = self
            .read(|tx| Ok::<_, VaultError>(tx.challenge(id)?))?
            .ok_or(PushError::NoSuchChallenge { id })?;
        let token = self.token_of(&row)?;
        Ok(self.challenge_info(&row, &token)?)
    }
}
