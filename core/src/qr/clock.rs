//! What a plan's time budget is measured with.
//!
//! The camera budget counts the decoder's own work: the CPU time of the thread
//! that decodes. Wall time also counts the time the operating system gives to
//! other processes, so under load a wall-clock budget ran out before the pass
//! that would have found the code, and what a frame read depended on what else
//! the machine ran. Thread CPU time does not (up to the noise of caches and
//! clock speed), so the same frame gives the same result on a quiet machine
//! and on a busy one. Where thread CPU time cannot be read (an unsupported
//! platform, or the clock fails), the budget falls back to wall time, as before.
//!
//! A wall-clock ceiling stays as a latency safety net (see [`Budget`]).
//!
//! Budgets are checked before each pass through [`BudgetClock`], so tests can
//! drive a plan with a fake clock that advances per pass.

use std::time::{Duration, Instant};

/// Time spent on a frame so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spent {
    /// The decoder's own work: the decoding thread's CPU time (wall time
    /// where that cannot be read).
    pub work: Duration,
    /// Wall-clock time.
    pub wall: Duration,
}

/// A clock started when the decoding of a frame starts; asked before each pass.
pub(crate) trait BudgetClock {
    /// Time spent since the start.
    fn spent(&mut self) -> Spent;
}

/// How much time a frame may take: no pass starts once either is exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    /// The decoder's own work ([`Spent::work`]): what decides which passes a
    /// frame gets, whatever the load of the machine.
    pub work: Duration,
    /// Wall-clock ceiling, a safety net for latency: it stops a frame only
    /// when the decoding thread got less than 1 / [`WALL_CEILING_FACTOR`] of a
    /// core over it (then what the frame reads depends on the load again).
    pub wall: Duration,
}

/// The wall-clock ceiling is this many times the work budget.
pub(crate) const WALL_CEILING_FACTOR: u32 = 4;

impl Budget {
    /// A work budget with its wall-clock ceiling ([`WALL_CEILING_FACTOR`] × `work`).
    pub(crate) fn of(work: Duration) -> Self {
        Self {
            work,
            wall: work.saturating_mul(WALL_CEILING_FACTOR),
        }
    }

    /// Whether `spent` leaves no time for another pass.
    pub(crate) fn exceeded_by(&self, spent: Spent) -> bool {
        spent.work > self.work || spent.wall > self.wall
    }
}

/// What the real clock measures work with.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WorkMeasure {
    /// CPU time of the decoding thread.
    ThreadCpu,
    /// Wall time (thread CPU time cannot be read here).
    Wall,
}

/// The real clock: thread CPU time for work, `Instant` for wall time.
///
/// Not `Send`: thread CPU time belongs to the thread that started the clock.
pub(crate) struct FrameClock {
    wall: Instant,
    #[cfg(any(unix, windows))]
    cpu: Option<cpu_time::ThreadTime>,
}

impl FrameClock {
    /// Starts the clock on the calling thread.
    pub(crate) fn start() -> Self {
        Self {
            #[cfg(any(unix, windows))]
            cpu: cpu_time::ThreadTime::try_now().ok(),
            wall: Instant::now(),
        }
    }

    /// What work is measured with (wall time once thread CPU time has failed).
    #[cfg(test)]
    pub(crate) fn measure(&self) -> WorkMeasure {
        #[cfg(any(unix, windows))]
        if self.cpu.is_some() {
            return WorkMeasure::ThreadCpu;
        }
        WorkMeasure::Wall
    }
}

impl BudgetClock for FrameClock {
    fn spent(&mut self) -> Spent {
        let wall = self.wall.elapsed();
        #[cfg(any(unix, windows))]
        if let Some(start) = self.cpu {
            match cpu_time::ThreadTime::try_now() {
                Ok(now) => {
                    return Spent {
                        work: now.as_duration().saturating_sub(start.as_duration()),
                        wall,
                    };
                }
                // A clock that failed once is not trusted for the rest of the frame.
                Err(_) => self.cpu = None,
            }
        }
        Spent { work: wall, wall }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_is_four_times_the_work_budget() {
        let b = Budget::of(Duration::from_millis(12));
        assert_eq!(b.wall, Duration::from_millis(48));
        let spent = |work, wall| Spent {
            work: Duration::from_millis(work),
            wall: Duration::from_millis(wall),
        };
        assert!(!b.exceeded_by(spent(12, 48)));
        assert!(b.exceeded_by(spent(13, 13)));
        assert!(b.exceeded_by(spent(1, 49)));
    }

    #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
    #[test]
    fn the_real_clock_measures_thread_cpu_time_here() {
        let mut clock = FrameClock::start();
        assert_eq!(clock.measure(), WorkMeasure::ThreadCpu);
        let (a, b) = (clock.spent(), clock.spent());
        assert!(b.work >= a.work && b.wall >= a.wall);
    }
}
