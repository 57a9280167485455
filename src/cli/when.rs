//! `--since` / `--until` values: a date, a date-time, or an age like `7d`.
//!
//! Parsed in this one place so every command reads times the same way, and
//! with `now` and the zone passed in so the rules can be tested without a clock.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::model::Zone;

/// Text that is not a time this parser knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a time: use a date (2023-03-29), a month (2023-03), a date-time \
     (2023-03-29T07:00:00Z; without an offset it is in --tz, UTC by default), or an age like 30m, 12h, 7d, 2w"
)]
pub struct BadWhen {
    /// The text as given.
    pub text: String,
}

/// Text that is not a length of time, or not one a limit can take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSpan {
    /// Not a length of time at all (the text as given).
    #[error(
        "{0:?} is not a length of time: use a number and a unit, like 30s, 1.5s, 5m, 1h, 2d or 1w (a bare number is seconds)"
    )]
    Form(String),
    /// A length of zero where only more than that means something (the text as given).
    #[error("{0:?} must be more than 0: use a length like 30s, 5m, 1h or 1d")]
    Zero(String),
}

/// A length of time in the forms `--since` takes for ages, plus seconds:
/// `30s`, `1.5s`, `5m`, `1h`, `2d`, `1w`; a bare number is seconds.
pub fn span(text: &str) -> Result<std::time::Duration, BadSpan> {
    let t = text.trim();
    let bad = || BadSpan::Form(text.to_owned());
    let (number, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_lowercase()),
        _ => (t, 's'),
    };
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 || number.bytes().any(|b| !b.is_ascii_digit() && b != b'.') {
        return Err(bad());
    }
    let scale: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return Err(bad()),
    };
    // Whole numbers stay exact; only a fraction goes through floating point.
    if let Ok(n) = number.parse::<u64>() {
        return n
            .checked_mul(scale)
            .map(std::time::Duration::from_secs)
            .ok_or_else(bad);
    }
    let n: f64 = number.parse().map_err(|_| bad())?;
    std::time::Duration::try_from_secs_f64(n * scale as f64).map_err(|_| bad())
}

/// [`span`], refusing zero: for limits where none would fail every request.
pub fn positive_span(text: &str) -> Result<std::time::Duration, BadSpan> {
    match span(text)? {
        d if d.is_zero() => Err(BadSpan::Zero(text.to_owned())),
        d => Ok(d),
    }
}

/// Reads `text` as a point in time; ages count back from `now`. Dates and
/// months mean their first instant in `zone`, and so does a date-time without
/// an offset; one with an offset means what it says.
pub fn parse(text: &str, now: DateTime<Utc>, zone: &Zone) -> Result<DateTime<Utc>, BadWhen> {
    let t = text.trim();
    let bad = || BadWhen {
        text: text.to_owned(),
    };
    if let Some(age) = age(t) {
        return now.checked_sub_signed(age?).ok_or_else(bad);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.to_utc());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(zone.instant(at));
        }
    }
    let date = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d"))
        .map_err(|_| bad())?;
    Ok(zone.start_of(date))
}

/// `30m`, `12h`, `7d`, `2w` as a duration; `None` when `t` is not shaped like an age.
fn age(t: &str) -> Option<Result<Duration, BadWhen>> {
    let unit = t.chars().last()?;
    let digits = &t[..t.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bad = || BadWhen { text: t.to_owned() };
    let n: i64 = match digits.parse() {
        Ok(n) => n,
        Err(_) => return Some(Err(bad())),
    };
    let age = match unit.to_ascii_lowercase() {
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        'w' => Duration::try_weeks(n),
        _ => return None,
    };
    Some(age.ok_or_else(bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2023-03-31T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn at(text: &str) -> String {
        parse(text, now(), &Zone::utc()).unwrap().to_rfc3339()
    }

    fn at_in(text: &str, zone: &str) -> String {
        let zone = Zone::named(zone).unwrap();
        parse(text, now(), &zone).unwrap().to_rfc3339()
    }

    #[test]
    fn dates_and_wall_times_are_read_in_the_zone_ages_and_offsets_are_not() {
        assert_eq!(
            at_in("2023-03-30", "Asia/Tokyo"),
            "2023-03-29T15:00:00+00:00"
        );
        assert_eq!(at_in("2023-03", "Asia/Tokyo"), "2023-02-28T15:00:00+00:00");
        assert_eq!(
            at_in("2023-03-30 09:00", "Asia/Tokyo"),
            "2023-03-30T00:00:00+00:00"
        );
        assert_eq!(
            at_in("2023-03-29T07:00:00Z", "Asia/Tokyo"),
            "2023-03-29T07:00:00+00:00"
        );
        assert_eq!(at_in("7d", "Asia/Tokyo"), at("7d"));
        // New York springs forward on 12 March 2023: the day starts at 05:00Z,
        // the next at 04:00Z.
        assert_eq!(
            at_in("2023-03-12", "America/New_York"),
            "2023-03-12T05:00:00+00:00"
        );
        assert_eq!(
            at_in("2023-03-13", "America/New_York"),
            "2023-03-13T04:00:00+00:00"
        );
    }

    #[test]
    fn ages_count_back_from_now() {
        assert_eq!(at("7d"), "2023-03-24T12:00:00+00:00");
        assert_eq!(at("12h"), "2023-03-31T00:00:00+00:00");
        assert_eq!(at("30m"), "2023-03-31T11:30:00+00:00");
        assert_eq!(at("2W"), "2023-03-17T12:00:00+00:00");
    }

    #[test]
    fn dates_and_times_are_utc() {
        assert_eq!(at("2023-03-29"), "2023-03-29T00:00:00+00:00");
        assert_eq!(at("2023-03"), "2023-03-01T00:00:00+00:00");
        assert_eq!(at("2023-03-29T07:00:00Z"), "2023-03-29T07:00:00+00:00");
        assert_eq!(at("2023-03-29T16:00:00+09:00"), "2023-03-29T07:00:00+00:00");
        assert_eq!(at("2023-03-29 07:00"), "2023-03-29T07:00:00+00:00");
    }

    #[test]
    fn spans_take_the_forms_of_ages_and_seconds() {
        let secs = |t: &str| span(t).unwrap().as_secs_f64();
        assert_eq!(secs("30"), 30.0);
        assert_eq!(secs("30s"), 30.0);
        assert_eq!(secs("1.5s"), 1.5);
        assert_eq!(secs("1.5"), 1.5);
        assert_eq!(secs("5m"), 300.0);
        assert_eq!(secs("1h"), 3600.0);
        assert_eq!(secs("2D"), 172_800.0);
        assert_eq!(secs("0"), 0.0);
        assert_eq!(
            span("18446744073709551615").unwrap().as_secs(),
            u64::MAX,
            "a bare number of seconds is exact"
        );
        for bad in [
            "",
            "s",
            "1x",
            "-1s",
            "1.2.3s",
            "1e3",
            "99999999999999999999w",
            "inf",
        ] {
            assert!(span(bad).is_err(), "{bad:?}");
        }
        assert!(
            positive_span("0s")
                .unwrap_err()
                .to_string()
                .contains("more than 0")
        );
    }

    #[test]
    fn nonsense_is_refused_with_the_accepted_forms() {
        for bad in [
            "",
            "yesterday",
            "7x",
            "d",
            "2023-13-01",
            "99999999999999999999d",
        ] {
            let e = parse(bad, now(), &Zone::utc()).unwrap_err();
            assert!(e.to_string().contains("7d"), "{bad:?}: {e}");
        }
    }
}
