//! Reading records back: current states for `list` and `export`, a whole
//! record with its timeline for `query`, and every update for `export --updates`.
//!
//! Lists stream through a callback, one row at a time, so answering over an
//! archive of any size holds one row in memory, not the whole answer.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params, params_from_iter};

use super::columns::{
    FIELD_COUNT, extra_rows, field_list, fields_at, ids, opt_time, parse_time, record_id, text,
    time, unreadable,
};
use super::filter::{Filter, Target};
use super::state::is_closed;
use super::{Store, StoreError};
use crate::model::{
    ArchivedUpdate, Kind, PostRef, Record, RecordDetail, RecordId, Related, Status, Step,
    Translation, changes, plausible_last_updated,
};

/// The columns [`record_at`] reads, on `records r`.
pub(super) fn record_columns() -> &'static str {
    static COLUMNS: LazyLock<String> = LazyLock::new(|| {
        format!(
            "r.id, {}, r.closed, r.update_count, r.first_seen, r.related_ids, r.link",
            field_list("r.")
        )
    });
    &COLUMNS
}

/// How many columns [`record_columns`] holds, for reading columns after it.
pub(super) const RECORD_WIDTH: usize = 1 + FIELD_COUNT + 5;

/// A record's updates in timeline order, as [`Store::timeline`] reads them.
static TIMELINE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT u.id, u.related_ids, {}
         FROM updates u WHERE u.record_id = ?1
         ORDER BY u.last_updated,
           (SELECT max(coalesce(p.modified_gmt, '')) FROM posts p WHERE p.update_id = u.id),
           u.id",
        field_list("u.")
    )
});

impl Store {
    /// How many records the archive holds.
    pub fn record_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM records", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.err("counting records", e))
    }

    /// Streams the records `filter` selects to `each`, in the filter's order
    /// (by default most recently updated first).
    pub fn each_record<E: From<StoreError>>(
        &self,
        filter: &Filter,
        mut each: impl FnMut(Record) -> Result<(), E>,
    ) -> Result<(), E> {
        let fail = |e| self.err("listing records", e);
        let clause = filter.clause(Target::Records);
        let (order, order_params) = filter.order_sql(Target::Records);
        let sql = format!(
            "SELECT {} FROM records r WHERE {} ORDER BY {order} LIMIT ?",
            record_columns(),
            clause.sql
        );
        let mut params = clause.params;
        params.extend(order_params);
        params.push(filter.limit_value());
        let mut stmt = self.conn.prepare(&sql).map_err(fail)?;
        let mut rows = stmt.query(params_from_iter(params)).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            each(record_at(row, 0, clause.now).map_err(fail)?)?;
        }
        Ok(())
    }

    /// Streams every update of the records `filter` selects (filters and the
    /// order apply to each update's own values; a duration is its record's),
    /// by default most recent first.
    pub fn each_update<E: From<StoreError>>(
        &self,
        filter: &Filter,
        mut each: impl FnMut(ArchivedUpdate) -> Result<(), E>,
    ) -> Result<(), E> {
        let fail = |e| self.err("listing updates", e);
        let clause = filter.clause(Target::Updates);
        let (order, order_params) = filter.order_sql(Target::Updates);
        let sql = format!(
            "SELECT u.record_id, u.message, u.machine_translation, u.related_ids,
               (SELECT json_group_array(json_array(p.post_id, p.link, p.slug, p.date_gmt, p.modified_gmt))
                FROM (SELECT * FROM posts p WHERE p.update_id = u.id ORDER BY p.post_id) p),
               {}
             FROM updates u WHERE {} ORDER BY {order} LIMIT ?",
            field_list("u."),
            clause.sql
        );
        let mut params = clause.params;
        params.extend(order_params);
        params.push(filter.limit_value());
        let mut stmt = self.conn.prepare(&sql).map_err(fail)?;
        let mut rows = stmt.query(params_from_iter(params)).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            each(archived_update(row).map_err(fail)?)?;
        }
        Ok(())
    }

    /// Everything about one record, or `None` when the archive does not hold
    /// it; whether it (and each related record) is over is judged at `now`.
    pub fn detail(
        &self,
        id: &RecordId,
        now: DateTime<Utc>,
    ) -> Result<Option<RecordDetail>, StoreError> {
        let fail = |e| self.err("reading a record", e);
        let sql = format!(
            "SELECT {}, cu.message, cu.extra_rows
             FROM records r JOIN updates cu ON cu.id = r.current_update_id WHERE r.id = ?1",
            record_columns()
        );
        let head = self
            .conn
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_row([id.as_str()], |row| {
                    Ok((
                        record_at(row, 0, now)?,
                        row.get::<_, String>(RECORD_WIDTH)?,
                        extra_rows(row, RECORD_WIDTH + 1)?,
                    ))
                })
                .optional()
            })
            .map_err(fail)?;
        let Some((record, message, extra_rows)) = head else {
            return Ok(None);
        };
        let machine_translation = self.translation(id).map_err(fail)?;
        let (timeline, mentioned) = self.timeline(id).map_err(fail)?;
        let related = mentioned
            .iter()
            .map(|other| self.related(other, now))
            .collect::<rusqlite::Result<_>>()
            .map_err(fail)?;
        let mentioned_by = self.mentioned_by(id, now).map_err(fail)?;
        Ok(Some(RecordDetail {
            record,
            message,
            extra_rows,
            machine_translation,
            timeline,
            related,
            mentioned_by,
        }))
    }

    /// The record's updates oldest first (ties: the later post last), and the
    /// IDs its messages mention in order of first mention.
    fn timeline(&self, id: &RecordId) -> rusqlite::Result<(Vec<Step>, Vec<RecordId>)> {
        let mut stmt = self.conn.prepare_cached(&TIMELINE)?;
        let mut rows = stmt.query([id.as_str()])?;
        let mut steps: Vec<Step> = Vec::new();
        let mut mentioned: Vec<RecordId> = Vec::new();
        while let Some(row) = rows.next()? {
            let update_id: i64 = row.get(0)?;
            let fields = fields_at(row, 2)?;
            let posts = self.posts_of(update_id)?;
            let modified = posts.iter().filter_map(|p| p.modified_gmt).max();
            let mut step = Step {
                implausible: !plausible_last_updated(fields.last_updated, modified),
                fields,
                changes: Vec::new(),
                posts,
            };
            if let Some(before) = steps.last() {
                step.changes = changes(&before.fields, &step.fields);
            }
            for other in ids(row, 1)? {
                if other != *id && !mentioned.contains(&other) {
                    mentioned.push(other);
                }
            }
            steps.push(step);
        }
        Ok((steps, mentioned))
    }

    /// The newest translation in the timeline; the current update's wins a tie.
    fn translation(&self, id: &RecordId) -> rusqlite::Result<Option<Translation>> {
        self.conn
            .prepare_cached(
                "SELECT u.last_updated, u.machine_translation FROM updates u
                 JOIN records r ON r.id = u.record_id
                 WHERE u.record_id = ?1 AND u.machine_translation IS NOT NULL
                 ORDER BY u.id = r.current_update_id DESC, u.last_updated DESC, u.id DESC
                 LIMIT 1",
            )?
            .query_row([id.as_str()], |row| {
                Ok(Translation {
                    last_updated: time(row, 0)?,
                    text: row.get(1)?,
                })
            })
            .optional()
    }

    fn posts_of(&self, update_id: i64) -> rusqlite::Result<Vec<PostRef>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT post_id, link, slug, date_gmt, modified_gmt FROM posts
             WHERE update_id = ?1 ORDER BY post_id",
        )?;
        stmt.query_map([update_id], |row| {
            Ok(PostRef {
                id: row.get::<_, i64>(0)?.max(0) as u64,
                link: row.get(1)?,
                slug: row.get(2)?,
                date_gmt: opt_time(row, 3)?,
                modified_gmt: opt_time(row, 4)?,
            })
        })?
        .collect()
    }

    fn related(&self, other: &RecordId, now: DateTime<Utc>) -> rusqlite::Result<Related> {
        let known = self
            .conn
            .prepare_cached(
                "SELECT title, status, closed, kind, end_time FROM records WHERE id = ?1",
            )?
            .query_row([other.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get_ref(1)?.as_str_or_null()?.map(Status::parse),
                    closed_at(row, 2, now)?,
                ))
            })
            .optional()?;
        Ok(match known {
            Some((title, status, closed)) => Related {
                id: other.clone(),
                in_archive: true,
                title: Some(title),
                status,
                closed: Some(closed),
            },
            None => Related {
                id: other.clone(),
                in_archive: false,
                title: None,
                status: None,
                closed: None,
            },
        })
    }

    fn mentioned_by(&self, id: &RecordId, now: DateTime<Utc>) -> rusqlite::Result<Vec<Related>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT r.id, r.title, r.status, r.closed, r.kind, r.end_time, r.last_updated
             FROM mentions m JOIN updates u ON u.id = m.update_id JOIN records r ON r.id = u.record_id
             WHERE m.related_id = ?1 AND r.id <> ?1
             ORDER BY r.last_updated DESC, r.id",
        )?;
        stmt.query_map(params![id.as_str()], |row| {
            Ok(Related {
                id: record_id(row, 0)?,
                in_archive: true,
                title: Some(row.get(1)?),
                status: row.get_ref(2)?.as_str_or_null()?.map(Status::parse),
                closed: Some(closed_at(row, 3, now)?),
            })
        })?
        .collect()
    }
}

/// Reads a [`Record`] from [`record_columns`] starting at column `at`; whether
/// it is over is judged at `now`.
pub(super) fn record_at(row: &Row<'_>, at: usize, now: DateTime<Utc>) -> rusqlite::Result<Record> {
    let rest = at + 1 + FIELD_COUNT;
    let fields = fields_at(row, at + 1)?;
    Ok(Record {
        id: record_id(row, at)?,
        closed: is_closed(fields.kind, fields.end_time, row.get(rest)?, now),
        fields,
        update_count: row.get::<_, i64>(rest + 1)?.max(0) as u64,
        first_seen: time(row, rest + 2)?,
        related_ids: ids(row, rest + 3)?,
        link: row.get(rest + 4)?,
    })
}

/// Whether a record is over at `now`, from its `closed, kind, end_time` columns starting at `at`.
fn closed_at(row: &Row<'_>, at: usize, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    let kind = match text(row, at + 1)? {
        "message" => Kind::Message,
        _ => Kind::Health,
    };
    Ok(is_closed(kind, opt_time(row, at + 2)?, row.get(at)?, now))
}

fn archived_update(row: &Row<'_>) -> rusqlite::Result<ArchivedUpdate> {
    Ok(ArchivedUpdate {
        id: record_id(row, 0)?,
        message: row.get(1)?,
        machine_translation: row.get(2)?,
        related_ids: ids(row, 3)?,
        posts: posts_json(row, 4)?,
        fields: fields_at(row, 5)?,
    })
}

/// The `[[post_id, link, slug, date_gmt, modified_gmt], …]` list built by `each_update`.
fn posts_json(row: &Row<'_>, i: usize) -> rusqlite::Result<Vec<PostRef>> {
    type Wire = (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let value = text(row, i)?;
    let wire: Vec<Wire> =
        serde_json::from_str(value).map_err(|_| unreadable(i, value, "a JSON list of posts"))?;
    Ok(wire
        .into_iter()
        .map(|(id, link, slug, date, modified)| PostRef {
            id: id.max(0) as u64,
            link,
            slug,
            date_gmt: date.as_deref().and_then(parse_time),
            modified_gmt: modified.as_deref().and_then(parse_time),
        })
        .collect())
}
