//! Time bounds for the tests that check hostile input fails fast (test builds
//! only). Such a bound is generous on a real machine; under emulation (the
//! ARM runs of scripts/test.d/50-cross-arch.sh, qemu-user) the same code runs
//! several times slower, so the bound is multiplied by
//! `VAKT_TEST_TIME_SCALE` (a whole number, 1 when unset). A reader whose work
//! is unbounded still takes far longer than the scaled bound.

use std::time::Duration;

/// `bound` times `VAKT_TEST_TIME_SCALE`; a value that is not a whole number of
/// at least 1 is an error of the caller's setup (the test fails).
pub(crate) fn scaled(bound: Duration) -> Duration {
    let scale = match std::env::var("VAKT_TEST_TIME_SCALE") {
        Err(std::env::VarError::NotPresent) => 1,
        Ok(text) => match text.parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => panic!("VAKT_TEST_TIME_SCALE={text:?}: not a whole number of at least 1"),
        },
        Err(e) => panic!("VAKT_TEST_TIME_SCALE: {e}"),
    };
    bound.saturating_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_by_the_environment() {
        // Read once: the variable is the run's, the same for every test.
        let scale = std::env::var("VAKT_TEST_TIME_SCALE").map_or(1, |t| t.parse::<u32>().unwrap());
        assert_eq!(
            scaled(Duration::from_millis(500)),
            Duration::from_millis(500) * scale
        );
    }
}
