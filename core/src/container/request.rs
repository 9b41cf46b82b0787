//! The one place container requests go out: address rules, the form POST,
//! a fresh challenge, signatures by the container's key, and the server's
//! refusals turned into what the app can act on.

use crate::push::PushContext;
use crate::push::protocol::{ReplyError, form};
use crate::push::transport::{self, HttpRequest, HttpResponse, Method};
use crate::secret::SecretString;
use crate::vault::Session;

use super::error::ContainerError;
use super::protocol::{self, CHALLENGE, ServerChallenge, endpoint_url, signed_message};
use super::record::ContainerRecord;

/// privacyIDEA's `ContainerNotRegistered`.
pub(super) const NOT_REGISTERED: i64 = 3001;
/// privacyIDEA's `ContainerInvalidChallenge` (bad signature, used or expired
/// challenge, wrong passphrase, or a phone replaced by a rollover).
pub(super) const INVALID_CHALLENGE: i64 = 3002;
/// privacyIDEA's `PolicyError`.
pub(super) const POLICY: i64 = 303;

/// POSTs `pairs` as a form to `endpoint` of the server at `base`.
pub(super) fn post(
    ctx: &PushContext<'_>,
    base: &str,
    ssl_verify: bool,
    endpoint: &str,
    pairs: &[(&str, &str)],
) -> Result<HttpResponse, ContainerError> {
    let target = transport::endpoint(&endpoint_url(base, endpoint), ssl_verify, &ctx.policy)?;
    let request = HttpRequest {
        method: Method::Post,
        url: target.url.to_string(),
        body: form(pairs),
        verify_tls: target.verify_tls,
        timeout: ctx.policy.timeout,
    };
    Ok(ctx.transport.send(&request)?)
}

/// The privacyIDEA error code of a refusal, if it is one.
pub(super) fn code_of(e: &ReplyError) -> Option<i64> {
    match e {
        ReplyError::Refused { code, .. } => *code,
        ReplyError::Unexpected(_) => None,
    }
}

impl Session {
    /// A fresh challenge for the operation at `scope` (a full URL).
    pub(super) fn container_challenge(
        &self,
        id: u64,
        record: &ContainerRecord,
        scope: &str,
        ctx: &PushContext<'_>,
    ) -> Result<ServerChallenge, ContainerError> {
        let response = post(
            ctx,
            &record.url,
            record.ssl_verify,
            CHALLENGE,
            &[("container_serial", &record.serial), ("scope", scope)],
        )?;
        protocol::challenge_reply(&response).map_err(|e| match code_of(&e) {
            Some(NOT_REGISTERED) => ContainerError::NotRegisteredHere { id },
            _ => e.into(),
        })
    }

    /// A signed request to `endpoint` of the container's server: a fresh
    /// challenge for it, the message `nonce|time|serial|scope` with `signed`
    /// appended (each after a `|`), signed with the container's key, and
    /// POSTed with `container_serial`, `signature` and `pairs` (the values of
    /// `signed` among them, as the server rebuilds the message from them).
    pub(super) fn signed_request(
        &self,
        id: u64,
        record: &ContainerRecord,
        endpoint: &str,
        signed: &[&str],
        pairs: &[(&str, &str)],
        ctx: &PushContext<'_>,
    ) -> Result<HttpResponse, ContainerError> {
        let scope = endpoint_url(&record.url, endpoint);
        let challenge = self.container_challenge(id, record, &scope, ctx)?;
        let message = signed_message(
            &[
                challenge.nonce.expose(),
                &challenge.time_stamp,
                &record.serial,
                &scope,
            ],
            &[],
            signed,
        );
        let signature = self.container_signature(&record.key_alias, &message)?;
        let mut all: Vec<(&str, &str)> = vec![
            ("container_serial", &record.serial),
            ("signature", &signature),
        ];
        all.extend_from_slice(pairs);
        post(ctx, &record.url, record.ssl_verify, endpoint, &all)
    }

    /// Signs `message` with the container key `alias`: ECDSA P-384 over
    /// SHA-256, DER, base64url with padding.
    pub(super) fn container_signature(
        &self,
        alias: &str,
        message: &SecretString,
    ) -> Result<String, ContainerError> {
        let der = self
            .services()
            .keystore
            .sign_ecdsa(alias, message.expose().as_bytes())?;
        Ok(protocol::b64(&der))
    }
}
