//! The numbers of the lockout: how many wrong PINs block the vault, how many
//! wrong unblock codes are free before the waits begin, the longest wait.

use std::time::Duration;

/// Wrong PINs in a row that block the vault.
pub const MAX_PIN_ATTEMPTS: u32 = 3;

/// Wrong unblock codes allowed before each attempt must wait.
pub const FREE_UNBLOCK_ATTEMPTS: u32 = 3;

/// The longest wait before an unblock attempt.
pub const MAX_UNBLOCK_DELAY: Duration = Duration::from_secs(600);
