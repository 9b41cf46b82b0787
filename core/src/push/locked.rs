//! Push on a locked vault — what an app's notification handler (Android's
//! `FirebaseMessagingService`, an iOS notification service extension) and the
//! lock screen do without the PIN: receive and verify a notification, poll,
//! list, and decline. Approving needs the PIN or biometric unlock (a
//! [`Session`]), unless the user turned on approving while locked
//! ([`Session::set_push_approve_when_locked`], off by default) and the
//! token's server does not ask for the app to be unlocked.
//!
//! Everything runs the same code as an unlocked vault (`Access`), on the
//! records kept under the device record key; replays, expiry and forged
//! signatures are refused the same way. None of it reads or moves the PIN
//! count, and a **blocked** vault still receives, lists and declines (the
//! block is about the PIN; see docs/threat-model.md).

use crate::store::Tx;
use crate::vault::{Session, Vault, VaultError};

use super::context::PushContext;
use super::error::PushError;
use super::info::{AnswerOutcome, PollReport, PushChallengeInfo, PushTokenInfo};
use super::protocol::{ChallengeFields, Decision, DeclineReason};
use super::stored::Access;

/// The `meta` name of the approve-while-locked setting.
const META_APPROVE_WHEN_LOCKED: &str = "push_approve_when_locked";
/// Its purpose label (sealed under the device record key, so a file edit
/// cannot turn it on).
const APPROVE_WHEN_LOCKED: &[u8] = b"vakt/push-approve-when-locked/v1/";

impl Access<'_> {
    fn approve_when_locked_in(&self, tx: &Tx<'_>) -> Result<bool, VaultError> {
        let Some(sealed) = tx.meta(META_APPROVE_WHEN_LOCKED)? else {
            return Ok(false);
        };
        let Some(key) = self.device.key(tx)? else {
            return Err(VaultError::Unreadable(crate::vault::Unreadable::Damaged));
        };
        Ok(key.open(APPROVE_WHEN_LOCKED, &[], &sealed)?.as_slice() == [1])
    }

    /// Whether approving while locked is on (off unless the user turned it on).
    pub(super) fn approve_when_locked(&self) -> Result<bool, VaultError> {
        self.device.read(|tx| self.approve_when_locked_in(tx))
    }
}

impl Session {
    /// Turns approving push requests while locked on or off (off by
    /// default: approving needs the PIN or biometric unlock). Declining
    /// never needs either. A token whose server asks for the app to be
    /// unlocked is approved only unlocked, whatever this says.
    pub fn set_push_approve_when_locked(&self, on: bool) -> Result<(), VaultError> {
        let layer = self.device_layer();
        layer.write(|tx| {
            if on {
                let sealed = layer
                    .key_or_create(tx)?
                    .seal(APPROVE_WHEN_LOCKED, &[], &[1])?;
                tx.set_meta(META_APPROVE_WHEN_LOCKED, &sealed)?;
            } else {
                tx.delete_meta(META_APPROVE_WHEN_LOCKED)?;
            }
            Ok(())
        })
    }
}

impl Vault {
    /// Whether approving push requests while locked is on.
    pub fn push_approve_when_locked(&self) -> Result<bool, VaultError> {
        self.push_access().approve_when_locked()
    }

    /// The push tokens, without the PIN. `UnlockOnce` if the vault has not
    /// been unlocked since it was upgraded.
    pub fn push_tokens(&self) -> Result<Vec<PushTokenInfo>, PushError> {
        Ok(self
            .push_access()
            .tokens()?
            .iter()
            .map(|(id, token)| PushTokenInfo::new(*id, token))
            .collect())
    }

    /// Accepts a challenge delivered by a push notification, without the
    /// PIN: verified with the token's server key, stored, returned to show.
    /// A forged, malformed, replayed or expired challenge is refused and
    /// nothing is stored.
    pub fn receive_push(
        &self,
        fields: &ChallengeFields,
        now: u64,
    ) -> Result<PushChallengeInfo, PushError> {
        self.push_access().receive(fields, now)
    }

    /// Polls every enrolled token's server, without the PIN, and returns
    /// every open challenge (as [`Session::poll_push`], except that a
    /// registration token still to send waits for the next unlocked poll:
    /// it is kept under the vault key).
    pub fn poll_push(&self, ctx: &PushContext<'_>) -> Result<PollReport, PushError> {
        let mut report = PollReport::default();
        self.push_access().poll(ctx, &mut report)?;
        Ok(report)
    }

    /// The challenges waiting for an answer at `now`, without the PIN. One
    /// approved with the PIN shows as approved, without its pick or display
    /// code (kept under the vault key); retrying it needs the PIN.
    pub fn push_challenges(&self, now: u64) -> Result<Vec<PushChallengeInfo>, PushError> {
        self.push_access().challenges(now)
    }

    /// One challenge, without the PIN.
    pub fn push_challenge(&self, id: u64) -> Result<PushChallengeInfo, PushError> {
        self.push_access().challenge(id)
    }

    /// Declines challenge `id` without the PIN: committed, then signed by
    /// the token's device key in the keystore and sent (retried by declining
    /// again).
    pub fn decline_push(
        &self,
        id: u64,
        reason: Option<DeclineReason>,
        ctx: &PushContext<'_>,
    ) -> Result<AnswerOutcome, PushError> {
        self.push_access()
            .answer(id, Decision::Decline { reason }, ctx)
    }

    /// Approves challenge `id` without unlocking: only when approving while
    /// locked is on and the token's server does not ask for the app to be
    /// unlocked; otherwise `VerificationRequired` and nothing is stored or
    /// sent (unlock, then [`Session::answer_push`]).
    pub fn approve_push_locked(
        &self,
        id: u64,
        presence: Option<String>,
        ctx: &PushContext<'_>,
    ) -> Result<AnswerOutcome, PushError> {
        self.push_access()
            .answer(id, Decision::Approve { presence }, ctx)
    }
}
