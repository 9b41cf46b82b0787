//! The lockout rules: wrong PINs in a row block the vault; wrong unblock codes
//! wait longer and longer; the state is readable without a secret.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use crate::store::StoreError;

use super::config::Pause;
use super::error::VaultError;
use super::limits::{FREE_UNBLOCK_ATTEMPTS, MAX_UNBLOCK_DELAY};

/// Threads of this process take the check turn one at a time before they try
/// the file lock (so only one of them polls it). `()` guards no data, so a
/// panic in an earlier check leaves nothing to distrust.
static THREAD_TURN: Mutex<()> = Mutex::new(());

/// How often a check waiting for another process's turn looks again.
const TURN_POLL: Duration = Duration::from_millis(20);
/// How long a check waits for another process's turn before it gives up as
/// busy (a turn lasts one key derivation, unless an unblock attempt is
/// waiting out its delay).
const TURN_WAIT: Duration = Duration::from_secs(60);

/// The turn to check a secret (PIN, unblock code, a backup's code on
/// restore), for every thread and every process that opens this vault: an
/// exclusive lock on the file `<vault file>.lock`, held across counting the
/// attempt (committed first), deriving the key, checking, and resetting the
/// count. Without it, checks overlapping in time — an app and its widget or
/// AutoFill extension, two CLI processes — each commit a provisional attempt
/// and a correct PIN can be refused as blocked. The operating system releases
/// the lock when the process dies, so a kill during a check leaves the
/// attempt counted and the turn free.
pub(crate) struct CheckTurn {
    // Fields drop in order: the file (and its lock) before the thread turn,
    // so a thread that gets the turn next finds the file lock free.
    _file: File,
    _thread: MutexGuard<'static, ()>,
}

impl CheckTurn {
    /// Waits (at most [`TURN_WAIT`], polling every [`TURN_POLL`] through
    /// `pause`) for the turn of the vault whose lock file is `lock_path`.
    pub(super) fn take(lock_path: &Path, pause: &dyn Pause) -> Result<Self, VaultError> {
        let thread = THREAD_TURN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let file = crate::store::open_lock_file(lock_path)?;
        let tries = TURN_WAIT.as_millis() / TURN_POLL.as_millis();
        for _ in 0..=tries {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(Self {
                        _file: file,
                        _thread: thread,
                    });
                }
                Err(TryLockError::WouldBlock) => pause.pause(TURN_POLL),
                Err(TryLockError::Error(e)) => {
                    return Err(VaultError::Storage(StoreError::from_io(&e)));
                }
            }
        }
        Err(VaultError::Storage(StoreError::Busy))
    }

    /// The counter kept in the lock file itself (a big-endian `u32`; 0 for an
    /// empty file). A file that holds anything else counts as
    /// [`FREE_UNBLOCK_ATTEMPTS`], so damage never lowers a count below the
    /// point where waits begin.
    pub(super) fn count(&mut self) -> Result<u32, VaultError> {
        let mut bytes = Vec::new();
        self._file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        self._file.read_to_end(&mut bytes).map_err(io_error)?;
        Ok(match <[u8; 4]>::try_from(bytes.as_slice()) {
            _ if bytes.is_empty() => 0,
            Ok(b) => u32::from_be_bytes(b),
            Err(_) => FREE_UNBLOCK_ATTEMPTS,
        })
    }

    /// Writes the counter (synced before it returns).
    pub(super) fn set_count(&mut self, count: u32) -> Result<(), VaultError> {
        self._file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        self._file
            .write_all(&count.to_be_bytes())
            .map_err(io_error)?;
        self._file.set_len(4).map_err(io_error)?;
        self._file.sync_all().map_err(io_error)
    }
}

fn io_error(e: std::io::Error) -> VaultError {
    VaultError::Storage(StoreError::from_io(&e))
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
