//! Answering a challenge: approve (with the number-matching pick when asked)
//! or decline. The decision is committed before it is signed and sent, so a
//! crash or a network failure leaves it retryable with that decision only.

use crate::push::protocol::{self, Decision};
use crate::push::token::{PushToken, StoredChallenge, TokenState};
use crate::push::transport;
use crate::store::ChallengeRow;
use crate::vault::{Session, VaultError};

use super::context::PushContext;
use super::error::PushError;
use super::info::AnswerOutcome;
use super::stored::{ANSWERED, CLOSED, SENDING};

impl Session {
    /// Answers challenge `id`. The decision is committed before it is sent
    /// (checked and claimed in one transaction, so of two answers at once only
    /// one is sent); if sending fails, calling again with the same decision
    /// retries it, and a different decision is refused. With a presence check,
    /// `Approve` must carry one of the offered options; a wrong one (per the
    /// server) **declines** the sign-in (`WrongPresenceAnswer`). A decline
    /// reason is sent only to servers that accept reasons.
    pub fn answer_push(
        &self,
        id: u64,
        decision: Decision,
        ctx: &PushContext<'_>,
    ) -> Result<AnswerOutcome, PushError> {
        let row = self
            .read(|tx| Ok::<_, VaultError>(tx.challenge(id)?))?
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
        let endpoint = transport::endpoint(
            &stored.challenge.url,
            stored.challenge.sslverify,
            &ctx.policy,
        )?;
        // Check and claim in one write transaction: of two answers at once
        // (a decline from the notification, an approval in the app; two
        // processes), exactly one is signed and sent.
        match self.claim(&row, &token.serial, &decision, ctx.now)? {
            Claim::Send(claimed) => stored = claimed,
            Claim::Done(display_code) => return Ok(outcome_of(&decision, display_code)),
        }
        let reply = match self.send_answer(&stored, &token, &decision, &endpoint, ctx)? {
            Ok(reply) => reply,
            Err(refused) => {
                // The server refuses the answer itself (unknown token there,
                // …): nothing to retry.
                self.set_challenge(&row, CLOSED, &stored)?;
                return Err(refused);
            }
        };
        if reply.accepted {
            stored.display_code = reply.display_code.clone();
            self.set_challenge(&row, ANSWERED, &stored)?;
            return Ok(outcome_of(&decision, reply.display_code));
        }
        if matches!(decision, Decision::Approve { presence: Some(_) }) {
            // A wrong number-matching pick. privacyIDEA would keep the
            // challenge open, so a coached or tired user could try every
            // option; like Okta Verify and Microsoft Authenticator, the
            // sign-in is declined instead (committed, then sent; a failed
            // send is retried by declining again).
            let decline = Decision::Decline { reason: None };
            stored.decision = Some(decline.clone());
            self.set_challenge(&row, SENDING, &stored)?;
            if let Ok(Ok(reply)) = self.send_answer(&stored, &token, &decline, &endpoint, ctx) {
                let state = if reply.accepted { ANSWERED } else { CLOSED };
                self.set_challenge(&row, state, &stored)?;
            }
            return Err(PushError::WrongPresenceAnswer);
        }
        self.set_challenge(&row, CLOSED, &stored)?;
        Err(PushError::ChallengeClosed)
    }

    /// Takes the right to send `decision` for the challenge of `row`, in one
    /// write transaction that re-reads its state: an open challenge becomes
    /// *sending* with this decision; one already sending this decision is
    /// sent again (a retry); one already answered this way is done; anything
    /// else is refused.
    pub(super) fn claim(
        &self,
        row: &ChallengeRow,
        serial: &str,
        decision: &Decision,
        now: u64,
    ) -> Result<Claim, PushError> {
        self.write(|tx| {
            let row = tx
                .challenge(row.id)?
                .ok_or(PushError::NoSuchChallenge { id: row.id })?;
            let mut stored = self.open_challenge(&row, serial)?;
            match row.state {
                ANSWERED if stored.decision.as_ref() == Some(decision) => {
                    return Ok(Claim::Done(stored.display_code));
                }
                ANSWERED => return Err(PushError::AlreadyAnswered),
                CLOSED => return Err(PushError::ChallengeClosed),
                SENDING if stored.decision.as_ref() == Some(decision) => {
                    return Ok(Claim::Send(stored));
                }
                SENDING => return Err(PushError::AlreadyAnswered),
                _ if now >= row.expires_at => return Err(PushError::Expired),
                _ => {}
            }
            stored.decision = Some(decision.clone());
            let sealed = self.seal_challenge(row.token_id, &stored)?;
            tx.update_challenge(row.id, SENDING, &sealed)?;
            Ok(Claim::Send(stored))
        })
    }

    /// Signs and sends `decision`: the server's reply, or (inner `Err`) its
    /// refusal of the answer itself.
    fn send_answer(
        &self,
        stored: &StoredChallenge,
        token: &PushToken,
        decision: &Decision,
        endpoint: &transport::Endpoint,
        ctx: &PushContext<'_>,
    ) -> Result<Result<protocol::AnswerReply, PushError>, PushError> {
        let nonce = &stored.challenge.nonce;
        let signed = protocol::answer_signed_string(nonce, &token.serial, decision);
        let signature = self.sign_for(token, &signed)?;
        let body = protocol::answer_form(nonce, &token.serial, decision, &signature);
        let response = ctx.post(endpoint, body)?;
        match protocol::answer_reply(&response) {
            Ok(reply) => Ok(Ok(reply)),
            Err(protocol::ReplyError::Refused {
                status,
                code,
                message,
            }) => Ok(Err(PushError::Server {
                status,
                code,
                message,
            })),
            Err(e) => Err(e.into()),
        }
    }
}

/// What [`Session::claim`] decided.
pub(super) enum Claim {
    /// Send the answer (the challenge as now stored, decision included).
    Send(StoredChallenge),
    /// Already answered this way: the display code the server gave.
    Done(Option<String>),
}
