//! A new push-notification registration token (Firebase; iOS apps pass the
//! Firebase token too, not the raw APNs token) sent to the server of every
//! enrolled push token, signed `new_fb_token|serial|timestamp` by the token's
//! device key (privacyIDEA's `new_fb_token` request). The new token is
//! remembered in each token record, marked not sent, before anything goes
//! out; a token whose server fails keeps that mark and is sent again by
//! [`Session::retry_push_registration`] and at the start of every poll.

use crate::push::protocol;
use crate::push::token::{PushToken, TokenState};
use crate::push::transport;
use crate::vault::{Session, VaultError};

use super::context::PushContext;
use super::error::PushError;

/// The longest registration token accepted (Firebase's are about 160
/// characters; a token record field holds at most 64 KiB).
pub const MAX_REGISTRATION_TOKEN_LEN: usize = 4096;

/// What sending the registration token to one push token's server gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUpdate {
    /// The push token's id.
    pub token_id: u64,
    /// The server's serial of the token.
    pub serial: String,
    /// `Ok` once the server has confirmed the new registration token; an
    /// error leaves it to be sent again later (the token is kept as it is).
    pub result: Result<(), PushError>,
}

impl Session {
    /// Sends a new push-notification registration token to the server of
    /// every enrolled push token. It is first stored with every token, marked
    /// not sent; each confirmed send clears that mark. A server that fails is
    /// reported in its token's result and sent again by
    /// [`Session::retry_push_registration`] or the next poll; nothing is
    /// deleted. An empty or oversized token is refused before anything is
    /// stored.
    pub fn update_push_registration(
        &self,
        registration_token: &str,
        ctx: &PushContext<'_>,
    ) -> Result<Vec<TokenUpdate>, PushError> {
        if registration_token.is_empty()
            || registration_token.len() > MAX_REGISTRATION_TOKEN_LEN
            || registration_token.chars().any(char::is_control)
        {
            return Err(VaultError::InvalidInput(
                "the registration token is empty, too long or has control characters".into(),
            )
            .into());
        }
        self.write(|tx| {
            for (id, mut token) in self.tokens_in(tx)? {
                if token.state != TokenState::Enrolled {
                    continue;
                }
                token.notification_token = registration_token.to_owned();
                token.notification_pending = true;
                self.put_token(tx, id, &token)?;
            }
            Ok::<_, VaultError>(())
        })?;
        self.retry_push_registration(ctx)
    }

    /// Sends the registration token again to every enrolled push token whose
    /// server has not confirmed it yet; one result per token tried.
    pub fn retry_push_registration(
        &self,
        ctx: &PushContext<'_>,
    ) -> Result<Vec<TokenUpdate>, PushError> {
        let mut out = Vec::new();
        for (id, token) in self.tokens()? {
            if token.state != TokenState::Enrolled || !token.notification_pending {
                continue;
            }
            let result = self.send_registration(&token, ctx);
            if result.is_ok() {
                self.mark_registration_sent(id, &token)?;
            }
            out.push(TokenUpdate {
                token_id: id,
                serial: token.serial.clone(),
                result,
            });
        }
        Ok(out)
    }

    /// Signs `new_fb_token|serial|timestamp` and posts it to the token's URL.
    fn send_registration(&self, token: &PushToken, ctx: &PushContext<'_>) -> Result<(), PushError> {
        let endpoint = transport::endpoint(&token.url, token.sslverify, &ctx.policy)?;
        let timestamp = crate::push::time::iso8601(ctx.now);
        let signed = protocol::registration_update_signed_string(
            &token.notification_token,
            &token.serial,
            &timestamp,
        );
        let signature = self.sign_for(token, &signed)?;
        let body = protocol::form(&[
            ("new_fb_token", &token.notification_token),
            ("serial", &token.serial),
            ("timestamp", &timestamp),
            ("signature", &signature),
        ]);
        let response = ctx.post(&endpoint, body)?;
        if protocol::answer_reply(&response)?.accepted {
            Ok(())
        } else {
            Err(PushError::UnexpectedReply(
                "the server did not accept the registration token",
            ))
        }
    }

    /// Clears the not-sent mark, unless the record changed meanwhile (a newer
    /// registration token, a new enrolment): then that one is still to send.
    fn mark_registration_sent(&self, id: u64, sent: &PushToken) -> Result<(), VaultError> {
        self.write(|tx| {
            let Some((_, mut now)) = self.tokens_in(tx)?.into_iter().find(|(i, _)| *i == id) else {
                return Ok(());
            };
            if now.notification_pending
                && now.notification_token == sent.notification_token
                && now.key_alias == sent.key_alias
            {
                now.notification_pending = false;
                self.put_token(tx, id, &now)?;
            }
            Ok(())
        })
    }
}
