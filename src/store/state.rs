//! Whether a record is over, decided when the archive is read.
//!
//! A service-health record is over when its latest status says so; that is
//! stored on the record when it settles. A Message Center record's End Time
//! is usually months ahead (a rollout or retirement date), so it is active
//! until that time has passed and ended after: only the clock at read time can
//! say which, whenever the post was stored. Every reader (lists, filters,
//! counts, `query`) asks here, so they all give the same answer.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;

use super::ts;
use crate::model::Kind;

/// SQL for "record alias `a` is over" at a time bound to its one `?`
/// (push [`now_value`] at that place in the parameters).
pub(super) fn closed_sql(a: &str) -> String {
    // The stored `closed` of a Message Center record says only that it has an End Time.
    format!(
        "(CASE WHEN {a}.kind = 'message' THEN {a}.end_time IS NOT NULL AND {a}.end_time <= ? \
         ELSE {a}.closed END)"
    )
}

/// `now` as the parameter [`closed_sql`] compares End Times with (RFC 3339 text sorts as time).
pub(super) fn now_value(now: DateTime<Utc>) -> Value {
    Value::Text(ts(now))
}

/// The same answer as [`closed_sql`], for a row already read: `stored` is the record's `closed` column.
pub(super) fn is_closed(
    kind: Kind,
    end_time: Option<DateTime<Utc>>,
    stored: bool,
    now: DateTime<Utc>,
) -> bool {
    match kind {
        Kind::Message => end_time.is_some_and(|end| ts(end) <= ts(now)),
        Kind::Health => stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_center_is_over_once_its_end_time_has_passed() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let now = at("2024-06-01T12:00:00Z");
        let message = |end: Option<&str>| is_closed(Kind::Message, end.map(at), true, now);
        assert!(!message(None));
        assert!(!message(Some("2025-01-31T08:00:00Z")));
        assert!(message(Some("2024-06-01T12:00:00Z")));
        assert!(message(Some("2023-01-31T08:00:00Z")));
        assert!(is_closed(Kind::Health, None, true, now));
        assert!(!is_closed(Kind::Health, Some(now), false, now));
    }
}
