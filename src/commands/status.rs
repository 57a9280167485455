//! `healthfeed status`: what the archive holds and how its last run went;
//! with a maximum age, a monitoring check of syncs and deliveries.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ArchiveStatus, Error};
use crate::store::{Freshness, Store};

/// Counts what the archive at `db` holds; only reads (a monitoring check
/// with a mistyped path must fail, not create an archive there). Open records
/// are those not over at `now`.
pub fn run(db: &Path, now: DateTime<Utc>) -> Result<ArchiveStatus, Error> {
    Ok(Store::open_read_only(db)?.status(now)?)
}

/// [`run`], and the archive's syncs and deliveries judged against `max_age` at `now`.
pub fn check(
    db: &Path,
    now: DateTime<Utc>,
    max_age: Duration,
) -> Result<(ArchiveStatus, Check), Error> {
    let store = Store::open_read_only(db)?;
    let status = store.status(now)?;
    let facts = store.freshness()?;
    Ok((status, judge(facts, now, max_age)))
}

/// What a monitoring check found, with the facts it judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The age judged against, in seconds.
    pub max_age_secs: u64,
    /// The moment ages were counted to (RFC 3339).
    pub checked_at: String,
    /// The facts: syncs per source, deliveries per subscription.
    #[serde(flatten)]
    pub facts: Freshness,
    /// What is wrong; empty when all is well.
    pub problems: Vec<Problem>,
}

impl Check {
    /// True when nothing is wrong.
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing a check found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// `sync` (the archive's syncs as a whole), `source` or `subscription`.
    pub what: &'static str,
    /// Which source (as given to `sync`) or subscription (its id); none for `sync`.
    pub which: Option<String>,
    /// How old the fact judged is, in seconds; none when it never happened.
    pub age_secs: Option<u64>,
    /// Why, in words.
    pub reason: String,
}

/// Judges `facts` at `now`: a problem when no sync has succeeded within
/// `max_age` (or none ever did); when a source tried within `max_age` has not
/// succeeded within it (a source no longer synced is not judged, so one
/// dropped from the cron line does not fail the check for ever); when a
/// subscription is failing; and when one has had events pending for longer than `max_age`.
pub fn judge(facts: Freshness, now: DateTime<Utc>, max_age: Duration) -> Check {
    let limit = chrono::TimeDelta::from_std(max_age).unwrap_or(chrono::TimeDelta::MAX);
    let age = |at: &Option<String>| at.as_deref().and_then(read).map(|t| now - t);
    let secs = |d: chrono::TimeDelta| d.num_seconds().max(0) as u64;
    let max_words = words(max_age.as_secs());
    let mut problems = Vec::new();

    let newest = facts
        .sources
        .iter()
        .filter_map(|s| Some((age(&s.last_success)?, s.last_success.as_deref()?)))
        .min_by_key(|(a, _)| *a);
    match newest {
        None => problems.push(Problem {
            what: "sync",
            which: None,
            age_secs: None,
            reason: if facts.sources.is_empty() {
                "the archive was never synced".to_owned()
            } else {
                "no sync has ever succeeded".to_owned()
            },
        }),
        Some((a, at)) if a > limit => problems.push(Problem {
            what: "sync",
            which: None,
            age_secs: Some(secs(a)),
            reason: format!(
                "the newest successful sync finished {} ago ({at}), more than {max_words}",
                words(secs(a))
            ),
        }),
        Some(_) => {}
    }

    for s in &facts.sources {
        let tried_lately = age(&Some(s.last_try.clone())).is_some_and(|a| a <= limit);
        let success = age(&s.last_success);
        if !tried_lately || success.is_some_and(|a| a <= limit) {
            continue;
        }
        let last = match (&s.last_success, success) {
            (Some(at), Some(a)) => format!("last succeeded {} ago ({at})", words(secs(a))),
            _ => "never succeeded".to_owned(),
        };
        let outcome = s.last_outcome.as_deref().unwrap_or("did not finish");
        problems.push(Problem {
            what: "source",
            which: Some(s.source.clone()),
            age_secs: success.map(secs),
            reason: format!("{last}; the sync at {} ended: {outcome}", s.last_try),
        });
    }

    for d in &facts.subscriptions {
        let waiting = age(&d.oldest_pending);
        let pending = match waiting {
            Some(a) if d.pending > 0 => format!(
                "{} pending for {}",
                super::count(d.pending, "event", "events"),
                words(secs(a))
            ),
            _ => String::new(),
        };
        let reason = match &d.failing {
            Some(why) if pending.is_empty() => format!("failing: {why}"),
            Some(why) => format!("failing: {why}; {pending}"),
            None if waiting.is_some_and(|a| a > limit) => {
                format!("{pending}, more than {max_words}")
            }
            None => continue,
        };
        problems.push(Problem {
            what: "subscription",
            which: Some(format!(
                "{} ({})",
                d.subscription,
                crate::model::redact_url(&d.url)
            )),
            age_secs: waiting.map(secs),
            reason,
        });
    }

    Check {
        max_age_secs: max_age.as_secs(),
        checked_at: crate::store::ts(now),
        facts,
        problems,
    }
}

fn read(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A length of time in its two largest units: `45s`, `12m`, `2h 5m`, `3d 4h`.
fn words(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) if s == 0 => format!("{m}m"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, 0) => format!("{h}h"),
        (0, _, _) => format!("{h}h {m}m"),
        (_, 0, _) => format!("{d}d"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Deliveries, SourceSync};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn source(name: &str, success: Option<&str>, tried: &str, outcome: &str) -> SourceSync {
        SourceSync {
            source: name.into(),
            last_success: success.map(String::from),
            last_try: tried.into(),
            last_outcome: Some(outcome.into()),
        }
    }

    #[test]
    fn lengths_of_time_read_in_their_two_largest_units() {
        assert_eq!(words(45), "45s");
        assert_eq!(words(600), "10m");
        assert_eq!(words(605), "10m 5s");
        assert_eq!(words(3600), "1h");
        assert_eq!(words(7500), "2h 5m");
        assert_eq!(words(86_400 * 3 + 3600 * 4 + 7), "3d 4h");
    }

    #[test]
    fn a_source_no_longer_tried_is_not_judged_but_a_failing_one_is() {
        let now = at("2024-05-01T12:00:00Z");
        let hour = Duration::from_secs(3600);
        let facts = Freshness {
            sources: vec![
                source(
                    "https://a",
                    Some("2024-05-01T11:50:00Z"),
                    "2024-05-01T11:49:00Z",
                    "ok",
                ),
                source(
                    "https://old",
                    Some("2024-01-01T00:00:00Z"),
                    "2024-01-01T00:00:00Z",
                    "ok",
                ),
                source(
                    "https://b",
                    Some("2024-04-30T12:00:00Z"),
                    "2024-05-01T11:55:00Z",
                    "HTTP 500",
                ),
            ],
            subscriptions: vec![Deliveries {
                subscription: 1,
                url: "http://hook".into(),
                failing: None,
                pending: 2,
                oldest_pending: Some("2024-05-01T11:30:00Z".into()),
            }],
        };
        let check = judge(facts, now, hour);
        assert_eq!(check.problems.len(), 1, "{:?}", check.problems);
        let p = &check.problems[0];
        assert_eq!((p.what, p.which.as_deref()), ("source", Some("https://b")));
        assert_eq!(p.age_secs, Some(86_400));
        assert!(
            p.reason.contains("1d ago") && p.reason.contains("HTTP 500"),
            "{}",
            p.reason
        );
    }
}
