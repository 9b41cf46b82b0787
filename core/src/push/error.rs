//! Why a push operation failed, one variant per thing to act on.

use crate::crypto::keystore::KeystoreError;
use crate::store::StoreError;
use crate::vault::VaultError;

use super::protocol::{self, ChallengeError};
use super::transport::{AddressError, TransportError};

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
    /// The server says the presence answer is wrong: the sign-in has been
    /// declined (a wrong pick is never retried, so guessing cannot approve).
    #[error(
        "wrong answer: it is not the one the login screen shows, so the sign-in was declined (sign in again if it was you)"
    )]
    WrongPresenceAnswer,
    /// The server no longer has this challenge open (answered elsewhere,
    /// expired there, or an earlier attempt of ours went through).
    #[error("the server no longer has this challenge open")]
    ChallengeClosed,
    /// Approving needs user verification (the PIN or biometric unlock): the
    /// vault is locked, and approving while locked is off (the default) or
    /// the token's server asks for the app to be unlocked. Declining needs
    /// none.
    #[error("approving needs the PIN (or biometric unlock); declining does not")]
    VerificationRequired,
    /// The vault's push records are from before push worked while locked:
    /// unlock it once (with the PIN) and they are upgraded.
    #[error("unlock the vault once with the PIN to answer push requests while it is locked")]
    UnlockOnce,
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

impl From<StoreError> for PushError {
    fn from(e: StoreError) -> Self {
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
