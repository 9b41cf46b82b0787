//! The phone's signatures: every message a push server checks (a poll, an
//! answer, a registration-token update) is signed with the token's device
//! key in the platform keystore (RSASSA-PKCS1-v1_5, SHA-256) and sent as the
//! base32 privacyIDEA reads. The keystore alone signs: no vault key is
//! involved, which is what lets a locked vault poll and decline.

use crate::crypto::rsa;
use crate::push::token::PushToken;
use crate::vault::{Services, Session};

use super::error::PushError;

/// `message` signed with `token`'s device key by the keystore of `services`,
/// encoded for the server.
pub(super) fn sign_for(
    services: &Services,
    token: &PushToken,
    message: &str,
) -> Result<String, PushError> {
    let signature = services
        .keystore
        .sign(&token.key_alias, message.as_bytes())
        .map_err(PushError::Keystore)?;
    Ok(rsa::encode_signature(&signature))
}

impl Session {
    /// `message` signed with `token`'s device key, encoded for the server.
    pub(super) fn sign_for(&self, token: &PushToken, message: &str) -> Result<String, PushError> {
        sign_for(self.services(), token, message)
    }
}
