//! The camera budget: counted work, with a wall-clock ceiling.
//!
//! Which passes a frame gets is decided by counted work alone (`work.rs`):
//! every pass is charged a cost known before it runs, and none starts whose
//! cost would take the frame past its work budget. Time plays no part in that,
//! so the same frame reads the same codes on any machine and under any load.
//! (A budget in time, wall or even the thread's CPU time, let frames that reach
//! their finding pass near the budget come and go from run to run: the CPU time
//! of the same decode varies by 10–30 % between runs on a shared machine.)
//!
//! A wall-clock ceiling stays as a latency safety net for a starved thread
//! (see [`Budget`]); it is read through [`BudgetClock`] before each pass, so
//! tests drive a plan with a fake clock.

use std::time::{Duration, Instant};

use super::work::{UNITS_PER_MS, Work};

/// A clock started when the decoding of a frame starts; asked before each pass.
pub(crate) trait BudgetClock {
    /// Wall time since the start.
    fn wall(&mut self) -> Duration;
}

/// How much a frame may take: no pass starts that would take the counted work
/// past `work`, nor once `wall` has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Counted work (`work.rs`): what decides which passes a frame gets,
    /// whatever the machine and its load.
    pub work: Work,
    /// Wall-clock ceiling, a safety net for latency: it stops a frame only
    /// when the decoding thread got less than about 1 / [`WALL_CEILING_FACTOR`]
    /// of a core over it (then what the frame reads depends on the load).
    pub wall: Duration,
}

/// The wall-clock ceiling is this many times the time the work budget takes
/// on the calibration machine.
pub(crate) const WALL_CEILING_FACTOR: u32 = 4;

impl Budget {
    /// A budget of `ms` milliseconds of the calibration machine's work, with
    /// its wall-clock ceiling ([`WALL_CEILING_FACTOR`] × `ms`).
    pub(crate) fn of_ms(ms: f64) -> Option<Self> {
        let wall = Duration::try_from_secs_f64(ms / 1e3).ok()?;
        let work = ms * UNITS_PER_MS as f64;
        if !(0.0..=u64::MAX as f64).contains(&work) {
            return None;
        }
        Some(Self {
            work: work as Work,
            wall: wall.saturating_mul(WALL_CEILING_FACTOR),
        })
    }
}

/// The frame size the budgets are set for (a 1280 × 720 camera preview).
pub(crate) const BUDGET_PIXELS: u64 = 1280 * 720;

impl Budget {
    /// The budget for a frame of `pixels`: larger frames than
    /// [`BUDGET_PIXELS`] get proportionally more work and wall time (the
    /// passes cost per pixel: a 1080p preview must still afford the first
    /// pass), smaller ones the budget as it is.
    pub(crate) fn for_pixels(self, pixels: usize) -> Self {
        let pixels = u64::try_from(pixels).unwrap_or(u64::MAX);
        if pixels <= BUDGET_PIXELS {
            return self;
        }
        let scale = |v: u64| {
            u64::try_from(u128::from(v) * u128::from(pixels) / u128::from(BUDGET_PIXELS))
                .unwrap_or(u64::MAX)
        };
        let wall_ns = u64::try_from(self.wall.as_nanos()).unwrap_or(u64::MAX);
        Self {
            work: scale(self.work),
            wall: Duration::from_nanos(scale(wall_ns)),
        }
    }
}

/// The real clock: `Instant`.
pub(crate) struct FrameClock {
    start: Instant,
}

impl FrameClock {
    /// Starts the clock.
    pub(crate) fn start() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl BudgetClock for FrameClock {
    fn wall(&mut self) -> Duration {
        self.start.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_is_four_times_the_calibrated_time_of_the_budget() {
        let b = Budget::of_ms(12.0).unwrap();
        assert_eq!(b.work, 12 * UNITS_PER_MS);
        assert_eq!(b.wall, Duration::from_millis(48));
        assert_eq!(Budget::of_ms(0.5).unwrap().work, UNITS_PER_MS / 2);
        assert!(Budget::of_ms(-1.0).is_none());
    }

    #[test]
    fn larger_frames_than_720p_get_a_proportional_budget() {
        let b = Budget::of_ms(6.0).unwrap();
        assert_eq!(b.for_pixels(640 * 480), b);
        assert_eq!(b.for_pixels(1280 * 720), b);
        let hd = b.for_pixels(1920 * 1080);
        assert_eq!(hd.work, 6 * UNITS_PER_MS * 9 / 4);
        assert_eq!(hd.wall, b.wall * 9 / 4);
        let huge = Budget {
            work: u64::MAX,
            wall: Duration::MAX,
        }
        .for_pixels(usize::MAX);
        assert_eq!(huge.work, u64::MAX);
    }

    #[test]
    fn the_real_clock_advances() {
        let mut clock = FrameClock::start();
        let (a, b) = (clock.wall(), clock.wall());
        assert!(b >= a);
    }
}
