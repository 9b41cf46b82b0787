//! Answering a challenge: approve (with the number-matching pick when asked)
//! or decline. The decision is committed before it is signed and sent, so a
//! crash or a network failure leaves it retryable with that decision only.

use crate::crypto::rsa;
use crate::push::protocol::{self, Decision};
use crate::push::token::TokenState;
use crate::push::transport::{self, Method};
use crate::vault::{Session, VaultError};

use super::context::PushContext;
use super::error::PushError;
use super::info::AnswerOutcome;
use super::stored::{ANSWERED, CLOSED, OPEN, SENDING};

impl Session {
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
            .services()
            .keystore
            .sign(&token.key_alias, signed.as_bytes())
            .map_err(PushError::Keystore)?;
        let body = protocol::answer_form(
            &nonce,
            &token.serial,
            &decision,
            &rsa::encode_signature(&signature),
        );
        let response = ctx.send(
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
