//! Push tokens and their challenges in the vault: enrolment, polling, push
//! notifications and answers, each step committed so that a crash at any
//! instant leaves a state the next call can finish or report.
//!
//! - **Enrolment** writes the token as *pending* (with its keystore alias)
//!   before registering with the server, and as *enrolled* (with the server's
//!   key) after. A crash in between leaves a pending token, listed as needing a
//!   new enrolment code — the server will not take the same code twice.
//! - **Challenges** are verified with the token's server key before they are
//!   stored or shown. The nonce of every challenge is remembered for
//!   [`REMEMBER_NONCES_DAYS`](crate::push::REMEMBER_NONCES_DAYS), so a replayed
//!   challenge is refused as answered or expired.
//! - **Answers** commit the decision (state *sending*) before they are signed
//!   and sent; a crash or network failure leaves it retryable with the same
//!   decision, and only that decision.

use base64::Engine;

use crate::crypto::rsa;
use crate::provision::push_enrolment::PushEnrolment;
use crate::push::protocol::{self, Challenge, ChallengeFields, Decision};
use crate::push::token::{PushToken, StoredChallenge, TokenState};
use crate::push::transport::{self, HttpRequest, HttpResponse, Method};
use crate::push::{
    CHALLENGE_LIFETIME, DEVICE_KEY_BITS, PushContext, PushError, REMEMBER_NONCES_DAYS,
};
use crate::rng::random_array;
use crate::secret::SecretBytes;

use super::{Session, Unreadable, VaultError};
use crate::crypto::aead;
use crate::store::{ChallengeRow, Tx};

const OPEN: u8 = 1;
const SENDING: u8 = 2;
const ANSWERED: u8 = 3;
const CLOSED: u8 = 4;

/// A push token as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushTokenInfo {
    /// Id within the vault (shared with account ids).
    pub id: u64,
    /// The server's serial.
    pub serial: String,
    /// The label shown.
    pub label: String,
    /// The issuer shown.
    pub issuer: String,
    /// The server's push URL.
    pub url: String,
    /// Where it stands.
    pub state: TokenState,
    /// When it was enrolled (Unix seconds; 0 if it never was here).
    pub enrolled_at: u64,
    /// The server asks that the app be unlocked before answering.
    pub require_app_pin: bool,
    /// The server sends no notifications; the app must poll.
    pub poll_only: bool,
}

impl PushTokenInfo {
    fn new(id: u64, token: &PushToken) -> Self {
        Self {
            id,
            serial: token.serial.clone(),
            label: token.label.clone(),
            issuer: token.issuer.clone(),
            url: token.url.clone(),
            state: token.state,
            enrolled_at: token.enrolled_at,
            require_app_pin: token.require_app_pin,
            poll_only: token.poll_only,
        }
    }

    /// `issuer: label`, or the label alone.
    pub fn display_name(&self) -> String {
        crate::push::token::display_name(&self.issuer, &self.label)
    }
}

/// Where a challenge stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChallengeState {
    /// Waiting for the user.
    Open,
    /// An answer was committed but not confirmed by the server (retry it).
    Sending(Decision),
    /// Answered and confirmed.
    Answered(Decision),
    /// The server no longer had it open.
    Closed,
}

/// A verified challenge as shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushChallengeInfo {
    /// Local id (what `answer_push` takes).
    pub id: u64,
    /// The token it is for.
    pub token_id: u64,
    /// The token's display name.
    pub account: String,
    /// The challenge itself (title, question, presence options, …).
    pub challenge: Challenge,
    /// When it was first received (Unix seconds).
    pub received_at: u64,
    /// When it stops being answerable here (Unix seconds).
    pub expires_at: u64,
    /// Where it stands.
    pub state: ChallengeState,
    /// The code the server gave to show after approval, if any.
    pub display_code: Option<String>,
}

/// Choices at enrolment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolOptions {
    /// The platform's push-notification token (Firebase); empty to poll only.
    pub notification_token: String,
    /// RSA size of the device key.
    pub key_bits: u32,
}

impl Default for EnrolOptions {
    fn default() -> Self {
        Self {
            notification_token: String::new(),
            key_bits: DEVICE_KEY_BITS,
        }
    }
}

/// A poll's result: the open challenges of every token, and what failed.
#[derive(Debug, Default)]
pub struct PollReport {
    /// Every open challenge (new and earlier), oldest first.
    pub challenges: Vec<PushChallengeInfo>,
    /// How many new challenges this poll brought.
    pub new: usize,
    /// Per token, why polling it failed or what was refused (forged or
    /// malformed challenges are refused and not stored).
    pub problems: Vec<(u64, PushError)>,
}

/// What an answer achieved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Approved; show `display_code` if the server sent one (the user types it
    /// on the login screen).
    Approved {
        /// The code to show, if any.
        display_code: Option<String>,
    },
    /// Declined.
    Declined,
}

fn token_aad(vault_id: &[u8; 16], id: u64) -> Vec<u8> {
    let mut aad = b"vakt/push-token/v1/".to_vec();
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(&id.to_be_bytes());
    aad
}

fn challenge_aad(vault_id: &[u8; 16], token_id: u64, nonce: &str) -> Vec<u8> {
    let mut aad = b"vakt/push-challenge/v1/".to_vec();
    aad.extend_from_slice(vault_id);
    aad.extend_from_slice(&token_id.to_be_bytes());
    aad.extend_from_slice(nonce.as_bytes());
    aad
}

fn damaged() -> VaultError {
    VaultError::Unreadable(Unreadable::Damaged)
}

fn send(
    ctx: &PushContext<'_>,
    method: Method,
    url: String,
    verify_tls: bool,
    body: SecretBytes,
) -> Result<HttpResponse, PushError> {
    let request = HttpRequest {
        method,
        url,
        body,
        verify_tls,
        timeout: ctx.policy.timeout,
    };
    Ok(ctx.transport.send(&request)?)
}

impl Session {
    pub(super) fn seal_token(&self, id: u64, token: &PushToken) -> Result<Vec<u8>, VaultError> {
        let plain = token
            .encode()
            .map_err(|_| VaultError::InvalidInput("a push token field is too long".into()))?;
        Ok(aead::seal(
            &self.key,
            &token_aad(&self.inner.vault_id, id),
            &plain,
            self.inner.services.rng.as_ref(),
        )?)
    }

    pub(super) fn open_token(&self, id: u64, sealed: &[u8]) -> Result<PushToken, VaultError> {
        let plain = aead::open(&self.key, &token_aad(&self.inner.vault_id, id), sealed)?;
        PushToken::decode(&plain).map_err(|_| damaged())
    }

    fn tokens_in(&self, tx: &Tx<'_>) -> Result<Vec<(u64, PushToken)>, VaultError> {
        tx.push_tokens()?
            .into_iter()
            .map(|(id, sealed)| Ok((id, self.open_token(id, &sealed)?)))
            .collect()
    }

    fn tokens(&self) -> Result<Vec<(u64, PushToken)>, VaultError> {
        self.inner.store()?.read(|tx| self.tokens_in(tx))
    }

    /// The token a stored challenge belongs to.
    fn token_of(&self, row: &ChallengeRow) -> Result<PushToken, PushError> {
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
    pub(super) fn push_token_records(&self) -> Result<Vec<PushToken>, VaultError> {
        Ok(self.tokens()?.into_iter().map(|(_, t)| t).collect())
    }

    /// Enrols the push token of a scanned `otpauth://pipush/` code: makes a
    /// device key in the keystore, registers it with the server and stores the
    /// token with the server's key. A token with the same serial that needs
    /// re-enrolment is replaced (same id); an enrolled one is a duplicate.
    pub fn enrol_push(
        &self,
        enrolment: &PushEnrolment,
        ctx: &PushContext<'_>,
        options: &EnrolOptions,
    ) -> Result<PushTokenInfo, PushError> {
        let endpoint = transport::endpoint(&enrolment.url, enrolment.sslverify, &ctx.policy)?;
        let existing = self
            .tokens()?
            .into_iter()
            .find(|(_, t)| t.serial == enrolment.serial);
        if let Some((id, token)) = &existing
            && token.state == TokenState::Enrolled
        {
            return Err(VaultError::Duplicate { id: *id }.into());
        }
        let rng = self.inner.services.rng.as_ref();
        let suffix: [u8; 12] = random_array(rng).map_err(VaultError::from)?;
        let alias = format!(
            "vakt-push-{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let keystore = self.inner.services.keystore.as_ref();
        let public = keystore
            .create_signing_key(&alias, options.key_bits)
            .map_err(PushError::Keystore)?;
        let spki = match rsa::normalize_public_key(&public) {
            Ok(spki) => spki,
            Err(_) => {
                let _ = keystore.delete_signing_key(&alias);
                return Err(PushError::Keystore(crate::vault::KeystoreError::Failed(
                    "the keystore returned an unusable public key".into(),
                )));
            }
        };
        let mut token = PushToken {
            state: TokenState::Pending,
            serial: enrolment.serial.clone(),
            label: enrolment.label.clone(),
            issuer: enrolment.issuer.clone(),
            url: enrolment.url.clone(),
            sslverify: enrolment.sslverify,
            require_app_pin: enrolment.require_app_pin,
            poll_only: enrolment.poll_only,
            enrolled_at: 0,
            key_alias: alias.clone(),
            server_key: None,
            notification_token: options.notification_token.clone(),
        };
        // Pending first: a crash from here on leaves a token that says so.
        let id = self.inner.store()?.write(|tx| {
            let id = match &existing {
                Some((id, _)) => *id,
                None => tx.next_account_id()?,
            };
            tx.put_push_token(id, &self.seal_token(id, &token)?)?;
            Ok::<_, VaultError>(id)
        })?;
        let pubkey = base64::engine::general_purpose::URL_SAFE.encode(&spki);
        let body = protocol::form(&[
            // EXPOSE: the enrolment credential goes to the server that issued it.
            (
                "enrollment_credential",
                enrolment.enrollment_credential.expose(),
            ),
            ("serial", &enrolment.serial),
            ("fbtoken", &options.notification_token),
            ("pubkey", &pubkey),
        ]);
        let registered = send(
            ctx,
            Method::Post,
            endpoint.url.to_string(),
            endpoint.verify_tls,
            body,
        )
        .and_then(|response| Ok(protocol::registration_reply(&response)?));
        let server_key = match registered {
            Ok(key) => key,
            Err(e) => {
                // Undo: put back what was there (or nothing), drop the new key.
                self.inner.store()?.write(|tx| {
                    match &existing {
                        Some((id, previous)) => {
                            tx.put_push_token(*id, &self.seal_token(*id, previous)?)?
                        }
                        None => {
                            tx.delete_push_token(id)?;
                        }
                    }
                    Ok::<_, VaultError>(())
                })?;
                let _ = keystore.delete_signing_key(&alias);
                return Err(e);
            }
        };
        token.state = TokenState::Enrolled;
        token.server_key = Some(server_key);
        token.enrolled_at = ctx.now;
        self.inner.store()?.write(|tx| {
            tx.put_push_token(id, &self.seal_token(id, &token)?)
                .map_err(VaultError::from)
        })?;
        if let Some((_, previous)) = &existing
            && previous.key_alias != alias
        {
            let _ = keystore.delete_signing_key(&previous.key_alias);
        }
        Ok(PushTokenInfo::new(id, &token))
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

    fn seal_challenge(
        &self,
        token_id: u64,
        stored: &StoredChallenge,
    ) -> Result<Vec<u8>, VaultError> {
        let plain = stored
            .encode()
            .map_err(|_| VaultError::InvalidInput("a challenge field is too long".into()))?;
        Ok(aead::seal(
            &self.key,
            &challenge_aad(&self.inner.vault_id, token_id, &stored.challenge.nonce),
            &plain,
            self.inner.services.rng.as_ref(),
        )?)
    }

    fn open_challenge(
        &self,
        row: &ChallengeRow,
        serial: &str,
    ) -> Result<StoredChallenge, VaultError> {
        let plain = aead::open(
            &self.key,
            &challenge_aad(&self.inner.vault_id, row.token_id, &row.nonce),
            &row.sealed,
        )?;
        StoredChallenge::decode(&plain, &row.nonce, serial).map_err(|_| damaged())
    }

    fn challenge_info(
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
    fn store_challenge(
        &self,
        token_id: u64,
        challenge: Challenge,
        now: u64,
    ) -> Result<(u64, bool), PushError> {
        self.inner.store()?.write(|tx| {
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

    fn enrolled_token(&self, serial: &str) -> Result<(u64, PushToken), PushError> {
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
            .inner
            .store()?
            .read(|tx| tx.challenge(id))?
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
        let signature = self
            .inner
            .services
            .keystore
            .sign(
                &token.key_alias,
                protocol::poll_signed_string(&token.serial, &timestamp).as_bytes(),
            )
            .map_err(PushError::Keystore)?;
        let mut url = endpoint.url.clone();
        url.query_pairs_mut()
            .append_pair("serial", &token.serial)
            .append_pair("timestamp", &timestamp)
            .append_pair("signature", &rsa::encode_signature(&signature));
        let response = send(
            ctx,
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
    /// challenge. A token whose server fails is reported, not fatal.
    pub fn poll_push(&self, ctx: &PushContext<'_>) -> Result<PollReport, PushError> {
        let mut report = PollReport::default();
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
        self.inner
            .store()?
            .write(|tx| tx.prune_challenges(forget_before).map_err(VaultError::from))?;
        report.challenges = self.push_challenges(ctx.now)?;
        Ok(report)
    }

    /// The challenges waiting for an answer (open, or with an answer to
    /// retry) and not expired at `now`, oldest first. No network.
    pub fn push_challenges(&self, now: u64) -> Result<Vec<PushChallengeInfo>, VaultError> {
        let tokens = self.tokens()?;
        let rows = self
            .inner
            .store()?
            .read(|tx| tx.challenges(&[OPEN, SENDING]))?;
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
            .inner
            .store()?
            .read(|tx| tx.challenge(id))?
            .ok_or(PushError::NoSuchChallenge { id })?;
        let token = self.token_of(&row)?;
        Ok(self.challenge_info(&row, &token)?)
    }

    fn set_challenge(
        &self,
        row: &ChallengeRow,
        state: u8,
        stored: &StoredChallenge,
    ) -> Result<(), PushError> {
        let sealed = self.seal_challenge(row.token_id, stored)?;
        self.inner.store()?.write(|tx| {
            tx.update_challenge(row.id, state, &sealed)
                .map_err(VaultError::from)
        })?;
        Ok(())
    }

    /// Answers challenge `id`. The decision is committed before it is sent; if
    /// sending fails, calling again with the same decision retries it, and a
    /// different decision is refused. With a presence check, `Approve` must
    /// carry one of the offered options; a wrong one (per the server) leaves
    /// the challenge open. A decline reason is sent only to servers that
    /// accept reasons.
    pub fn answer_push(
        &self,
        id: u64,
        decision: Decision,
        ctx: &PushContext<'_>,
    ) -> Result<AnswerOutcome, PushError> {
        let row = self
            .inner
            .store()?
            .read(|tx| tx.challenge(id))?
            .ok_or(PushError::NoSuchChallenge { id })?;
        let token = self.token_of(&row)?;
        if token.state != TokenState::Enrolled {
            return Err(PushError::NeedsReenrolment { id: row.token_id });
        }
        let mut stored = self.open_challenge(&row, &token.serial)?;
        let options = stored.challenge.presence_options.clone();
        let decision = match decision {
            Decision::Approve { presence } => {
                match (&presence, options.is_empty()) {
                    (None, false) => return Err(PushError::PresenceRequired { options }),
                    (Some(answer), false) if !options.contains(answer) => {
                        return Err(PushError::NotAnOption);
                    }
                    (Some(_), true) => return Err(PushError::NotAnOption),
                    _ => {}
                }
                Decision::Approve { presence }
            }
            Decision::Decline { reason } => Decision::Decline {
                reason: reason.filter(|_| stored.challenge.decline_reason),
            },
        };
        let outcome_of = |decision: &Decision, display_code: Option<String>| match decision {
            Decision::Approve { .. } => AnswerOutcome::Approved { display_code },
            Decision::Decline { .. } => AnswerOutcome::Declined,
        };
        match row.state {
            ANSWERED if stored.decision.as_ref() == Some(&decision) => {
                return Ok(outcome_of(&decision, stored.display_code));
            }
            ANSWERED => return Err(PushError::AlreadyAnswered),
            CLOSED => return Err(PushError::ChallengeClosed),
            SENDING if stored.decision.as_ref() != Some(&decision) => {
                return Err(PushError::AlreadyAnswered);
            }
            OPEN if ctx.now >= row.expires_at => return Err(PushError::Expired),
            _ => {}
        }
        let endpoint = transport::endpoint(
            &stored.challenge.url,
            stored.challenge.sslverify,
            &ctx.policy,
        )?;
        let was_sending = row.state == SENDING;
        stored.decision = Some(decision.clone());
        if !was_sending {
            self.set_challenge(&row, SENDING, &stored)?;
        }
        let nonce = stored.challenge.nonce.clone();
        let signed = protocol::answer_signed_string(&nonce, &token.serial, &decision);
        let signature = self
            .inner
            .services
            .keystore
            .sign(&token.key_alias, signed.as_bytes())
            .map_err(PushError::Keystore)?;
        let body = protocol::answer_form(
            &nonce,
            &token.serial,
            &decision,
            &rsa::encode_signature(&signature),
        );
        let response = send(
            ctx,
            Method::Post,
            endpoint.url.to_string(),
            endpoint.verify_tls,
            body,
        )?;
        let reply = match protocol::answer_reply(&response) {
            Ok(reply) => reply,
            Err(protocol::ReplyError::Refused {
                status,
                code,
                message,
            }) => {
                // The server refuses the answer itself (unknown token there,
                // …): nothing to retry.
                self.set_challenge(&row, CLOSED, &stored)?;
                return Err(PushError::Server {
                    status,
                    code,
                    message,
                });
            }
            Err(e) => return Err(e.into()),
        };
        if reply.accepted {
            stored.display_code = reply.display_code.clone();
            self.set_challenge(&row, ANSWERED, &stored)?;
            return Ok(outcome_of(&decision, reply.display_code));
        }
        if matches!(decision, Decision::Approve { presence: Some(_) }) {
            // privacyIDEA keeps the challenge open after a wrong option.
            stored.decision = None;
            self.set_challenge(&row, OPEN, &stored)?;
            return Err(PushError::WrongPresenceAnswer);
        }
        self.set_challenge(&row, CLOSED, &stored)?;
        Err(PushError::ChallengeClosed)
    }
}
