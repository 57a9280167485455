//! The column contract of each row type, in one place per type: the JSON keys
//! (serde field order) and the CSV cells (`cells`) must list the same columns
//! in the same order, which the tests below check.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Cells, Row};
use crate::model::{ArchivedUpdate, Hit, Kind, Record, RecordId, Stats, Status};

/// One record per row: the `export` (and `list --format`) contract.
#[derive(Debug, Serialize)]
pub struct RecordRow<'a> {
    /// Record ID.
    pub id: &'a RecordId,
    /// `health` or `message`.
    pub kind: Kind,
    /// Affected service.
    pub service: Option<&'a str>,
    /// Latest title.
    pub title: &'a str,
    /// Latest status.
    pub status: Option<&'a str>,
    /// Classification.
    pub classification: &'a str,
    /// Latest User Impact.
    pub user_impact: Option<&'a str>,
    /// Start Time.
    pub start_time: DateTime<Utc>,
    /// End Time.
    pub end_time: Option<DateTime<Utc>>,
    /// Latest Last Updated.
    pub last_updated: DateTime<Utc>,
    /// End − Start in minutes of a closed service-health record; none while open,
    /// so an export does not depend on the moment it runs.
    pub duration_minutes: Option<i64>,
    /// Distinct updates in the timeline.
    pub update_count: u64,
    /// Records the latest message mentions.
    pub related_ids: &'a [RecordId],
    /// URL of the post carrying the latest update.
    pub link: Option<&'a str>,
    /// Whether the record is over: for Message Center, whether its End Time had passed at export.
    pub closed: bool,
    /// Action Required By Date (Message Center); last, so earlier columns keep their places.
    pub action_required_by: Option<DateTime<Utc>>,
}

impl<'a> RecordRow<'a> {
    /// The row for `record`.
    pub fn new(record: &'a Record) -> Self {
        let f = &record.fields;
        RecordRow {
            id: &record.id,
            kind: f.kind,
            service: f.service.as_deref(),
            title: &f.title,
            status: f.status.as_ref().map(Status::as_str),
            classification: f.classification.as_str(),
            user_impact: f.user_impact.as_deref(),
            start_time: f.start_time,
            end_time: f.end_time,
            last_updated: f.last_updated,
            duration_minutes: record.closed_duration_minutes(),
            update_count: record.update_count,
            related_ids: &record.related_ids,
            link: record.link.as_deref(),
            closed: record.closed,
            action_required_by: f.action_required_by,
        }
    }
}

impl Row for RecordRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "kind",
        "service",
        "title",
        "status",
        "classification",
        "user_impact",
        "start_time",
        "end_time",
        "last_updated",
        "duration_minutes",
        "update_count",
        "related_ids",
        "link",
        "closed",
        "action_required_by",
    ];

    fn cells<W: Write>(&self, c: &mut Cells<'_, W>) -> io::Result<()> {
        c.text(self.id.as_str())?;
        c.text(self.kind.as_str())?;
        c.opt(self.service)?;
        c.text(self.title)?;
        c.opt(self.status)?;
        c.text(self.classification)?;
        c.opt(self.user_impact)?;
        c.time(Some(self.start_time))?;
        c.time(self.end_time)?;
        c.time(Some(self.last_updated))?;
        c.number(self.duration_minutes)?;
        c.number(Some(self.update_count as i64))?;
        c.list(self.related_ids.iter().map(RecordId::as_str))?;
        c.opt(self.link)?;
        c.flag(self.closed)?;
        c.time(self.action_required_by)
    }
}

/// One update per row: the `export --updates` contract.
#[derive(Debug, Serialize)]
pub struct UpdateRow<'a> {
    /// Record ID.
    pub id: &'a RecordId,
    /// This update's Last Updated.
    pub last_updated: DateTime<Utc>,
    /// Status at this update.
    pub status: Option<&'a str>,
    /// Title at this update.
    pub title: &'a str,
    /// End Time at this update.
    pub end_time: Option<DateTime<Utc>>,
    /// The first (lowest id) post that carried it.
    pub post_id: Option<u64>,
    /// That post's URL.
    pub link: Option<&'a str>,
    /// `health` or `message`.
    pub kind: Kind,
    /// Service at this update.
    pub service: Option<&'a str>,
    /// Classification at this update.
    pub classification: &'a str,
    /// User Impact at this update.
    pub user_impact: Option<&'a str>,
    /// Start Time at this update.
    pub start_time: DateTime<Utc>,
    /// Records the message mentions.
    pub related_ids: &'a [RecordId],
    /// Every post that carried it (reposts included).
    pub post_ids: Vec<u64>,
    /// The message as plain text.
    pub message: &'a str,
    /// The Machine Translation row, when the post had one.
    pub machine_translation: Option<&'a str>,
    /// Action Required By Date at this update; last, so earlier columns keep their places.
    pub action_required_by: Option<DateTime<Utc>>,
}

impl<'a> UpdateRow<'a> {
    /// The row for `update`.
    pub fn new(update: &'a ArchivedUpdate) -> Self {
        let first = update.posts.first();
        let f = &update.fields;
        UpdateRow {
            id: &update.id,
            last_updated: f.last_updated,
            status: f.status.as_ref().map(Status::as_str),
            title: &f.title,
            end_time: f.end_time,
            post_id: first.map(|p| p.id),
            link: first.and_then(|p| p.link.as_deref()),
            kind: f.kind,
            service: f.service.as_deref(),
            classification: f.classification.as_str(),
            user_impact: f.user_impact.as_deref(),
            start_time: f.start_time,
            related_ids: &update.related_ids,
            post_ids: update.posts.iter().map(|p| p.id).collect(),
            message: &update.message,
            machine_translation: update.machine_translation.as_deref(),
            action_required_by: f.action_required_by,
        }
    }
}

impl Row for UpdateRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "last_updated",
        "status",
        "title",
        "end_time",
        "post_id",
        "link",
        "kind",
        "service",
        "classification",
        "user_impact",
        "start_time",
        "related_ids",
        "post_ids",
        "message",
        "machine_translation",
        "action_required_by",
    ];

    fn cells<W: Write>(&self, c: &mut Cells<'_, W>) -> io::Result<()> {
        c.text(self.id.as_str())?;
        c.time(Some(self.last_updated))?;
        c.opt(self.status)?;
        c.text(self.title)?;
        c.time(self.end_time)?;
        c.number(self.post_id.map(|p| p as i64))?;
        c.opt(self.link)?;
        c.text(self.kind.as_str())?;
        c.opt(self.service)?;
        c.text(self.classification)?;
        c.opt(self.user_impact)?;
        c.time(Some(self.start_time))?;
        c.list(self.related_ids.iter().map(RecordId::as_str))?;
        let ids: Vec<String> = self.post_ids.iter().map(u64::to_string).collect();
        c.list(ids.iter().map(String::as_str))?;
        c.text(self.message)?;
        c.opt(self.machine_translation)?;
        c.time(self.action_required_by)
    }
}

/// One search result per row: `search --format`.
#[derive(Debug, Serialize)]
pub struct HitRow<'a> {
    /// Record ID.
    pub id: &'a RecordId,
    /// Latest status.
    pub status: Option<&'a str>,
    /// Affected service.
    pub service: Option<&'a str>,
    /// Latest title.
    pub title: &'a str,
    /// Latest Last Updated.
    pub last_updated: DateTime<Utc>,
    /// bm25 score: lower is a better match.
    pub score: f64,
    /// Words around the match, matched words in `[` `]`.
    pub snippet: &'a str,
    /// URL of the post carrying the latest update.
    pub link: Option<&'a str>,
}

impl<'a> HitRow<'a> {
    /// The row for `hit`.
    pub fn new(hit: &'a Hit) -> Self {
        let r = &hit.record;
        HitRow {
            id: &r.id,
            status: r.fields.status.as_ref().map(Status::as_str),
            service: r.fields.service.as_deref(),
            title: &r.fields.title,
            last_updated: r.fields.last_updated,
            score: hit.score,
            snippet: &hit.snippet,
            link: r.link.as_deref(),
        }
    }
}

impl Row for HitRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "status",
        "service",
        "title",
        "last_updated",
        "score",
        "snippet",
        "link",
    ];

    fn cells<W: Write>(&self, c: &mut Cells<'_, W>) -> io::Result<()> {
        c.text(self.id.as_str())?;
        c.opt(self.status)?;
        c.opt(self.service)?;
        c.text(self.title)?;
        c.time(Some(self.last_updated))?;
        c.field(&format!("{:.4}", self.score))?;
        c.text(self.snippet)?;
        c.opt(self.link)
    }
}

/// One line of `stats --format csv`: a dimension, a value, and its count or durations.
#[derive(Debug, Serialize)]
pub struct StatRow<'a> {
    /// `service`, `status`, `classification`, `month` or `duration`.
    pub dimension: &'static str,
    /// The value (a service name, a status, `2023-03`…); empty when absent.
    pub value: Option<&'a str>,
    /// Records with that value.
    pub records: u64,
    /// Median duration in minutes (`duration` rows only).
    pub median_minutes: Option<f64>,
    /// 90th-percentile duration in minutes (`duration` rows only).
    pub p90_minutes: Option<f64>,
}

impl Row for StatRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "dimension",
        "value",
        "records",
        "median_minutes",
        "p90_minutes",
    ];

    fn cells<W: Write>(&self, c: &mut Cells<'_, W>) -> io::Result<()> {
        c.text(self.dimension)?;
        c.opt(self.value)?;
        c.number(Some(self.records as i64))?;
        for v in [self.median_minutes, self.p90_minutes] {
            let cell = v.map(|m| format!("{m:.1}")).unwrap_or_default();
            c.field(&cell)?;
        }
        Ok(())
    }
}

/// Every line of `stats` as rows, in the order the table shows them.
pub fn stat_rows(stats: &Stats) -> Vec<StatRow<'_>> {
    let mut rows = Vec::new();
    for (dimension, counts) in [
        ("service", &stats.by_service),
        ("status", &stats.by_status),
        ("classification", &stats.by_classification),
        ("month", &stats.by_month),
    ] {
        rows.extend(counts.iter().map(|c| StatRow {
            dimension,
            value: c.key.as_deref(),
            records: c.records,
            median_minutes: None,
            p90_minutes: None,
        }));
    }
    rows.extend(stats.durations.iter().map(|d| StatRow {
        dimension: "duration",
        value: Some(&d.service),
        records: d.records,
        median_minutes: Some(d.median_minutes),
        p90_minutes: Some(d.p90_minutes),
    }));
    rows
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::export::{Format, Options, Writer};
    use crate::model::{Classification, Fields};

    /// A closed incident record, shared by the export tests.
    pub(crate) fn record() -> Record {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        Record {
            id: RecordId::parse("DZ534539").unwrap(),
            fields: Fields {
                kind: Kind::Health,
                service: Some("Microsoft 365 Defender".into()),
                title: "Admins received false alerts".into(),
                status: Some(Status::ServiceRestored),
                classification: Classification::Incident,
                user_impact: None,
                last_updated: t("2023-03-29T18:23:04Z"),
                start_time: t("2023-03-29T07:00:00Z"),
                end_time: Some(t("2023-03-29T17:15:00Z")),
                action_required_by: None,
            },
            closed: true,
            update_count: 3,
            first_seen: t("2023-03-29T08:00:00Z"),
            related_ids: vec![RecordId::parse("DZ534548").unwrap()],
            link: None,
        }
    }

    /// serde_json's maps sort keys, so the order is checked on the text.
    fn assert_keys_in_order(json: &str, columns: &[&str]) {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value.as_object().unwrap().len(), columns.len());
        let at: Vec<usize> = columns
            .iter()
            .map(|c| json.find(&format!("\"{c}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
    }

    #[test]
    fn json_keys_are_the_csv_columns_in_order() {
        let r = record();
        let json = serde_json::to_string(&RecordRow::new(&r)).unwrap();
        assert_keys_in_order(&json, RecordRow::COLUMNS);
        let u = ArchivedUpdate {
            id: r.id.clone(),
            fields: r.fields.clone(),
            message: String::new(),
            machine_translation: None,
            related_ids: vec![],
            posts: vec![],
        };
        let json = serde_json::to_string(&UpdateRow::new(&u)).unwrap();
        assert_keys_in_order(&json, UpdateRow::COLUMNS);
    }

    proptest::proptest! {
        /// Whatever text a post holds, CSV and JSON give it back: CSV with the
        /// formula guard's `'` in front exactly when the text starts with a trigger.
        #[test]
        fn export_read_back_equals_what_was_stored(
            title in "\\PC{0,40}",
            impact in proptest::option::of("[=+@\\-\t\r]?\\PC{0,20}\n?\\PC{0,5}"),
            service in proptest::option::of("[ -~]{0,20}"),
        ) {
            let mut r = record();
            r.fields.title = title;
            r.fields.user_impact = impact;
            r.fields.service = service;
            let mut buf = Vec::new();
            let mut w = Writer::new::<RecordRow<'_>>(&mut buf, Options::new(Format::Csv)).unwrap();
            w.write(&RecordRow::new(&r)).unwrap();
            w.finish().unwrap();
            let mut reader = csv::Reader::from_reader(buf.as_slice());
            let row = reader.records().next().unwrap().unwrap();
            let guarded = |v: &str| {
                if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{v}")
                } else {
                    v.to_owned()
                }
            };
            proptest::prop_assert_eq!(&row[2], guarded(r.service.as_deref().unwrap_or("")));
            proptest::prop_assert_eq!(&row[3], guarded(&r.title));
            proptest::prop_assert_eq!(&row[6], guarded(r.user_impact.as_deref().unwrap_or("")));

            let json = serde_json::to_string(&RecordRow::new(&r)).unwrap();
            let back: serde_json::Value = serde_json::from_str(&json).unwrap();
            proptest::prop_assert_eq!(back["title"].as_str(), Some(r.title.as_str()));
            proptest::prop_assert_eq!(back["user_impact"].as_str(), r.user_impact.as_deref());
        }
    }
}
