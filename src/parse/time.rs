//! The table's times: every form the site has written them in, read as UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// A table time in any of the [`super::TIME_FORMATS`], as UTC.
pub(super) fn feed_time(text: &str) -> Option<DateTime<Utc>> {
    if let Some(time) = padded_feed_time(text.as_bytes()) {
        return Some(time);
    }
    if !text.contains('/') {
        return iso_time(text);
    }
    // chrono reads `%m`, `%d`, `%H` and `%I` with or without a leading zero.
    [
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
    ]
    .iter()
    .find_map(|fmt| NaiveDateTime::parse_from_str(text, fmt).ok())
    .map(|naive| naive.and_utc())
}

/// ISO 8601 / RFC 3339: with an offset (turned into UTC), or without one (the table is UTC).
fn iso_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|dt| dt.with_timezone(&Utc))
        .or_else(|| {
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
                .iter()
                .find_map(|fmt| NaiveDateTime::parse_from_str(text, fmt).ok())
                .map(|naive| naive.and_utc())
        })
}

/// The form every real post uses, read without chrono's format interpreter (a
/// measurable share of a parse). Anything else, and any value it refuses, goes
/// the slow way, so the result is chrono's in every case.
fn padded_feed_time(text: &[u8]) -> Option<DateTime<Utc>> {
    let [
        m1,
        m2,
        b'/',
        d1,
        d2,
        b'/',
        y1,
        y2,
        y3,
        y4,
        b' ',
        h1,
        h2,
        b':',
        n1,
        n2,
        b':',
        s1,
        s2,
    ] = *text
    else {
        return None;
    };
    let num = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(num(&[y1, y2, y3, y4])?).ok()?,
        num(&[m1, m2])?,
        num(&[d1, d2])?,
    )?;
    let time = NaiveTime::from_hms_opt(num(&[h1, h2])?, num(&[n1, n2])?, num(&[s1, s2])?)?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_fast_path_agrees_with_chrono() {
        for text in [
            "03/29/2023 18:23:04",
            "02/29/2024 00:00:00",
            "02/29/2023 00:00:00",
            "12/31/9999 23:59:59",
            "00/10/2023 10:00:00",
            "13/45/2023 07:00:00",
            "03/29/2023 24:00:00",
            "03/29/2023 23:59:60",
            "03/29/2023 1a:00:00",
            "03/29/0000 10:00:00",
        ] {
            let slow = NaiveDateTime::parse_from_str(text, "%m/%d/%Y %H:%M:%S")
                .ok()
                .map(|naive| naive.and_utc());
            assert_eq!(feed_time(text), slow, "{text}");
            if let Some(fast) = padded_feed_time(text.as_bytes()) {
                assert_eq!(Some(fast), slow, "{text}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn padded_fast_path_agrees_with_chrono_everywhere(
            m in 0..14u32, d in 0..33u32, y in 0..10000u32, h in 0..26u32, n in 0..62u32, s in 0..62u32,
        ) {
            let text = format!("{m:02}/{d:02}/{y:04} {h:02}:{n:02}:{s:02}");
            let slow = NaiveDateTime::parse_from_str(&text, "%m/%d/%Y %H:%M:%S")
                .ok()
                .map(|naive| naive.and_utc());
            proptest::prop_assert_eq!(feed_time(&text), slow);
        }
    }

    fn utc(text: &str) -> Option<String> {
        feed_time(text).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }

    #[test]
    fn twelve_hour_times_of_the_first_weeks_are_utc() {
        for (text, want) in [
            ("1/27/2023 2:12:32 AM", "2023-01-27T02:12:32Z"),
            ("1/27/2023 2:12:32 PM", "2023-01-27T14:12:32Z"),
            ("01/09/2023 09:05:00 PM", "2023-01-09T21:05:00Z"),
            // 12 AM is the first hour of the day, 12 PM noon.
            ("1/27/2023 12:00:00 AM", "2023-01-27T00:00:00Z"),
            ("1/27/2023 12:59:59 AM", "2023-01-27T00:59:59Z"),
            ("1/27/2023 12:00:00 PM", "2023-01-27T12:00:00Z"),
            ("1/27/2023 12:30:00 PM", "2023-01-27T12:30:00Z"),
            ("1/27/2023 11:59:59 PM", "2023-01-27T23:59:59Z"),
            ("12/31/2022 11:59:59 PM", "2022-12-31T23:59:59Z"),
            ("2/28/2023 1:00 AM", "2023-02-28T01:00:00Z"),
            ("1/27/2023 2:12:32 am", "2023-01-27T02:12:32Z"),
        ] {
            assert_eq!(utc(text).as_deref(), Some(want), "{text}");
        }
        for bad in [
            "1/27/2023 0:12:32 AM",
            "1/27/2023 13:12:32 PM",
            "2/29/2023 2:12:32 AM",
            "1/32/2023 2:12:32 AM",
            "1/27/2023 2:12:32 XM",
            "1/27/2023 2:12:32 AM UTC",
            "1/27/2023 2:12:32AM PM",
            "1/27/2023",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso_8601_times_are_read_where_a_row_uses_them() {
        for (text, want) in [
            ("2025-01-31T08:00:00Z", "2025-01-31T08:00:00Z"),
            ("2025-01-31T08:00:00.0000000Z", "2025-01-31T08:00:00Z"),
            ("2025-01-31T17:00:00+09:00", "2025-01-31T08:00:00Z"),
            ("2025-01-31T08:00:00", "2025-01-31T08:00:00Z"),
            ("2025-01-31T08:00", "2025-01-31T08:00:00Z"),
        ] {
            assert_eq!(utc(text).as_deref(), Some(want), "{text}");
        }
        for bad in [
            "2025-02-30T08:00:00Z",
            "2025-01-31",
            "2025-01-31T25:00:00Z",
            "T",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn twelve_hour_times_agree_with_the_clock(
            m in 0..14u32, d in 0..33u32, y in 1990..2100i32, h in 0..14u32, n in 0..61u32, s in 0..60u32,
            pm: bool, pad: bool,
        ) {
            // Second 60 is left out: chrono reads it as a leap second in every form.
            let half = if pm { "PM" } else { "AM" };
            let text = if pad {
                format!("{m:02}/{d:02}/{y} {h:02}:{n:02}:{s:02} {half}")
            } else {
                format!("{m}/{d}/{y} {h}:{n:02}:{s:02} {half}")
            };
            let want = NaiveDate::from_ymd_opt(y, m, d)
                .filter(|_| (1..=12).contains(&h))
                .and_then(|date| date.and_hms_opt(h % 12 + if pm { 12 } else { 0 }, n, s))
                .map(|naive| naive.and_utc());
            proptest::prop_assert_eq!(feed_time(&text), want, "{}", text);
        }

        #[test]
        fn no_time_text_makes_feed_time_panic(text in "[0-9/: APMTZapmtz+.-]{0,30}") {
            let _ = feed_time(&text);
        }
    }

    #[test]
    fn feed_times_are_utc() {
        assert_eq!(
            feed_time("03/29/2023 18:23:04").unwrap().to_rfc3339(),
            "2023-03-29T18:23:04+00:00"
        );
        assert!(feed_time("13/45/2023 00:00:00").is_none());
        assert!(feed_time("12/31/9999 23:59:59").is_some());
        assert!(feed_time("").is_none());
    }
}
