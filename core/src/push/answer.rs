//! Answering a challenge: approve (with the number-matching pick when asked)
//! or decline. The decision is committed before it is signed and sent, so a
//! crash or a network failure leaves it retryable with that decision only.
//! One code path, locked or not ([`Access`]): declining needs only the
//! device keystore (which signs); approving needs an unlocked vault unless
//! approving while locked was turned on (`locked`).

use crate::push::protocol::{self, Decision};
use crate::push::token::{PushToken, TokenState};
use crate::push::transport;
use crate::store::ChallengeRow;
use crate::vault::{Session, VaultError};

use super::context::PushContext;
use super::error::PushError;
use super::info::AnswerOutcome;
use super::signing::sign_for;
use super::stored::{ANSWERED, Access, Answer, CLOSED, Loaded, SENDING};

impl Access<'_> {
    /// Answers challenge `id` (see [`Session::answer_push`]).
    pub(super) fn answer(
        &self,
        id: u64,
        decision: Decision,
        ctx: &PushContext<'_>,
    ) -> Result<AnswerOutcome, PushError> {
        let row = self
            .device
            .read(|tx| Ok::<_, VaultError>(tx.challenge(id)?))?
            .ok_or(PushError::NoSuchChallenge { id })?;
        let token = self.token_of(&row)?;
        if token.state != TokenState::Enrolled {
            return Err(PushError::NeedsReenrolment { id: row.token_id });
        }
        let loaded = self
            .device
            .read(|tx| self.load_in(tx, &row, &token.serial))?;
        let options = loaded.challenge.presence_options.clone();
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
                if self.session.is_none()
                    && (token.require_app_pin || !self.approve_when_locked()?)
                {
                    return Err(PushError::VerificationRequired);
                }
                Decision::Approve { presence }
            }
            Decision::Decline { reason } => Decision::Decline {
                reason: reason.filter(|_| loaded.challenge.decline_reason),
            },
        };
        let outcome_of = |decision: &Decision, display_code: Option<String>| match decision {
            Decision::Approve { .. } => AnswerOutcome::Approved { display_code },
            Decision::Decline { .. } => AnswerOutcome::Declined,
        };
        let endpoint = transport::endpoint(
            &loaded.challenge.url,
            loaded.challenge.sslverify,
            &ctx.policy,
        )?;
        // Check and claim in one write transaction: of two answers at once
        // (a decline from the notification, an approval in the app; two
        // processes), exactly one is signed and sent.
        let loaded = match self.claim(&row, &token.serial, &decision, ctx.now)? {
            Claim::Send(claimed) => claimed,
            Claim::Done(display_code) => return Ok(outcome_of(&decision, display_code)),
        };
        let reply = match self.send_answer(&loaded, &token, &decision, &endpoint, ctx)? {
            Ok(reply) => reply,
            Err(refused) => {
                // The server refuses the answer itself (unknown token there,
                // …): nothing to retry.
                self.set_answer(&row, CLOSED, &decision, None)?;
                return Err(refused);
            }
        };
        if reply.accepted {
            self.set_answer(&row, ANSWERED, &decision, reply.display_code.as_deref())?;
            return Ok(outcome_of(&decision, reply.display_code));
        }
        if matches!(decision, Decision::Approve { presence: Some(_) }) {
            // A wrong number-matching pick. privacyIDEA would keep the
            // challenge open, so a coached or tired user could try every
            // option; like Okta Verify and Microsoft Authenticator, the
            // sign-in is declined instead (committed, then sent; a failed
            // send is retried by declining again).
            let decline = Decision::Decline { reason: None };
            self.set_answer(&row, SENDING, &decline, None)?;
            if let Ok(Ok(reply)) = self.send_answer(&loaded, &token, &decline, &endpoint, ctx) {
                let state = if reply.accepted { ANSWERED } else { CLOSED };
                self.set_answer(&row, state, &decline, None)?;
            }
            return Err(PushError::WrongPresenceAnswer);
        }
        self.set_answer(&row, CLOSED, &decision, None)?;
        Err(PushError::ChallengeClosed)
    }

    /// Takes the right to send `decision` for the challenge of `row`, in one
    /// write transaction that re-reads its state: an open challenge becomes
    /// *sending* with this decision; one already sending this decision is
    /// sent again (a retry); one already answered this way is done; anything
    /// else is refused (an approval given with the PIN counts as another
    /// decision while locked).
    pub(super) fn claim(
        &self,
        row: &ChallengeRow,
        serial: &str,
        decision: &Decision,
        now: u64,
    ) -> Result<Claim, PushError> {
        self.device.write(|tx| {
            let row = tx
                .challenge(row.id)?
                .ok_or(PushError::NoSuchChallenge { id: row.id })?;
            let mut loaded = self.load_in(tx, &row, serial)?;
            let same = loaded.answer.is(decision);
            match row.state {
                ANSWERED if same => {
                    return Ok(Claim::Done(match loaded.answer {
                        Answer::Given(_, code) => code,
                        _ => None,
                    }));
                }
                ANSWERED => return Err(PushError::AlreadyAnswered),
                CLOSED => return Err(PushError::ChallengeClosed),
                SENDING if same => return Ok(Claim::Send(loaded)),
                SENDING => return Err(PushError::AlreadyAnswered),
                _ if now >= row.expires_at => return Err(PushError::Expired),
                _ => {}
            }
            self.set_answer_in(tx, &row, SENDING, decision, None)?;
            loaded.answer = Answer::Given(decision.clone(), None);
            Ok(Claim::Send(loaded))
        })
    }

    /// Signs (with the device keystore alone) and sends `decision`: the
    /// server's reply, or (inner `Err`) its refusal of the answer itself.
    fn send_answer(
        &self,
        loaded: &Loaded,
        token: &PushToken,
        decision: &Decision,
        endpoint: &transport::Endpoint,
        ctx: &PushContext<'_>,
    ) -> Result<Result<protocol::AnswerReply, PushError>, PushError> {
        let nonce = &loaded.challenge.nonce;
        let signed = protocol::answer_signed_string(nonce, &token.serial, decision);
        let signature = sign_for(self.device.services(), token, &signed)?;
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
        self.push_access()?.answer(id, decision, ctx)
    }
}

/// What [`Access::claim`] decided.
pub(super) enum Claim {
    /// Send the answer (the challenge as now stored, decision included).
    Send(Loaded),
    /// Already answered this way: the display code the server gave.
    Done(Option<String>),
}
