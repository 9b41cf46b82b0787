//! The phone's signatures: every message a push server checks (a poll, an
//! answer, a registration-token update) is signed with the token's device
//! key in the platform keystore (RSASSA-PKCS1-v1_5, SHA-256) and sent as the
//! base32 privacyIDEA reads.

use crate::crypto::rsa;
use crate::push::token::PushToken;
use crate::vault::Session;

use super::error::PushError;

impl Session {
    /// `message` signed with `token`'s device key, encoded for the server.
    pub(super) fn sign_for(&self, token: &PushToken, message: &str) -> Result<String, PushError> {
        let signature = self
            .services()
            .keystore
            .sign(&token.key_alias, message.as_bytes())
            .map_err(PushError::Keystore)?;
        Ok(rsa::encode_signature(&signature))
    }
}
