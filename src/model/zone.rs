//! The time zone people read times in, and calendar months in that zone.
//!
//! Records stay UTC everywhere inside; a [`Zone`] is only how a reader sees
//! them and how a date they type (`2024-03-01`, `--month 2024-03`) becomes an
//! instant. Offsets come from the IANA database (chrono-tz), never by hand, so
//! a month that crosses a daylight-saving change has the right length.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A zone to show and read times in, and whether the user asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    /// The IANA zone (`Tz::UTC` by default).
    pub tz: Tz,
    /// Given with `--tz`/`--local`/`HEALTHFEED_TZ`: machine output then carries
    /// the zone's offset; otherwise it stays RFC 3339 UTC.
    pub explicit: bool,
}

impl Default for Zone {
    fn default() -> Self {
        Zone {
            tz: Tz::UTC,
            explicit: false,
        }
    }
}

/// A zone name the time-zone database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a time zone: use an IANA name like Asia/Tokyo, Europe/Berlin or UTC")]
pub struct BadZone {
    /// The name as given.
    pub name: String,
}

impl Zone {
    /// UTC, as chosen by nobody: machine output stays `Z`.
    pub fn utc() -> Self {
        Zone::default()
    }

    /// The zone named `name` (IANA, any case), chosen by the user.
    pub fn named(name: &str) -> Result<Self, BadZone> {
        let tz = name
            .trim()
            .parse::<Tz>()
            .or_else(|_| Tz::from_str_insensitive(name.trim()))
            .map_err(|_| BadZone {
                name: name.to_owned(),
            })?;
        Ok(Zone { tz, explicit: true })
    }

    /// The zone's name as people know it: `UTC`, `Asia/Tokyo`.
    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// `t` as wall-clock time in this zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.tz)
    }

    /// The instant a wall-clock time in this zone names. In a daylight-saving
    /// gap (02:30 on a spring-forward night) the first instant after the gap;
    /// in a fold, the earlier of the two.
    pub fn instant(&self, wall: NaiveDateTime) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&wall) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(early, _) => early.with_timezone(&Utc),
            // Gaps are at most a few hours; step forward until the clock exists.
            LocalResult::None => (1..=24 * 4)
                .find_map(|q| {
                    let later = wall + chrono::Duration::minutes(15 * q);
                    self.tz.from_local_datetime(&later).earliest()
                })
                .map_or_else(|| wall.and_utc(), |t| t.with_timezone(&Utc)),
        }
    }

    /// The first instant of `day` in this zone.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        self.instant(day.and_time(chrono::NaiveTime::MIN))
    }
}

/// A calendar month (`2024-03`), read in a [`Zone`] to become a window of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// The year.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
}

/// Text that is not `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a month: use YYYY-MM, like 2024-03")]
pub struct BadMonth {
    /// The text as given.
    pub text: String,
}

impl Month {
    /// Reads `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Self, BadMonth> {
        let bad = || BadMonth {
            text: text.to_owned(),
        };
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        Ok(Month { year, month })
    }

    /// The month `t` falls in, on the wall clock of `zone`.
    pub fn of(t: DateTime<Utc>, zone: &Zone) -> Self {
        let local = zone.local(t);
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    /// The month before.
    pub fn previous(self) -> Self {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month after.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        // `parse` and `of` only make valid months; clamp rather than panic anyway.
        NaiveDate::from_ymd_opt(self.year, self.month.clamp(1, 12), 1).unwrap_or(NaiveDate::MIN)
    }

    /// Its first instant in `zone`.
    pub fn start(self, zone: &Zone) -> DateTime<Utc> {
        zone.start_of(self.first_day())
    }

    /// The first instant of the month after, in `zone`: the window is `[start, end)`.
    pub fn end(self, zone: &Zone) -> DateTime<Utc> {
        self.next().start(zone)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_in_tokyo_starts_at_15_utc_the_day_before() {
        let tokyo = Zone::named("Asia/Tokyo").unwrap();
        let march = Month::parse("2024-03").unwrap();
        assert_eq!(
            march.start(&tokyo).to_rfc3339(),
            "2024-02-29T15:00:00+00:00"
        );
        assert_eq!(march.end(&tokyo).to_rfc3339(), "2024-03-31T15:00:00+00:00");
    }

    #[test]
    fn a_month_across_a_dst_change_is_an_hour_short() {
        let berlin = Zone::named("europe/berlin").unwrap();
        let march = Month::parse("2024-03").unwrap();
        assert_eq!(
            march.start(&berlin).to_rfc3339(),
            "2024-02-29T23:00:00+00:00"
        );
        // Summer time from 31 March: April starts at 22:00 UTC.
        assert_eq!(march.end(&berlin).to_rfc3339(), "2024-03-31T22:00:00+00:00");
        let hours = (march.end(&berlin) - march.start(&berlin)).num_hours();
        assert_eq!(hours, 31 * 24 - 1);
    }

    #[test]
    fn a_wall_time_in_a_gap_moves_past_it() {
        let ny = Zone::named("America/New_York").unwrap();
        let gap = NaiveDate::from_ymd_opt(2024, 3, 10)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(ny.instant(gap).to_rfc3339(), "2024-03-10T07:00:00+00:00");
    }

    #[test]
    fn months_parse_and_step_over_years() {
        assert_eq!(
            Month::parse("2024-01").unwrap().previous().to_string(),
            "2023-12"
        );
        assert_eq!(
            Month::parse("2023-12").unwrap().next().to_string(),
            "2024-01"
        );
        for bad in ["2024-13", "2024-3", "24-03", "march", "2024-00", ""] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_zones_are_refused_with_the_name() {
        let e = Zone::named("Mars/Olympus").unwrap_err();
        assert!(e.to_string().contains("Mars/Olympus"));
        assert!(!Zone::utc().explicit);
        assert!(Zone::named("UTC").unwrap().explicit);
    }
}
