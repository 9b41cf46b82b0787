//! Push on a locked vault, for an app's notification handler and lock
//! screen (Android `FirebaseMessagingService`, an iOS notification service
//! extension): receive and verify a notification, poll, list and decline
//! with no PIN; approve only after the PIN or biometric unlock (a
//! `Session`), unless the user turned on approving while locked. Verified by
//! the same code as an unlocked vault's (docs/push.md, "On the lock screen").
//! Its time is the vault's clock uncorrected: the clock offset is sealed under
//! the vault key.

use std::collections::HashMap;
use std::sync::Arc;

use vakt_core::push::{AnswerOutcome, ChallengeFields, PushError};

use crate::VaktError;
use crate::args::challenge_id;
use crate::platform::{ForeignTransport, HttpTransport};
use crate::push::{DeclineReason, PushChallenge, PushPollReport, PushToken, push_context};
use crate::vault::{Session, Vault};

#[uniffi::export]
impl Vault {
    /// Every push token, without the PIN. `Locked` if the vault was not
    /// unlocked since its push records were upgraded (unlock it once).
    pub fn push_tokens(&self) -> Result<Vec<PushToken>, VaktError> {
        Ok(self
            .inner
            .push_tokens()?
            .iter()
            .map(PushToken::from)
            .collect())
    }

    /// Accepts a login request from a push notification's data without the
    /// PIN: verified with the token's server key before anything is stored;
    /// a forged or malformed one throws `ChallengeRefused`, a replayed one
    /// `AlreadyAnswered` or `ChallengeExpired`. No network.
    pub fn receive_push(&self, data: HashMap<String, String>) -> Result<PushChallenge, VaktError> {
        let pairs: Vec<(String, String)> = data.into_iter().collect();
        let fields = ChallengeFields::from_pairs(&pairs).map_err(PushError::from)?;
        let now = self.clock.now_unix();
        Ok(self.inner.receive_push(&fields, now)?.into())
    }

    /// Polls every enrolled token's server without the PIN (signed by the
    /// device keys), verifies and stores what they list, and returns every
    /// challenge waiting for an answer. A registration token still to send
    /// waits for a poll of an unlocked session.
    pub fn poll_push(
        &self,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
    ) -> Result<PushPollReport, VaktError> {
        let transport = ForeignTransport(transport);
        Ok(self
            .inner
            .poll_push(&push_context(
                &transport,
                allow_insecure,
                self.clock.now_unix(),
            ))?
            .into())
    }

    /// The challenges waiting for an answer, without the PIN. One approved
    /// with the PIN shows as approved without its pick or display code.
    pub fn push_challenges(&self) -> Result<Vec<PushChallenge>, VaktError> {
        let now = self.clock.now_unix();
        Ok(self
            .inner
            .push_challenges(now)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// One challenge, whatever its state, without the PIN.
    pub fn push_challenge(&self, id: i64) -> Result<PushChallenge, VaktError> {
        Ok(self.inner.push_challenge(challenge_id(id)?)?.into())
    }

    /// Declines challenge `id` without the PIN: committed, then signed by
    /// the token's device key and sent (decline again to retry). Works on a
    /// blocked vault too.
    pub fn decline_push(
        &self,
        id: i64,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        reason: Option<DeclineReason>,
    ) -> Result<(), VaktError> {
        let transport = ForeignTransport(transport);
        self.inner.decline_push(
            challenge_id(id)?,
            reason.map(Into::into),
            &push_context(&transport, allow_insecure, self.clock.now_unix()),
        )?;
        Ok(())
    }

    /// Approves challenge `id` without unlocking: only if approving while
    /// locked is on (`Session.set_push_approve_when_locked`) and the token's
    /// server does not ask for the app PIN; otherwise throws `Locked` and
    /// nothing is stored or sent (unlock, then `Session.approve_push`).
    pub fn approve_push_locked(
        &self,
        id: i64,
        transport: Arc<dyn HttpTransport>,
        allow_insecure: bool,
        presence_answer: Option<String>,
    ) -> Result<Option<String>, VaktError> {
        let transport = ForeignTransport(transport);
        let outcome = self.inner.approve_push_locked(
            challenge_id(id)?,
            presence_answer,
            &push_context(&transport, allow_insecure, self.clock.now_unix()),
        )?;
        Ok(match outcome {
            AnswerOutcome::Approved { display_code } => display_code,
            AnswerOutcome::Declined => None,
        })
    }

    /// Whether approving while locked is on (off unless turned on).
    pub fn push_approve_when_locked(&self) -> Result<bool, VaktError> {
        Ok(self.inner.push_approve_when_locked()?)
    }
}

#[uniffi::export]
impl Session {
    /// Turns approving push requests while locked on or off (off by
    /// default: approving needs the PIN or biometric unlock; declining never
    /// does).
    pub fn set_push_approve_when_locked(&self, on: bool) -> Result<(), VaktError> {
        self.with(|s| s.set_push_approve_when_locked(on))
    }

    /// Brings push records from before push worked while locked into the
    /// device layer (nothing to do on a new vault). Every push call of a
    /// session does it first; call it right after unlocking so that the
    /// notification handler works while locked from then on.
    pub fn upgrade_push_records(&self) -> Result<(), VaktError> {
        self.with(|s| s.upgrade_push_records())
    }
}
