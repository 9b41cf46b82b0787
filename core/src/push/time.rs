//! ISO 8601 timestamps for poll requests (`2026-11-22T01:37:14+00:00`), from
//! the injected clock's Unix seconds.

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// `unix_seconds` as `YYYY-MM-DDTHH:MM:SS+00:00`.
pub fn iso8601(unix_seconds: u64) -> String {
    let days = i64::try_from(unix_seconds / 86_400).unwrap_or(i64::MAX / 2);
    let rest = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `unix_seconds` as `YYYY-MM-DDTHH:MM:SSZ` (for people and JSON output).
pub fn iso8601_z(unix_seconds: u64) -> String {
    let mut text = iso8601(unix_seconds);
    text.truncate(text.len() - "+00:00".len());
    text.push('Z');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00+00:00");
        assert_eq!(iso8601(1_795_311_434), "2026-11-22T01:37:14+00:00");
        assert_eq!(iso8601(4_102_444_799), "2099-12-31T23:59:59+00:00");
        assert_eq!(iso8601_z(1_795_311_434), "2026-11-22T01:37:14Z");
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        // Walks 200 years day by day: the date always advances by exactly one.
        let mut previous = iso8601(0);
        for day in 1..(200 * 366) {
            let text = iso8601(day * 86_400);
            assert!(text > previous, "{text} after {previous}");
            previous = text;
        }
    }
}
