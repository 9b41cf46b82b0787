//! TOTP (RFC 6238): HOTP over the number of periods since the Unix epoch; and
//! what a code screen shows of it: the seconds left and the next code.

use crate::secret::SecretBytes;

use super::code::Code;
use super::hotp::hotp;
use super::params::{Algorithm, Digits, Period};

/// The TOTP time step containing `unix_seconds` (RFC 6238, T0 = 0).
pub fn time_step(unix_seconds: u64, period: Period) -> u64 {
    unix_seconds / period.get()
}

/// The TOTP code at `unix_seconds` (RFC 6238).
pub fn totp(
    algorithm: Algorithm,
    key: &SecretBytes,
    unix_seconds: u64,
    period: Period,
    digits: Digits,
) -> Code {
    hotp(algorithm, key, time_step(unix_seconds, period), digits)
}

/// What a UI shows for a time-based account: the code now, how long it stays
/// valid, and the code that follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeView {
    /// The code valid at the given time.
    pub code: Code,
    /// Seconds until `code` expires (1..=period).
    pub seconds_left: u64,
    /// The period in seconds.
    pub period: u64,
    /// The code of the next period; `None` only at the very end of time.
    pub next_code: Option<Code>,
}

/// The code view of a time-based generator `code_at(step)` at `unix_seconds`.
pub fn code_view(unix_seconds: u64, period: Period, code_at: impl Fn(u64) -> Code) -> CodeView {
    let step = time_step(unix_seconds, period);
    CodeView {
        code: code_at(step),
        seconds_left: period.get() - unix_seconds % period.get(),
        period: period.get(),
        next_code: step.checked_add(1).map(code_at),
    }
}
