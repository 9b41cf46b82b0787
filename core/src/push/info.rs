//! What push operations return: tokens and challenges as listed and shown,
//! enrolment options, poll reports and answer outcomes.

use crate::push::protocol::{Challenge, Decision};
use crate::push::token::{PushToken, TokenState};

use super::error::PushError;
use super::rules::DEVICE_KEY_BITS;

/// A push token as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushTokenInfo {
    /// Id within the vault (shared with account ids).
    pub id: u64,
    /// The server's serial.
    pub serial: String,
    /// The label shown.
    pub label: String,
    /// The issuer shown.
    pub issuer: String,
    /// The server's push URL.
    pub url: String,
    /// Where it stands.
    pub state: TokenState,
    /// When it was enrolled (Unix seconds; 0 if it never was here).
    pub enrolled_at: u64,
    /// The server asks that the app be unlocked before answering.
    pub require_app_pin: bool,
    /// The server sends no notifications; the app must poll.
    pub poll_only: bool,
}

impl PushTokenInfo {
    pub(super) fn new(id: u64, token: &PushToken) -> Self {
        Self {
            id,
            serial: token.serial.clone(),
            label: token.label.clone(),
            issuer: token.issuer.clone(),
            url: token.url.clone(),
            state: token.state,
            enrolled_at: token.enrolled_at,
            require_app_pin: token.require_app_pin,
            poll_only: token.poll_only,
        }
    }

    /// `issuer: label`, or the label alone.
    pub fn display_name(&self) -> String {
        crate::push::token::display_name(&self.issuer, &self.label)
    }
}

/// Where a challenge stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChallengeState {
    /// Waiting for the user.
    Open,
    /// An answer was committed but not confirmed by the server (retry it).
    Sending(Decision),
    /// Answered and confirmed.
    Answered(Decision),
    /// The server no longer had it open.
    Closed,
}

/// A verified challenge as shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushChallengeInfo {
    /// Local id (what `answer_push` takes).
    pub id: u64,
    /// The token it is for.
    pub token_id: u64,
    /// The token's display name.
    pub account: String,
    /// The challenge itself (title, question, presence options, …).
    pub challenge: Challenge,
    /// When it was first received (Unix seconds).
    pub received_at: u64,
    /// When it stops being answerable here (Unix seconds).
    pub expires_at: u64,
    /// Where it stands.
    pub state: ChallengeState,
    /// The code the server gave to show after approval, if any.
    pub display_code: Option<String>,
}

/// Choices at enrolment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolOptions {
    /// The platform's push-notification token (Firebase); empty to poll only.
    pub notification_token: String,
    /// RSA size of the device key.
    pub key_bits: u32,
}

impl Default for EnrolOptions {
    fn default() -> Self {
        Self {
            notification_token: String::new(),
            key_bits: DEVICE_KEY_BITS,
        }
    }
}

/// A poll's result: the open challenges of every token, and what failed.
#[derive(Debug, Default)]
pub struct PollReport {
    /// Every open challenge (new and earlier), oldest first.
    pub challenges: Vec<PushChallengeInfo>,
    /// How many new challenges this poll brought.
    pub new: usize,
    /// Per token, why polling it failed or what was refused (forged or
    /// malformed challenges are refused and not stored).
    pub problems: Vec<(u64, PushError)>,
}

/// What an answer achieved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Approved; show `display_code` if the server sent one (the user types it
    /// on the login screen).
    Approved {
        /// The code to show, if any.
        display_code: Option<String>,
    },
    /// Declined.
    Declined,
}
