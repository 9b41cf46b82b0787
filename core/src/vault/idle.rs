//! When an open session locks itself: after the app has not used it for a
//! while (an idle timeout the app sets), or when the app has stayed in the
//! background for longer than its grace period. Time is an input (seconds by
//! the vault's clock), so the rule is tested without waiting; the lockout
//! reads no clock and is not affected by any of this.

/// The auto-lock rule of one session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoLock {
    idle_timeout: Option<u64>,
    last_used: u64,
    background: Option<Background>,
}

/// The app went to the background at `since` and asked to lock after `grace`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Background {
    since: u64,
    grace: u64,
}

impl AutoLock {
    /// A session opened at `now`, with no idle timeout.
    pub fn new(now: u64) -> Self {
        Self {
            idle_timeout: None,
            last_used: now,
            background: None,
        }
    }

    /// Locks after `seconds` without use (`None`: never by idleness).
    pub fn set_idle_timeout(&mut self, seconds: Option<u64>) {
        self.idle_timeout = seconds;
    }

    /// Whether the session must be locked at `now`. Time that runs backwards
    /// (a clock set back) counts as no time passing.
    pub fn expired(&self, now: u64) -> bool {
        let idle = self
            .idle_timeout
            .is_some_and(|limit| now.saturating_sub(self.last_used) >= limit);
        let away = self
            .background
            .is_some_and(|b| now.saturating_sub(b.since) >= b.grace);
        idle || away
    }

    /// A use of the session at `now`: `false` if it must lock instead.
    pub fn touch(&mut self, now: u64) -> bool {
        if self.expired(now) {
            return false;
        }
        self.last_used = self.last_used.max(now);
        true
    }

    /// The app went to the background at `now`; lock once it has stayed
    /// there `grace` seconds (0: at once).
    pub fn entered_background(&mut self, now: u64, grace: u64) {
        self.background = Some(Background { since: now, grace });
    }

    /// The app came back at `now`: `false` if the session must lock (it was
    /// away too long, or idle too long), else the background timer stops.
    pub fn entered_foreground(&mut self, now: u64) -> bool {
        if self.expired(now) {
            return false;
        }
        self.background = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_timeout_counts_from_the_last_use() {
        let mut a = AutoLock::new(100);
        assert!(a.touch(10_000), "no timeout: never expires");
        a.set_idle_timeout(Some(60));
        assert!(a.touch(10_059));
        assert!(!a.expired(10_118));
        assert!(a.expired(10_119));
        assert!(!a.touch(10_119));
        a.set_idle_timeout(None);
        assert!(a.touch(99_999));
    }

    #[test]
    fn background_grace_and_return() {
        let mut a = AutoLock::new(0);
        a.entered_background(10, 30);
        assert!(!a.expired(39));
        assert!(a.entered_foreground(39), "back in time: stays open");
        assert!(!a.expired(1_000), "the background timer stopped");
        a.entered_background(1_000, 30);
        assert!(!a.entered_foreground(1_030), "away 30 s: locks");
        let mut now = AutoLock::new(0);
        now.entered_background(5, 0);
        assert!(now.expired(5), "grace 0 locks at once");
    }

    #[test]
    fn a_clock_set_back_does_not_unlock_or_expire() {
        let mut a = AutoLock::new(1_000);
        a.set_idle_timeout(Some(60));
        assert!(a.touch(500), "backwards: no time passed");
        assert!(a.expired(1_060), "the last use stays the latest time seen");
    }
}
