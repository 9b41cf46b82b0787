//! A push token's life: enrolled from an `otpauth://pipush/` code — a device key from
//! the keystore, registration with the server, the token stored pending
//! before and enrolled after (a crash in between leaves it marked as needing
//! a new enrolment code) — and deleted with its device key.

use base64::Engine;

use crate::crypto::keystore::KeystoreError;
use crate::crypto::rsa;
use crate::provision::push_enrolment::PushEnrolment;
use crate::push::protocol;
use crate::push::token::{PushToken, TokenState};
use crate::push::transport;
use crate::rng::random_array;
use crate::vault::{Session, VaultError};

use super::context::PushContext;
use super::error::PushError;
use super::info::{EnrolOptions, PushTokenInfo};

impl Session {
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
        self.enrol_push_as(enrolment, ctx, options, false)
    }

    /// [`Session::enrol_push`] for a token its server issued anew (a
    /// container's synchronisation: a new secret for that serial, so the copy
    /// here no longer works): an enrolled token of the same serial is
    /// replaced too (same id).
    pub(crate) fn enrol_push_replacing(
        &self,
        enrolment: &PushEnrolment,
        ctx: &PushContext<'_>,
        options: &EnrolOptions,
    ) -> Result<PushTokenInfo, PushError> {
        self.enrol_push_as(enrolment, ctx, options, true)
    }

    fn enrol_push_as(
        &self,
        enrolment: &PushEnrolment,
        ctx: &PushContext<'_>,
        options: &EnrolOptions,
        replace_enrolled: bool,
    ) -> Result<PushTokenInfo, PushError> {
        let endpoint = transport::endpoint(&enrolment.url, enrolment.sslverify, &ctx.policy)?;
        let existing = self
            .tokens()?
            .into_iter()
            .find(|(_, t)| t.serial == enrolment.serial);
        if let Some((id, token)) = &existing
            && token.state == TokenState::Enrolled
            && !replace_enrolled
        {
            return Err(VaultError::Duplicate { id: *id }.into());
        }
        let rng = self.services().rng.as_ref();
        let suffix: [u8; 12] = random_array(rng).map_err(VaultError::from)?;
        let alias = format!(
            "vakt-push-{}",
            suffix
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let keystore = self.services().keystore.as_ref();
        let public = keystore
            .create_signing_key(&alias, options.key_bits)
            .map_err(PushError::Keystore)?;
        let spki = match rsa::normalize_public_key(&public) {
            Ok(spki) => spki,
            Err(_) => {
                let _ = keystore.delete_signing_key(&alias);
                return Err(PushError::Keystore(KeystoreError::Failed(
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
            notification_pending: false,
        };
        // Pending first: a crash from here on leaves a token that says so.
        let id = self.write(|tx| {
            let id = match &existing {
                Some((id, _)) => *id,
                None => tx.next_account_id()?,
            };
            self.put_token(tx, id, &token)?;
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
        let registered = ctx
            .post(&endpoint, body)
            .and_then(|response| Ok(protocol::registration_reply(&response)?));
        let server_key = match registered {
            Ok(key) => key,
            Err(e) => {
                // Undo: put back what was there (or nothing), drop the new key.
                self.write(|tx| {
                    match &existing {
                        Some((id, previous)) => self.put_token(tx, *id, previous)?,
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
        self.write(|tx| self.put_token(tx, id, &token))?;
        if let Some((_, previous)) = &existing
            && previous.key_alias != alias
        {
            let _ = keystore.delete_signing_key(&previous.key_alias);
        }
        Ok(PushTokenInfo::new(id, &token))
    }

    /// Deletes a push token, its challenges and its device key; `false` if no
    /// push token has this id.
    pub fn delete_push_token(&self, id: u64) -> Result<bool, VaultError> {
        let Some(alias) = self.write(|tx| self.delete_push_token_in(tx, id))? else {
            return Ok(false);
        };
        // The token is gone; a key left behind is harmless but useless.
        let _ = self.services().keystore.delete_signing_key(&alias);
        Ok(true)
    }
}
