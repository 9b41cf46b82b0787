//! Push approval (privacyIDEA push tokens): enrolment from a scanned code,
//! polling and push notifications, and signed answers. The network is the
//! platform's [`HttpTransport`]; the time is the vault's [`Clock`](crate::Clock).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use vakt_core::provision::{self, Provisioning};
use vakt_core::push::{AnswerOutcome, ChallengeState, EnrolOptions};
use vakt_core::push::{
    ChallengeFields, ConnectionPolicy, Decision, DeclineReason as CoreDeclineReason, PushContext,
    TokenState,
};
use zeroize::Zeroizing;

use crate::VaktError;
use crate::args::challenge_id;
use crate::convert::{id_out, time_out};
use crate::error::PushProblem;
use crate::platform::{ForeignTransport, HttpTransport};
use crate::scan::ScannedCode;
use crate::vault::Session;

/// Where a push token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PushTokenState {
    /// Enrolled: its login requests can be received and answered.
    Enrolled,
    /// Restored from a backup: its key is on the old device; scan a new
    /// enrolment code to use it here.
    NeedsReenrolment,
    /// The enrolment was interrupted (the app stopped before the server
    /// confirmed): scan a new enrolment code.
    Interrupted,
}

/// A push token as listed.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PushToken {
    /// Id within the vault (shared with account ids; `Session.delete` deletes it).
    pub id: i64,
    /// The server's serial.
    pub serial: String,
    /// The label shown.
    pub label: String,
    /// The issuer shown (may be empty).
    pub issuer: String,
    /// What to show for it: `issuer: label`, or the label alone.
    pub display_name: String,
    /// The server's push URL.
    pub url: String,
    /// Where it stands.
    pub state: PushTokenState,
    /// When it was enrolled on this device; none if it never was.
    pub enrolled_at: Option<SystemTime>,
    /// The server asks that the app be unlocked before answering.
    pub require_app_pin: bool,
    /// The server sends no notifications: the app must poll.
    pub poll_only: bool,
}

impl From<&vakt_core::push::PushTokenInfo> for PushToken {
    fn from(t: &vakt_core::push::PushTokenInfo) -> Self {
        Self {
            id: id_out(t.id),
            serial: t.serial.clone(),
            label: t.label.clone(),
            issuer: t.issuer.clone(),
            display_name: t.display_name(),
            url: t.url.clone(),
            state: match t.state {
                TokenState::Enrolled => PushTokenState::Enrolled,
                TokenState::NeedsReenrolment => PushTokenState::NeedsReenrolment,
                TokenState::Pending => PushTokenState::Interrupted,
            },
            enrolled_at: (t.enrolled_at > 0).then(|| time_out(t.enrolled_at)),
            require_app_pin: t.require_app_pin,
            poll_only: t.poll_only,
        }
    }
}

/// Why the user declined (privacyIDEA's vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum DeclineReason {
    /// The user did not start this login (possible attack).
    UnknownTrigger,
    /// The user started it but changed their mind.
    Cancelled,
}

impl From<DeclineReason> for CoreDeclineReason {
    fn from(r: DeclineReason) -> Self {
        match r {
            DeclineReason::UnknownTrigger => CoreDeclineReason::UnknownTrigger,
            DeclineReason::Cancelled => CoreDeclineReason::Cancelled,
        }
    }
}

impl From<CoreDeclineReason> for DeclineReason {
    fn from(r: CoreDeclineReason) -> Self {
        match r {
            CoreDeclineReason::UnknownTrigger => DeclineReason::UnknownTrigger,
            CoreDeclineReason::Cancelled => DeclineReason::Cancelled,
        }
    }
}

/// How a challenge was answered.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PushDecision {
    /// Approved, with the presence option picked (if the challenge had options).
    Approve {
        /// The option picked.
        presence_answer: Option<String>,
    },
    /// Declined, with the reason sent (if the server accepts reasons).
    Decline {
        /// Why.
        reason: Option<DeclineReason>,
    },
}

impl From<Decision> for PushDecision {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Approve { presence } => PushDecision::Approve {
                presence_answer: presence,
            },
            Decision::Decline { reason } => PushDecision::Decline {
                reason: reason.map(Into::into),
            },
        }
    }
}

/// Where a challenge stands.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PushChallengeState {
    /// Waiting for the user.
    Open,
    /// An answer was committed but the server did not confirm it: answer again
    /// with the same decision to retry (another decision is refused).
    Sending {
        /// The committed decision.
        decision: PushDecision,
    },
    /// Answered and confirmed.
    Answered {
        /// The decision.
        decision: PushDecision,
    },
    /// The server no longer had it open.
    Closed,
}

/// A verified login request, ready to show.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PushChallenge {
    /// Local id (what `approve_push` and `decline_push` take).
    pub id: i64,
    /// The push token it is for.
    pub token_id: i64,
    /// The token's display name (`issuer: label`).
    pub account: String,
    /// Title (e.g. the service).
    pub title: String,
    /// Question (e.g. "Log in to …?").
    pub question: String,
    /// Presence-check options (number matching), empty if none: the user
    /// picks the one the login screen shows.
    pub presence_options: Vec<String>,
    /// Approving needs one of `presence_options`.
    pub has_presence_check: bool,
    /// When it was first received here.
    pub received_at: SystemTime,
    /// When it stops being answerable here.
    pub expires_at: SystemTime,
    /// Where it stands.
    pub state: PushChallengeState,
    /// Whether a decline may carry a reason (the server accepts reasons).
    pub decline_reasons_supported: bool,
    /// The code the server gave to show after approval, if any.
    pub display_code: Option<String>,
}

impl From<vakt_core::push::PushChallengeInfo> for PushChallenge {
    fn from(c: vakt_core::push::PushChallengeInfo) -> Self {
        Self {
            id: id_out(c.id),
            token_id: id_out(c.token_id),
            account: c.account,
            title: c.challenge.title,
            question: c.challenge.question,
            has_presence_check: !c.challenge.presence_options.is_empty(),
            presence_options: c.challenge.presence_options,
            received_at: time_out(c.received_at),
            expires_at: time_out(c.expires_at),
            state: match c.state {
                ChallengeState::Open => PushChallengeState::Open,
                ChallengeState::Sending(d) => PushChallengeState::Sending { decision: d.into() },
                ChallengeState::Answered(d) => PushChallengeState::Answered { decision: d.into() },
                ChallengeState::Closed => PushChallengeState::Closed,
            },
            decline_reasons_supported: c.challenge.decline_reason,
            display_code: c.display_code,
        }
    }
}

/// What a poll found.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PushPollReport {
    /// Every challenge waiting for an answer (new and earlier), oldest first.
    pub challenges: Vec<PushChallenge>,
    /// How many of them this poll brought.
    pub new_count: u32,
    /// Per token, what failed (unreachable server, refused challenge, …); the
    /// other tokens were polled anyway.
    pub problems: Vec<PushProblem>,
}

impl From<vakt_core::push::PollReport> for PushPollReport {
    fn from(report: vakt_core::push::PollReport) -> Self {
        Self {
            challenges: report.challenges.into_iter().map(Into::into).collect(),
            new_count: u32::try_from(report.new).unwrap_or(u32::MAX),
            problems: report
                .problems
                .into_iter()
                .map(|(id, e)| PushProblem::new(id, e))
                .collect(),
        }
    }
}

/// What sending a new notification registration token to one push token's
/// server gave.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PushRegistrationUpdate {
    /// The push token.
    pub token_id: i64,
    /// Its serial.
    pub serial: String,
    /// Why its server did not take the new registration token (none: it
    /// did). The token is kept and the registration token sent again by the
    /// next poll.
    pub problem: Option<PushProblem>,
}

/// What a push call needs from outside: the platform's transport, the
/// address rules (loosened by `allow_insecure`), and the time `now`.
pub(crate) fn push_context(
    transport: &ForeignTransport,
    allow_insecure: bool,
    now: u64,
) -> PushContext<'_> {
    PushContext {
        transport,
        policy: ConnectionPolicy {
            allow_insecure,
            ..ConnectionPolicy::default()
        },
        now,
    }
}

impl Session {
    fn enrol(
        &self,
        provisioning: &Provisioning,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        notification_token: Option<String>,
    ) -> Result<PushToken, VaktError> {
        let Provisioning::Push(enrolment) = provisioning else {
            return Err(VaktError::InvalidInput {
                message: "not a push token enrolment code".into(),
            });
        };
        let transport = ForeignTransport(transport);
        let ctx = push_context(&transport, allow_insecure, self.now());
        let options = EnrolOptions {
            notification_token: notification_token.unwrap_or_default(),
            ..EnrolOptions::default()
        };
        self.with(|s| s.enrol_push(enrolment, &ctx, &options))
            .map(|t| PushToken::from(&t))
    }

    fn answer(
        &self,
        id: i64,
        decision: Decision,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
    ) -> Result<AnswerOutcome, VaktError> {
        let transport = ForeignTransport(transport);
        let ctx = push_context(&transport, allow_insecure, self.now());
        let id = challenge_id(id)?;
        self.with(|s| s.answer_push(id, decision, &ctx))
    }
}

#[uniffi::export]
impl Session {
    /// Enrols the push token of a scanned `otpauth://pipush/` code: makes a
    /// signing key in the device keystore, registers it with the server
    /// through `transport`, and stores the token. `notification_token` is the
    /// platform's push token (Firebase); none to poll only. `allow_insecure`
    /// allows plain http to other machines and honours the server's
    /// `sslverify=0`. A token of the same serial that needs re-enrolment is
    /// replaced (same id); an enrolled one is `Duplicate`. Throws
    /// `InvalidInput` for a code that is not a push enrolment.
    pub fn enrol_push(
        &self,
        code: Arc<ScannedCode>,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        notification_token: Option<String>,
    ) -> Result<PushToken, VaktError> {
        let provisioning = code.provisioning()?;
        self.enrol(provisioning, transport, allow_insecure, notification_token)
    }

    /// The same from an `otpauth://pipush/` URI's text (typed or pasted).
    pub fn enrol_push_uri(
        &self,
        uri: String,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        notification_token: Option<String>,
    ) -> Result<PushToken, VaktError> {
        let uri = Zeroizing::new(uri);
        let provisioning = provision::classify(&uri)?;
        self.enrol(&provisioning, transport, allow_insecure, notification_token)
    }

    /// Every push token, by id.
    pub fn push_tokens(&self) -> Result<Vec<PushToken>, VaktError> {
        self.with(|s| s.push_tokens())
            .map(|tokens| tokens.iter().map(PushToken::from).collect())
    }

    /// Asks every enrolled token's server for open login requests (a signed
    /// poll), verifies and stores them, and returns every challenge waiting
    /// for an answer with the number of new ones. A token whose server fails,
    /// or that sent a forged or malformed challenge, is reported in `problems`;
    /// the others are polled anyway.
    pub fn poll_push(
        &self,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
    ) -> Result<PushPollReport, VaktError> {
        let transport = ForeignTransport(transport);
        let ctx = push_context(&transport, allow_insecure, self.now());
        self.with(|s| s.poll_push(&ctx)).map(PushPollReport::from)
    }

    /// Gives every enrolled push token's server a new push-notification
    /// registration token — the Firebase registration token on Android and on
    /// iOS (not the raw APNs device token) — signed by each token's device
    /// key. It is stored first; a server that fails is reported in its
    /// token's `problem` (never an exception), nothing is deleted, and the
    /// next `poll_push` (or calling this again) sends it again. Throws only
    /// for vault errors and an empty or malformed registration token
    /// (`InvalidInput`).
    pub fn update_push_registration(
        &self,
        registration_token: String,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
    ) -> Result<Vec<PushRegistrationUpdate>, VaktError> {
        let transport = ForeignTransport(transport);
        let ctx = push_context(&transport, allow_insecure, self.now());
        let updates = self.with(|s| s.update_push_registration(&registration_token, &ctx))?;
        Ok(updates
            .into_iter()
            .map(|u| PushRegistrationUpdate {
                token_id: id_out(u.token_id),
                serial: u.serial,
                problem: u.result.err().map(|e| PushProblem::new(u.token_id, e)),
            })
            .collect())
    }

    /// Accepts a login request delivered by a push notification: its data as
    /// the platform delivers it (string keys and values; unknown keys are
    /// ignored). Verified with the token's server key before anything is
    /// stored; a forged or malformed one throws `ChallengeRefused`, a replayed
    /// one `AlreadyAnswered` or `ChallengeExpired`. No network.
    pub fn receive_push(&self, data: HashMap<String, String>) -> Result<PushChallenge, VaktError> {
        let pairs: Vec<(String, String)> = data.into_iter().collect();
        let fields =
            ChallengeFields::from_pairs(&pairs).map_err(vakt_core::push::PushError::from)?;
        let now = self.now();
        self.with(|s| s.receive_push(&fields, now)).map(Into::into)
    }

    /// The challenges waiting for an answer (open and not expired, or with an
    /// answer to retry), oldest first. No network.
    pub fn push_challenges(&self) -> Result<Vec<PushChallenge>, VaktError> {
        let now = self.now();
        self.with(|s| s.push_challenges(now))
            .map(|list| list.into_iter().map(Into::into).collect())
    }

    /// One challenge, whatever its state.
    pub fn push_challenge(&self, id: i64) -> Result<PushChallenge, VaktError> {
        let id = challenge_id(id)?;
        self.with(|s| s.push_challenge(id)).map(Into::into)
    }

    /// Approves challenge `id`, with the presence option the login screen
    /// shows when the challenge has options (`PresenceRequired` without one,
    /// `NotAnOption` for another text, `WrongPresenceAnswer` if the server says
    /// it is the wrong one — the sign-in is then declined). Returns the code to
    /// show the user, if the server sent one. The decision is committed before
    /// it is sent: after a network failure, approving again retries it.
    pub fn approve_push(
        &self,
        id: i64,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        presence_answer: Option<String>,
    ) -> Result<Option<String>, VaktError> {
        let decision = Decision::Approve {
            presence: presence_answer,
        };
        match self.answer(id, decision, transport, allow_insecure)? {
            AnswerOutcome::Approved { display_code } => Ok(display_code),
            AnswerOutcome::Declined => Ok(None),
        }
    }

    /// Declines challenge `id`; `reason` is sent only to servers that accept
    /// reasons (`decline_reasons_supported`).
    pub fn decline_push(
        &self,
        id: i64,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        reason: Option<DeclineReason>,
    ) -> Result<(), VaktError> {
        let decision = Decision::Decline {
            reason: reason.map(Into::into),
        };
        self.answer(id, decision, transport, allow_insecure)
            .map(|_| ())
    }
}
