//! The lockout rules: wrong PINs in a row block the vault; wrong unblock codes
//! wait longer and longer; the state is readable without a secret.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Wrong PINs in a row that block the vault.
pub const MAX_PIN_ATTEMPTS: u32 = 3;

/// Wrong unblock codes allowed before each attempt must wait.
pub const FREE_UNBLOCK_ATTEMPTS: u32 = 3;

/// The longest wait before an unblock attempt.
pub const MAX_UNBLOCK_DELAY: Duration = Duration::from_secs(600);

/// PIN and unblock-code checks in this process run one at a time. Each check
/// commits one more failed attempt before it derives the key and a correct one
/// resets the count after, so overlapping checks (an app calling from several
/// threads, or two handles on one vault) would see each other's provisional
/// counts, and a correct PIN could be refused as blocked. Checks are rare and
/// user-driven; one process-wide turn costs nothing noticeable.
static CHECK_TURN: Mutex<()> = Mutex::new(());

/// This thread's turn to check a secret. `()` guards no data, so a panic in
/// an earlier check leaves nothing to distrust.
pub(super) fn check_turn() -> MutexGuard<'static, ()> {
    CHECK_TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The wait before the `attempt`-th unblock attempt since the last success
/// (1-based): none for the first three, then 2, 4, 8 … seconds, at most 10
/// minutes.
pub fn unblock_delay(attempt: u32) -> Duration {
    if attempt <= FREE_UNBLOCK_ATTEMPTS {
        return Duration::ZERO;
    }
    let exponent = (attempt - FREE_UNBLOCK_ATTEMPTS).min(16);
    Duration::from_secs(1u64 << exponent).min(MAX_UNBLOCK_DELAY)
}

/// The lockout state, readable without a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockStatus {
    /// Wrong PINs since the last correct one.
    pub failed_pin_attempts: u32,
    /// PIN attempts left before blocking (0 when blocked).
    pub attempts_left: u32,
    /// Whether only the unblock code opens the vault.
    pub blocked: bool,
    /// Wrong unblock codes since the last success.
    pub failed_unblock_attempts: u32,
    /// The wait the next unblock attempt will take.
    pub next_unblock_delay: Duration,
}
