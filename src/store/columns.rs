//! How an update's fields sit in the archive: one column list, one way to bind
//! them and one way to read them back, shared by the `updates` and `records`
//! tables (which name these columns alike), plus the cell readers every query uses.
//!
//! A new field of [`Fields`] is added here once (the list, the binding, the
//! reader) and in a schema migration; the statements that write and read both
//! tables build their column lists from [`FIELDS`].

use chrono::{DateTime, Utc};
use rusqlite::Row;
use rusqlite::types::{ToSql, Type};

use super::ts;
use crate::model::{Classification, ExtraRow, Fields, Kind, RecordId, Status};

/// The columns holding an update's [`Fields`], in the order [`fields_at`] reads them.
pub(super) const FIELDS: [&str; FIELD_COUNT] = [
    "kind",
    "service",
    "title",
    "status",
    "classification",
    "user_impact",
    "last_updated",
    "start_time",
    "end_time",
    "action_required_by",
];

/// How many columns [`FIELDS`] holds, for reading the columns after them.
pub(super) const FIELD_COUNT: usize = 10;

/// `FIELDS` as a select or insert list, each column after `prefix` (`u.`, `r.` or nothing).
pub(super) fn field_list(prefix: &str) -> String {
    FIELDS.map(|c| format!("{prefix}{c}")).join(", ")
}

/// `kind = excluded.kind, …`: an upsert that takes every field from the new row.
pub(super) fn fields_from_excluded() -> String {
    FIELDS.map(|c| format!("{c} = excluded.{c}")).join(", ")
}

/// An update's fields as SQL values, in [`FIELDS`] order.
pub(super) struct FieldValues<'a> {
    kind: &'static str,
    service: Option<&'a str>,
    title: &'a str,
    status: Option<&'a str>,
    classification: &'a str,
    user_impact: Option<&'a str>,
    /// Stored as RFC 3339 text; callers also key lookups on it.
    pub last_updated: String,
    start_time: String,
    end_time: Option<String>,
    action_required_by: Option<String>,
}

impl<'a> FieldValues<'a> {
    /// The values of `f` as the archive stores them.
    pub fn new(f: &'a Fields) -> Self {
        FieldValues {
            kind: f.kind.as_str(),
            service: f.service.as_deref(),
            title: &f.title,
            status: f.status.as_ref().map(Status::as_str),
            classification: f.classification.as_str(),
            user_impact: f.user_impact.as_deref(),
            last_updated: ts(f.last_updated),
            start_time: ts(f.start_time),
            end_time: f.end_time.map(ts),
            action_required_by: f.action_required_by.map(ts),
        }
    }

    /// The values to bind, in [`FIELDS`] order.
    pub fn params(&self) -> [&dyn ToSql; FIELD_COUNT] {
        [
            &self.kind,
            &self.service,
            &self.title,
            &self.status,
            &self.classification,
            &self.user_impact,
            &self.last_updated,
            &self.start_time,
            &self.end_time,
            &self.action_required_by,
        ]
    }
}

/// Reads the [`FIELDS`] columns starting at column `at`.
pub(super) fn fields_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Fields> {
    Ok(Fields {
        kind: kind(row, at)?,
        service: row.get(at + 1)?,
        title: row.get(at + 2)?,
        status: row.get_ref(at + 3)?.as_str_or_null()?.map(Status::parse),
        classification: Classification::parse(text(row, at + 4)?),
        user_impact: row.get(at + 5)?,
        last_updated: time(row, at + 6)?,
        start_time: time(row, at + 7)?,
        end_time: opt_time(row, at + 8)?,
        action_required_by: opt_time(row, at + 9)?,
    })
}

/// A stored value this build cannot read back: the archive was edited by hand or is damaged.
#[derive(Debug, thiserror::Error)]
#[error("stored value {value:?} is not {expected}")]
struct Unreadable {
    value: String,
    expected: &'static str,
}

/// The error for column `i` holding `value` where `expected` should be.
pub(super) fn unreadable(i: usize, value: &str, expected: &'static str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        Type::Text,
        Box::new(Unreadable {
            value: value.to_owned(),
            expected,
        }),
    )
}

/// Borrows column `i` as text.
pub(super) fn text<'r>(row: &'r Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(i)?
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

/// Reads a record ID column.
pub(super) fn record_id(row: &Row<'_>, i: usize) -> rusqlite::Result<RecordId> {
    let value = text(row, i)?;
    RecordId::parse(value).map_err(|_| unreadable(i, value, "a record ID"))
}

fn kind(row: &Row<'_>, i: usize) -> rusqlite::Result<Kind> {
    let value = text(row, i)?;
    value
        .parse()
        .map_err(|_| unreadable(i, value, "health or message"))
}

/// Reads RFC 3339 text as a UTC time.
pub(super) fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value).ok().map(|t| t.to_utc())
}

/// Reads an RFC 3339 timestamp column.
pub(super) fn time(row: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let value = text(row, i)?;
    parse_time(value).ok_or_else(|| unreadable(i, value, "an RFC 3339 time"))
}

/// Reads a nullable timestamp column; `''` (a post without a modified time) counts as none.
pub(super) fn opt_time(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get_ref(i)?.as_str_or_null() {
        Ok(None) => Ok(None),
        Ok(Some("")) => Ok(None),
        Ok(Some(value)) => parse_time(value)
            .map(Some)
            .ok_or_else(|| unreadable(i, value, "an RFC 3339 time")),
        Err(e) => Err(rusqlite::Error::FromSqlConversionFailure(
            i,
            Type::Text,
            Box::new(e),
        )),
    }
}

/// Reads a JSON list of record IDs (`related_ids`).
pub(super) fn ids(row: &Row<'_>, i: usize) -> rusqlite::Result<Vec<RecordId>> {
    let value = text(row, i)?;
    if value == "[]" {
        return Ok(Vec::new());
    }
    serde_json::from_str(value).map_err(|_| unreadable(i, value, "a JSON list of record IDs"))
}

/// Reads a JSON list of a table's unknown rows (`extra_rows`).
pub(super) fn extra_rows(row: &Row<'_>, i: usize) -> rusqlite::Result<Vec<ExtraRow>> {
    let value = text(row, i)?;
    if value == "[]" {
        return Ok(Vec::new());
    }
    serde_json::from_str(value).map_err(|_| unreadable(i, value, "a JSON list of table rows"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_fields_in_order() {
        let fields = Fields {
            kind: Kind::Health,
            service: None,
            title: String::new(),
            status: None,
            classification: Classification::Incident,
            user_impact: None,
            last_updated: DateTime::UNIX_EPOCH,
            start_time: DateTime::UNIX_EPOCH,
            end_time: None,
            action_required_by: None,
        };
        // serde_json's maps sort keys, so the order is checked on the text.
        let json = serde_json::to_string(&fields).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value.as_object().unwrap().len(), FIELD_COUNT);
        let at: Vec<usize> = FIELDS
            .iter()
            .map(|c| json.find(&format!("\"{c}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
        assert_eq!(FieldValues::new(&fields).params().len(), FIELD_COUNT);
    }
}
