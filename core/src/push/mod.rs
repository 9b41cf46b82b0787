//! Push approval with privacyIDEA push tokens: enrolment from an
//! `otpauth://pipush/` code, challenges from polling or a push notification,
//! verified before anything is shown, and signed answers (approve, approve with
//! a presence answer, decline with a reason).
//!
//! - [`crate::crypto::rsa`]: the signatures (RSA PKCS#1 v1.5, SHA-256, base32 on the wire).
//! - [`protocol`]: what is signed and sent, and how answers are read.
//! - [`transport`]: the HTTP transport trait and the server address rules.
//! - `http` (feature `http`, on by default): the Rust transport (ureq over
//!   rustls) for the CLI and tests.
//! - [`token`]: the stored token and challenge records.
//! - [`time`]: ISO 8601 timestamps.
//!
//! The operations themselves work on an unlocked vault:
//! [`crate::vault::Session::enrol_push`], `poll_push`, `receive_push`,
//! `push_challenges`, `answer_push`. The protocol is described as observed in
//! `docs/push.md`.

#[cfg(feature = "http")]
pub mod http;
pub mod protocol;
pub mod time;
pub mod token;
pub mod transport;

#[cfg(test)]
mod tests;

pub use protocol::{Challenge, ChallengeError, ChallengeFields, Decision, DeclineReason};
pub use token::{PushToken, TokenState};
pub use transport::{
    AddressError, ConnectionPolicy, HttpRequest, HttpResponse, HttpTransport, Method,
    TransportError,
};

use crate::vault::{KeystoreError, VaultError};

/// RSA key size of new device keys. privacyIDEA accepts 2048 and 4096; 3072
/// bits give ≈128-bit security (NIST SP 800-57: good beyond 2030) and are
/// generated in a fraction of 4096's time on a phone. Measured by
/// `cargo bench -p vakt-core --bench push_keygen` (docs/performance.md).
pub const DEVICE_KEY_BITS: u32 = 3072;

/// Seconds a challenge stays answerable after it was first received. privacyIDEA
/// keeps challenges open for 120 s by default and sends no timestamp, so this
/// bound counts from first sight.
pub const CHALLENGE_LIFETIME: u64 = 120;

/// Days a challenge's nonce is remembered (to recognise replays) after it was
/// received.
pub const REMEMBER_NONCES_DAYS: u64 = 90;

/// Everything that can go wrong with push, one variant per thing to act on.
/// Messages carry no secret and no account names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// The server address is refused by the address rules.
    #[error("{0}")]
    Address(AddressError),
    /// The server could not be reached or did not answer.
    #[error("{0}")]
    Network(TransportError),
    /// The server answered with an error.
    #[error("the push server refused (HTTP {status}{}): {message}", code.map(|c| format!(", error {c}")).unwrap_or_default())]
    Server {
        /// HTTP status.
        status: u16,
        /// privacyIDEA's error code, if it gave one.
        code: Option<i64>,
        /// The server's explanation (server text, shortened).
        message: String,
    },
    /// The server's answer is not what privacyIDEA sends.
    #[error("the push server's answer is not understood ({0})")]
    UnexpectedReply(&'static str),
    /// A challenge was malformed or its signature does not verify; nothing of
    /// it was stored or shown.
    #[error("{0}")]
    Challenge(ChallengeError),
    /// A challenge names a token that is not in the vault (or not enrolled).
    #[error("the challenge is for a push token this vault does not have")]
    UnknownToken,
    /// The token must be enrolled again (restored from a backup, or its
    /// enrolment was interrupted).
    #[error("push token #{id} must be enrolled again (scan a new enrolment code)")]
    NeedsReenrolment {
        /// The token's id.
        id: u64,
    },
    /// No challenge with this id.
    #[error("no push challenge #{id}")]
    NoSuchChallenge {
        /// The id asked for.
        id: u64,
    },
    /// The challenge is too old to answer.
    #[error("the challenge has expired")]
    Expired,
    /// The challenge was already answered (a replay, or a second answer).
    #[error("the challenge was already answered")]
    AlreadyAnswered,
    /// The challenge has a presence check: one of its options must be given.
    #[error("pick the option the login screen shows: one of {}", options.join(", "))]
    PresenceRequired {
        /// The options to pick from.
        options: Vec<String>,
    },
    /// The presence answer is not one of the challenge's options.
    #[error("that answer is not one of the offered options")]
    NotAnOption,
    /// The server says the presence answer is wrong; the challenge stays open.
    #[error("wrong answer: it is not the one the login screen shows (the challenge is still open)")]
    WrongPresenceAnswer,
    /// The server no longer has this challenge open (answered elsewhere,
    /// expired there, or an earlier attempt of ours went through).
    #[error("the server no longer has this challenge open")]
    ChallengeClosed,
    /// The device keystore failed.
    #[error("{0}")]
    Keystore(KeystoreError),
    /// The vault failed (storage, damaged record, duplicate token, …).
    #[error("{0}")]
    Vault(VaultError),
}

impl From<VaultError> for PushError {
    fn from(e: VaultError) -> Self {
        PushError::Vault(e)
    }
}

impl From<crate::vault::StoreError> for PushError {
    fn from(e: crate::vault::StoreError) -> Self {
        PushError::Vault(e.into())
    }
}

impl From<AddressError> for PushError {
    fn from(e: AddressError) -> Self {
        PushError::Address(e)
    }
}

impl From<TransportError> for PushError {
    fn from(e: TransportError) -> Self {
        PushError::Network(e)
    }
}

impl From<ChallengeError> for PushError {
    fn from(e: ChallengeError) -> Self {
        PushError::Challenge(e)
    }
}

impl From<protocol::ReplyError> for PushError {
    fn from(e: protocol::ReplyError) -> Self {
        match e {
            protocol::ReplyError::Refused {
                status,
                code,
                message,
            } => PushError::Server {
                status,
                code,
                message,
            },
            protocol::ReplyError::Unexpected(what) => PushError::UnexpectedReply(what),
        }
    }
}

/// What a push operation needs from outside: the network and the time.
#[derive(Clone, Copy)]
pub struct PushContext<'a> {
    /// The HTTP transport.
    pub transport: &'a dyn HttpTransport,
    /// Address rules and time-out.
    pub policy: ConnectionPolicy,
    /// Now (Unix seconds, from the injected clock).
    pub now: u64,
}

impl std::fmt::Debug for PushContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushContext")
            .field("policy", &self.policy)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}
