//! Arguments from apps checked into vakt-core's values: ids (a negative one
//! names nothing) and times (before 1970 is refused).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::VaktError;

/// An account's (or push token's) id from an app: a negative one names no
/// account.
pub(crate) fn account_id(id: i64) -> Result<u64, VaktError> {
    u64::try_from(id).map_err(|_| VaktError::NoSuchAccount { id })
}

/// A login request's id from an app: a negative one names none.
pub(crate) fn challenge_id(id: i64) -> Result<u64, VaktError> {
    u64::try_from(id).map_err(|_| VaktError::NoSuchChallenge { id })
}

/// A container's id from an app: a negative one names no container.
pub(crate) fn container_id(id: i64) -> Result<u64, VaktError> {
    u64::try_from(id).map_err(|_| VaktError::NoSuchContainer { id })
}

/// A `SystemTime` from an app as Unix seconds; before 1970 is refused.
pub(crate) fn time_in(time: SystemTime) -> Result<u64, VaktError> {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| VaktError::InvalidInput {
            message: "the time is before 1970".into(),
        })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn negative_ids_name_nothing_and_times_before_1970_are_refused() {
        assert_eq!(account_id(7).ok(), Some(7));
        assert!(matches!(
            account_id(-1),
            Err(VaktError::NoSuchAccount { id: -1 })
        ));
        assert!(matches!(
            challenge_id(-2),
            Err(VaktError::NoSuchChallenge { id: -2 })
        ));
        assert_eq!(time_in(UNIX_EPOCH + Duration::from_secs(59)).ok(), Some(59));
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert!(matches!(
            time_in(before),
            Err(VaktError::InvalidInput { .. })
        ));
    }
}
