//! Time as an input: every function that needs "now" takes a [`Clock`];
//! and the arithmetic of a corrected clock (an offset measured from a server's
//! `Date`), which the vault stores (`vault::clock_offset`).

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in whole seconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now_unix(&self) -> u64;
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock stopped at a given instant (for tests and `--at`).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.0
    }
}

/// `now` (the phone's clock) corrected by `offset`.
pub fn corrected(now: u64, offset: i64) -> u64 {
    now.saturating_add_signed(offset)
}

/// The offset a server's time gives: `server` read from a reply to a request
/// sent at `sent` and answered at `received` (the phone's clock), against
/// the middle of the exchange.
pub fn offset_from(server: u64, sent: u64, received: u64) -> i64 {
    let middle = sent / 2 + received / 2 + (sent % 2 + received % 2) / 2;
    let server = i128::from(server);
    let middle = i128::from(middle);
    i64::try_from(server - middle).unwrap_or(if server > middle { i64::MAX } else { i64::MIN })
}

/// Seconds since the epoch of an HTTP `Date` header (IMF-fixdate, RFC 9110
/// §5.6.7: `Sun, 06 Nov 1994 08:49:37 GMT`); `None` for anything else.
pub fn parse_http_date(text: &str) -> Option<u64> {
    let mut parts = text.trim().split(' ');
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let hour: u64 = hms.next()?.parse().ok()?;
    let minute: u64 = hms.next()?.parse().ok()?;
    let second: u64 = hms.next()?.parse().ok()?;
    if parts.next()? != "GMT" || parts.next().is_some() || hms.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let days = u64::try_from(days).ok()?;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"),
            Some(1_835_481_599)
        );
        assert_eq!(
            parse_http_date("Wed, 02 Dec 2026 13:06:49 GMT"),
            Some(1_796_216_809)
        );
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(offset_from(1_000, 900, 902), 99);
        assert_eq!(offset_from(1_000, 1_000, 1_000), 0);
        assert_eq!(offset_from(0, u64::MAX, u64::MAX), i64::MIN);
        assert_eq!(corrected(100, -40), 60);
        assert_eq!(corrected(10, -40), 0);
        assert_eq!(corrected(u64::MAX, 5), u64::MAX);
    }
}
