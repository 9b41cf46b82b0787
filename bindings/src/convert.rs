//! The conversions of vakt-core's values into the types apps use: times as
//! `SystemTime` / `Duration` (Kotlin `Instant` / `Duration`, Swift `Date` /
//! `TimeInterval`), ids as `i64` (Kotlin `Long`, Swift `Int64`: SQLite row ids
//! are signed 64-bit, and Kotlin and Java have no idiomatic unsigned types).
//! What comes back from apps is checked in `args.rs`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An id as apps hold it. Row ids are never above `i64::MAX`.
pub(crate) fn id_out(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// A Unix time in seconds as a `SystemTime`.
pub(crate) fn time_out(unix_seconds: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(unix_seconds))
        .unwrap_or(UNIX_EPOCH)
}

/// A `SystemTime` measured by the phone (a request sent or answered) as Unix
/// seconds; a clock set before 1970 reads as 1970.
pub(crate) fn time_in_saturating(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A number of seconds as a `Duration`.
pub(crate) fn seconds(seconds: u64) -> Duration {
    Duration::from_secs(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times_go_out_without_overflow() {
        assert_eq!(id_out(7), 7);
        assert_eq!(id_out(u64::MAX), i64::MAX);
        assert_eq!(time_in_saturating(time_out(1_700_000_000)), 1_700_000_000);
        assert_eq!(time_out(u64::MAX), UNIX_EPOCH);
        assert_eq!(time_in_saturating(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
