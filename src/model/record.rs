//! The read side's view of a record: its current state, its timeline, and what
//! changed between two updates.
//!
//! `Update` is what one post says; these types are what the archive knows after
//! many posts, so `store` can return them and `export` and the CLI can show them
//! without either knowing SQL.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Classification, ExtraRow, Fields, Kind, PostRef, RecordId, Status};

/// A record's current state: the columns of its latest update plus archive facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The record's ID.
    pub id: RecordId,
    /// The latest update's fields.
    #[serde(flatten)]
    pub fields: Fields,
    /// Whether the record is over when it was read: the latest update's
    /// status for service health; for Message Center, whether its End Time had passed.
    pub closed: bool,
    /// Distinct updates in the timeline.
    pub update_count: u64,
    /// The earliest Last Updated in the timeline.
    pub first_seen: DateTime<Utc>,
    /// Other records the latest message mentions.
    pub related_ids: Vec<RecordId>,
    /// The public URL of the post that carried the latest update.
    pub link: Option<String>,
}

impl Record {
    /// How long a service-health record lasted (End − Start) or, while it is
    /// open without an End Time, has lasted so far at `now`. Whole minutes; none
    /// for Message Center, whose End Time is an expiry date, not an outage's end.
    pub fn duration_minutes(&self, now: DateTime<Utc>) -> Option<i64> {
        let f = &self.fields;
        if f.kind == Kind::Message {
            return None;
        }
        let end = match (f.end_time, self.closed) {
            (Some(end), _) => end,
            (None, false) => now,
            (None, true) => return None,
        };
        Some((end - f.start_time).num_minutes())
    }

    /// How long a closed service-health record lasted (End − Start), whole
    /// minutes: the duration an export carries. None while the record is open,
    /// so the value is a fact of the archive, not of the clock it is read at.
    pub fn closed_duration_minutes(&self) -> Option<i64> {
        let f = &self.fields;
        match (f.kind, self.closed, f.end_time) {
            (Kind::Health, true, Some(end)) => Some((end - f.start_time).num_minutes()),
            _ => None,
        }
    }

    /// True while a service-health record is open and has no End Time.
    pub fn is_ongoing(&self) -> bool {
        self.fields.kind == Kind::Health && !self.closed && self.fields.end_time.is_none()
    }
}

/// One update in a record's timeline, with the posts that carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The update's fields.
    #[serde(flatten)]
    pub fields: Fields,
    /// What differs from the update before; empty for the first.
    pub changes: Vec<Change>,
    /// Every post that carried this update (reposts included), oldest post id first.
    pub posts: Vec<PostRef>,
    /// Its Last Updated is more than a day after its newest post was modified
    /// (a typo like 2033 for 2023): kept in the timeline, never made current
    /// while a plausible update exists.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implausible: bool,
}

/// Whether a Last Updated could be true of a post modified at `modified`: no
/// later than a day after it. Without a modified time there is no judgement.
pub fn plausible_last_updated(
    last_updated: DateTime<Utc>,
    modified: Option<DateTime<Utc>>,
) -> bool {
    modified.is_none_or(|m| last_updated <= m + chrono::TimeDelta::days(1))
}

/// One field that changed between two consecutive updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `status`, `title`, `classification`, `start_time`, `end_time` or `action_required_by`.
    pub field: &'static str,
    /// The value before; none when it was absent.
    pub from: Option<FieldValue>,
    /// The value after; none when it became absent.
    pub to: Option<FieldValue>,
}

/// The value of one changed field, typed; JSON shows it as the text `Display` gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A status.
    Status(Status),
    /// Free text, such as a title.
    Text(String),
    /// A classification.
    Classification(Classification),
    /// A time, shown to the second as `2023-03-29T17:15:00Z`.
    Time(DateTime<Utc>),
}

impl std::fmt::Display for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldValue::Status(s) => f.write_str(s.as_str()),
            FieldValue::Text(t) => f.write_str(t),
            FieldValue::Classification(c) => f.write_str(c.as_str()),
            FieldValue::Time(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%SZ")),
        }
    }
}

impl Serialize for FieldValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The fields of `after` that differ from `before`, in a fixed order.
pub fn changes(before: &Fields, after: &Fields) -> Vec<Change> {
    let status = |f: &Fields| f.status.clone().map(FieldValue::Status);
    let time = |t: Option<DateTime<Utc>>| t.map(FieldValue::Time);
    let candidates = [
        ("status", status(before), status(after)),
        (
            "title",
            Some(FieldValue::Text(before.title.clone())),
            Some(FieldValue::Text(after.title.clone())),
        ),
        (
            "classification",
            Some(FieldValue::Classification(before.classification.clone())),
            Some(FieldValue::Classification(after.classification.clone())),
        ),
        (
            "start_time",
            time(Some(before.start_time)),
            time(Some(after.start_time)),
        ),
        ("end_time", time(before.end_time), time(after.end_time)),
        (
            "action_required_by",
            time(before.action_required_by),
            time(after.action_required_by),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, from, to)| from != to)
        .map(|(field, from, to)| Change { field, from, to })
        .collect()
}

/// Another record a record points at (or that points at it), as far as the archive knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// The other record's ID.
    pub id: RecordId,
    /// Whether the archive holds that record; when false the other fields are none.
    pub in_archive: bool,
    /// Its current title.
    pub title: Option<String>,
    /// Its current status.
    pub status: Option<Status>,
    /// Whether it is over.
    pub closed: Option<bool>,
}

/// One distinct update as the archive keeps it, with every post that carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedUpdate {
    /// The record's ID.
    pub id: RecordId,
    /// The update's fields.
    #[serde(flatten)]
    pub fields: Fields,
    /// The message as plain text.
    pub message: String,
    /// The Machine Translation row, when the post had one.
    pub machine_translation: Option<String>,
    /// Other records the message mentions.
    pub related_ids: Vec<RecordId>,
    /// Every post that carried it, lowest post id first.
    pub posts: Vec<PostRef>,
}

/// One search result: a record, how well it matched, and the text around the match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The record's current state.
    pub record: Record,
    /// SQLite's bm25 score of the best-matching update: lower is better; 0 for substring matches.
    pub score: f64,
    /// A few words around the match, the matched words between the caller's marks.
    pub snippet: String,
}

/// A Machine Translation row and the update whose post carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Translation {
    /// That update's Last Updated.
    pub last_updated: DateTime<Utc>,
    /// The translation (Japanese), paragraphs separated by a blank line.
    pub text: String,
}

/// Everything the archive knows about one record, for `healthfeed query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDetail {
    /// The current state.
    #[serde(flatten)]
    pub record: Record,
    /// The latest message as plain text.
    pub message: String,
    /// The latest update's table rows the parser does not know, in table order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_rows: Vec<ExtraRow>,
    /// The newest Machine Translation in the timeline (when asked for): the
    /// latest update's if it has one, else the most recent earlier one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_translation: Option<Translation>,
    /// Every update, oldest first.
    pub timeline: Vec<Step>,
    /// Records mentioned anywhere in the timeline, in order of first mention.
    pub related: Vec<Related>,
    /// Records whose timelines mention this one, most recently updated first.
    pub mentioned_by: Vec<Related>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn fields(title: &str) -> Fields {
        Fields {
            kind: Kind::Health,
            service: None,
            title: title.into(),
            status: None,
            classification: Classification::Incident,
            user_impact: None,
            last_updated: at("2023-03-29T08:00:00Z"),
            start_time: at("2023-03-29T07:00:00Z"),
            end_time: None,
            action_required_by: None,
        }
    }

    fn step(status: &str, title: &str, end: Option<&str>) -> Step {
        Step {
            fields: Fields {
                status: Some(Status::parse(status)),
                end_time: end.map(at),
                ..fields(title)
            },
            changes: vec![],
            posts: vec![],
            implausible: false,
        }
    }

    /// A change's value as the JSON of `query --json` shows it.
    fn shown(value: &Option<FieldValue>) -> Option<String> {
        value
            .as_ref()
            .map(|v| match serde_json::to_value(v).unwrap() {
                serde_json::Value::String(text) => text,
                other => panic!("{other} is not a JSON string"),
            })
    }

    #[test]
    fn changes_name_each_differing_field_once() {
        let a = step("investigating", "Users can't", None);
        let b = step(
            "serviceRestored",
            "Users can't",
            Some("2023-03-29T17:15:00Z"),
        );
        let got = changes(&a, &b);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].field, "status");
        assert_eq!(shown(&got[0].from).as_deref(), Some("investigating"));
        assert_eq!(got[1].field, "end_time");
        assert_eq!(got[1].from, None);
        assert_eq!(shown(&got[1].to).as_deref(), Some("2023-03-29T17:15:00Z"));
        assert!(changes(&b, &b).is_empty());
    }

    #[test]
    fn change_values_travel_typed_and_show_as_the_text_they_replaced() {
        let a = step("investigating", "Before", None);
        let mut b = step("serviceRestored", "After", Some("2023-03-29T17:15:00Z"));
        b.fields.classification = Classification::Advisory;
        let got = changes(&a, &b);
        let fields: Vec<&str> = got.iter().map(|c| c.field).collect();
        assert_eq!(fields, ["status", "title", "classification", "end_time"]);
        assert_eq!(
            got[3].to,
            Some(FieldValue::Time(at("2023-03-29T17:15:00Z")))
        );
        let json = serde_json::to_string(&got).unwrap();
        assert_eq!(
            json,
            r#"[{"field":"status","from":"investigating","to":"serviceRestored"},{"field":"title","from":"Before","to":"After"},{"field":"classification","from":"incident","to":"advisory"},{"field":"end_time","from":null,"to":"2023-03-29T17:15:00Z"}]"#
        );
    }

    /// An open service-health record started at 07:00 with no End Time.
    fn open_record() -> Record {
        Record {
            id: RecordId::parse("EX100001").unwrap(),
            fields: Fields {
                last_updated: at("2023-03-29T07:00:00Z"),
                ..fields("")
            },
            closed: false,
            update_count: 1,
            first_seen: at("2023-03-29T07:00:00Z"),
            related_ids: vec![],
            link: None,
        }
    }

    #[test]
    fn duration_runs_to_now_only_while_a_health_record_is_open() {
        let mut r = open_record();
        let now = at("2023-03-29T09:30:00Z");
        assert_eq!(r.duration_minutes(now), Some(150));
        r.closed = true;
        assert_eq!(r.duration_minutes(now), None);
        r.fields.end_time = Some(at("2023-03-29T07:45:00Z"));
        assert_eq!(r.duration_minutes(now), Some(45));
        r.fields.kind = Kind::Message;
        assert_eq!(r.duration_minutes(now), None);
    }

    #[test]
    fn an_exported_duration_is_a_fact_of_a_closed_health_record() {
        let mut r = open_record();
        assert_eq!(r.closed_duration_minutes(), None, "open, no End Time");
        r.fields.end_time = Some(at("2023-03-29T07:45:00Z"));
        assert_eq!(r.closed_duration_minutes(), None, "open with an End Time");
        r.closed = true;
        assert_eq!(r.closed_duration_minutes(), Some(45));
        r.fields.end_time = None;
        assert_eq!(r.closed_duration_minutes(), None, "closed, no End Time");
        r.fields.end_time = Some(at("2023-03-29T07:45:00Z"));
        r.fields.kind = Kind::Message;
        assert_eq!(r.closed_duration_minutes(), None);
    }
}
