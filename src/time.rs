//! Times as sessions store them and as people read them.
//!
//! Metadata holds RFC 3339 UTC times to the second ([`now`]), readable with
//! `git cat-file -p` and sortable as text. People see how long ago
//! something was, in one of two forms, each where it has always been shown:
//! the compact [`age`] in tables and one-line summaries (`list`, `show`,
//! `restore`: "5s", "12m", "3h", "4d") and git's long [`ago`] in `gc`'s
//! reasons ("3 weeks ago").

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as RFC 3339 UTC to the second.
pub fn now() -> String {
    format(SystemTime::now())
}

/// A time as RFC 3339 UTC to the second, as metadata stores it.
pub fn format(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// A stored RFC 3339 time; `None` when the text is not one (a hand-edited
/// or damaged field).
pub fn parse(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(text).ok()
}

/// Seconds since the Unix epoch (0 for anything before it).
pub fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The compact age of an RFC 3339 time: "5s", "12m", "3h", "4d"; "?" when
/// the text is not a time.
pub fn age(since: &str) -> String {
    let Some(then) = parse(since) else {
        return "?".into();
    };
    let secs = SystemTime::now()
        .duration_since(then)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    compact(secs)
}

/// A span of seconds in one unit, rounded down: "5s", "12m", "3h", "4d".
pub fn compact(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// A span of seconds as git words a date: "3 weeks ago", "1 day ago",
/// "less than a minute ago".
pub fn ago(secs: u64) -> String {
    const UNITS: &[(u64, &str)] = &[
        (365 * 24 * 3600, "year"),
        (30 * 24 * 3600, "month"),
        (7 * 24 * 3600, "week"),
        (24 * 3600, "day"),
        (3600, "hour"),
        (60, "minute"),
    ];
    for &(size, name) in UNITS {
        let n = secs / size;
        // Two of a unit before using it ("10 days", not "1 week").
        if n >= 2 || (n == 1 && size <= 24 * 3600) {
            return format!("{n} {name}{} ago", if n == 1 { "" } else { "s" });
        }
    }
    "less than a minute ago".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_git() {
        assert_eq!(ago(5), "less than a minute ago");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(3 * 3600 + 5), "3 hours ago");
        assert_eq!(ago(24 * 3600), "1 day ago");
        assert_eq!(ago(10 * 24 * 3600), "10 days ago");
        assert_eq!(ago(21 * 24 * 3600), "3 weeks ago");
        assert_eq!(ago(400 * 24 * 3600), "13 months ago");
        assert_eq!(ago(800 * 24 * 3600), "2 years ago");
    }

    #[test]
    fn compact_ages_use_one_unit() {
        assert_eq!(compact(0), "0s");
        assert_eq!(compact(59), "59s");
        assert_eq!(compact(60), "1m");
        assert_eq!(compact(3599), "59m");
        assert_eq!(compact(3600), "1h");
        assert_eq!(compact(86399), "23h");
        assert_eq!(compact(10 * 86400), "10d");
        assert_eq!(age("not a time"), "?");
    }

    #[test]
    fn stored_times_parse_back() {
        let stored = now();
        let parsed = parse(&stored).expect("now() is RFC 3339");
        assert_eq!(format(parsed), stored);
        assert_eq!(parse("2026-01-02T03:04:05Z").map(unix), Some(1767323045));
        assert_eq!(parse("yesterday"), None);
    }
}
