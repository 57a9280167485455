//! The report's figures from hand-made records.

use chrono::{DateTime, Utc};

use super::*;
use crate::model::{Fields, Status};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn record(id: &str, class: Classification, start: &str, end: Option<&str>, closed: bool) -> Record {
    Record {
        id: RecordId::parse(id).unwrap(),
        fields: Fields {
            kind: Kind::Health,
            service: Some("Exchange Online".into()),
            title: format!("title of {id}"),
            status: Some(if closed {
                Status::ServiceRestored
            } else {
                Status::Investigating
            }),
            classification: class,
            user_impact: None,
            last_updated: at(start),
            start_time: at(start),
            end_time: end.map(at),
            action_required_by: None,
        },
        closed,
        update_count: 1,
        first_seen: at(start),
        related_ids: vec![],
        link: Some(format!("https://example.invalid/{id}")),
    }
}

#[test]
fn figures_count_classes_open_records_and_durations() {
    let moment = at("2024-04-01T00:00:00Z");
    let records = vec![
        record(
            "EX100001",
            Classification::Incident,
            "2024-03-01T10:00:00Z",
            Some("2024-03-01T11:00:00Z"),
            true,
        ),
        record(
            "EX100002",
            Classification::Incident,
            "2024-03-02T10:00:00Z",
            Some("2024-03-02T13:00:00Z"),
            true,
        ),
        record(
            "EX100003",
            Classification::Advisory,
            "2024-03-03T10:00:00Z",
            Some("2024-03-03T12:00:00Z"),
            true,
        ),
        // Ends after the month: open at its end, and not in the durations.
        record(
            "EX100004",
            Classification::Incident,
            "2024-03-30T00:00:00Z",
            Some("2024-04-02T00:00:00Z"),
            true,
        ),
        record(
            "EX100005",
            Classification::Advisory,
            "2024-03-31T12:00:00Z",
            None,
            false,
        ),
    ];
    let f = figures(&records, moment);
    assert_eq!((f.incidents, f.advisories, f.announcements), (3, 2, 0));
    assert_eq!(f.open_at_end, 2);
    assert_eq!(f.median_minutes, Some(120.0));
    assert_eq!(f.worst_minutes, Some(180));
    let services = services(&records, moment);
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].records, 5);
    // 60 + 180 + 120 + 48 h to the moment + 12 h to the moment.
    assert_eq!(services[0].minutes, 60 + 180 + 120 + 48 * 60 + 12 * 60);
    assert_eq!(
        longest(&records, moment, 2),
        [
            RecordId::parse("EX100004").unwrap(),
            RecordId::parse("EX100005").unwrap()
        ]
    );
}

#[test]
fn spans_clip_to_the_month_and_mark_open_ones() {
    let (start, end) = (at("2024-03-01T00:00:00Z"), at("2024-04-01T00:00:00Z"));
    let records = vec![
        record(
            "EX100004",
            Classification::Incident,
            "2024-03-30T00:00:00Z",
            Some("2024-04-02T00:00:00Z"),
            true,
        ),
        record(
            "EX100001",
            Classification::Incident,
            "2024-03-01T10:00:00Z",
            Some("2024-03-01T11:00:00Z"),
            true,
        ),
    ];
    let (spans, left_off) = spans(&records, start, end, end);
    assert_eq!(left_off, 0);
    assert_eq!(spans[0].id.as_str(), "EX100001");
    assert!(!spans[0].open);
    assert_eq!(spans[1].to, end);
    assert!(spans[1].open);
}

#[test]
fn an_empty_month_has_no_figures_but_a_whole_report() {
    let input = Input {
        month: Month::parse("2024-03").unwrap(),
        zone: Zone::utc(),
        now: at("2024-05-01T00:00:00Z"),
        filters: vec![],
        records: vec![],
        previous: vec![],
        timelines: vec![],
        due: vec![],
    };
    let report = build(&input);
    assert_eq!(report.this, Figures::default());
    assert_eq!(report.moment, at("2024-04-01T00:00:00Z"));
    assert_eq!(report.due_until, at("2024-05-31T00:00:00Z"));
    let page = html(&report, &Zone::utc()).unwrap();
    assert!(page.contains("No service-health record started in the month."));
    assert!(markdown(&report, &Zone::utc()).contains("| Incidents | 0 | 0 | ±0 |"));
}

#[test]
fn only_web_addresses_become_links() {
    assert_eq!(web_link(Some("javascript:alert(1)")), None);
    assert_eq!(
        web_link(Some(" https://a.example/x ")).as_deref(),
        Some("https://a.example/x")
    );
}
