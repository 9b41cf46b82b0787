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
//! The operations work on an unlocked vault, through its sealed-record API
//! (the push layer sits above the vault): enrolment ([`enrol`]:
//! `Session::enrol_push`), challenges ([`challenges`]: `receive_push`,
//! `poll_push`, `push_challenges`), answers ([`answer`]: `answer_push`), a new
//! notification registration token ([`token_update`]:
//! `update_push_registration`, retried by `retry_push_registration` and each
//! poll), and
//! what the vault stores ([`stored`]). A locked vault receives, polls,
//! lists and declines without the PIN through the same code (`locked`:
//! `Vault::receive_push`, `poll_push`, `push_challenges`, `decline_push`),
//! on records kept under the device key; push records from before that are
//! upgraded on the first unlock (`upgrade`). Requests go out only through the
//! transport of a [`PushContext`]. The protocol is described as observed in
//! `docs/push.md`.

pub mod answer;
pub mod challenges;
pub mod context;
pub mod enrol;
pub mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod info;
mod locked;
pub mod protocol;
pub mod rules;
mod signing;
pub mod stored;
pub mod time;
pub mod token;
pub mod token_update;
pub mod transport;
mod upgrade;

#[cfg(test)]
mod tests;

pub use context::PushContext;
pub use error::PushError;
pub use info::{
    AnswerOutcome, ChallengeState, EnrolOptions, PollReport, PushChallengeInfo, PushTokenInfo,
};
pub use protocol::{Challenge, ChallengeError, ChallengeFields, Decision, DeclineReason};
pub use rules::{CHALLENGE_LIFETIME, DEVICE_KEY_BITS, REMEMBER_NONCES_DAYS};
pub use token::{PushToken, TokenState};
pub use token_update::TokenUpdate;
pub use transport::{
    AddressError, ConnectionPolicy, HttpRequest, HttpResponse, HttpTransport, Method,
    TransportError,
};
