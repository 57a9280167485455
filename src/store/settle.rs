//! Settling records: after a batch, each touched record is pointed at its
//! latest update and its columns refreshed from it, whatever order the posts came in.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::Utc;
use rusqlite::{OptionalExtension, Statement, Transaction, params};

use super::columns::{field_list, fields_from_excluded, opt_time};
use super::outbox::{Listener, record_event};
use super::state::is_closed;
use super::tally::{BatchOutcome, StatusChange, remember};
use crate::model::{Kind, RecordId, Status, plausible_last_updated};

/// A record's state when the batch first touched it.
#[derive(Clone)]
pub(super) struct Before {
    current_update: Option<i64>,
    status: Option<String>,
    last_updated: Option<String>,
}

/// Remembers a record's state the first time a batch touches it, and the
/// first time the run's open tally (`tally`, its scope) does.
pub(super) fn touch(
    tx: &Transaction<'_>,
    record: &str,
    touched: &mut HashMap<String, Before>,
    tally: Option<i64>,
) -> rusqlite::Result<()> {
    if touched.contains_key(record) {
        return Ok(());
    }
    let before = tx
        .prepare_cached(
            "SELECT current_update_id, status, last_updated FROM records WHERE id = ?1",
        )?
        .query_row([record], |r| {
            Ok(Before {
                current_update: r.get(0)?,
                status: r.get(1)?,
                last_updated: r.get(2)?,
            })
        })
        .optional()?
        .unwrap_or(Before {
            current_update: None,
            status: None,
            last_updated: None,
        });
    if let Some(scope) = tally {
        remember(
            tx,
            scope,
            record,
            before.current_update,
            before.status.as_deref(),
        )?;
    }
    touched.insert(record.to_owned(), before);
    Ok(())
}

/// Recomputes every touched record from its timeline, writes an event for
/// each `listeners` hears of and, unless a run tally counts them at its end
/// (`count` false), tallies what changed.
pub(super) fn settle(
    tx: &Transaction<'_>,
    touched: HashMap<String, Before>,
    out: &mut BatchOutcome,
    count: bool,
    listeners: &[Listener],
) -> rusqlite::Result<()> {
    let mut ids: Vec<_> = touched.into_iter().collect();
    ids.sort_by(|a, b| a.0.cmp(&b.0));
    // Prepared here rather than taken from the statement cache: the cache clears
    // bindings on return, and SQLite answers that by recompiling this query at its
    // next use (its plan depends on the bound ID), which cost a fifth of settling.
    let mut timeline = tx.prepare(TIMELINE)?;
    let now = Utc::now();
    for (record, before) in ids {
        let after = recompute(tx, &mut timeline, &record)?;
        let Some(Current {
            update_id,
            status,
            service,
            title,
            kind,
            end_time,
            closed,
            last_updated,
            classification,
            link,
        }) = after
        else {
            continue;
        };
        // An event is news: a new record, or a newer update now current. An
        // older update arriving late, or a correction of the current one with
        // the same Last Updated (its key would repeat), is none.
        let event = match (&before.current_update, &before.last_updated) {
            (None, _) => Some("new"),
            (Some(old), Some(was)) if *old != update_id && last_updated > *was => Some("update"),
            _ => None,
        };
        if let Some(event) = event.filter(|_| !listeners.is_empty()) {
            let previous = before.status.as_deref().filter(|_| event == "update");
            record_event(tx, listeners, &record, event, previous, now)?;
        }
        if !count {
            continue;
        }
        let changed_status = before.current_update.is_none() || before.status != status;
        match before.current_update {
            None => out.new_records += 1,
            Some(old) if old != update_id => out.updated_records += 1,
            Some(_) => {}
        }
        if changed_status && before.current_update.is_some() {
            out.status_changes += 1;
        }
        if changed_status && let Ok(id) = RecordId::parse(&record) {
            out.changes.push(StatusChange {
                id,
                from: before.status.filter(|_| before.current_update.is_some()),
                to: status,
                service,
                title,
                closed: is_closed(kind, end_time, closed, now),
                kind,
                classification,
                last_updated,
                link,
            });
        }
    }
    Ok(())
}

/// The update a record's state comes from, with what `--changes` reports of it.
struct Current {
    update_id: i64,
    status: Option<String>,
    service: Option<String>,
    title: String,
    kind: Kind,
    end_time: Option<chrono::DateTime<Utc>>,
    /// The stored `closed` column (for Message Center: it has an End Time).
    closed: bool,
    /// Its Last Updated, as stored.
    last_updated: String,
    classification: String,
    link: Option<String>,
}

/// One update of a record, with what picks the current one and names its link.
struct Candidate {
    id: i64,
    last_updated: String,
    status: Option<String>,
    /// Newest `modified_gmt` of the posts carrying it (`''` for a post without one).
    newest_modified: Option<String>,
    /// Highest post id carrying it.
    newest_post: Option<i64>,
    /// The newest carrying post, whose link the record shows.
    newest: Option<Carrier>,
}

impl Candidate {
    /// Whether its Last Updated could be true: no later than a day after the
    /// newest post carrying it was modified. A typo (2033 for 2023) would
    /// otherwise keep the update current, and the record in its state, forever;
    /// such an update stays in the timeline but becomes current only when no
    /// plausible one exists.
    fn plausible(&self) -> bool {
        plausible(&self.last_updated, self.newest_modified.as_deref())
    }
}

/// [`plausible_last_updated`] on the stored texts (RFC 3339; `''` or none:
/// no modified time, no judgement).
fn plausible(last_updated: &str, modified: Option<&str>) -> bool {
    let parse = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.to_utc())
    };
    match parse(last_updated) {
        Some(updated) => plausible_last_updated(updated, modified.and_then(parse)),
        None => true,
    }
}

/// A post carrying an update: newest by (modified_gmt, post id) names the record's link.
struct Carrier {
    modified: Option<String>,
    post_id: i64,
    link: Option<String>,
}

/// A record's updates with every post carrying each, in update order.
const TIMELINE: &str = "SELECT u.id, u.last_updated, p.modified_gmt, p.post_id, p.link, u.status
     FROM updates u LEFT JOIN posts p ON p.update_id = u.id
     WHERE u.record_id = ?1 ORDER BY u.id";

/// Copies an update's fields into its record: `?1` the update, `?2` whether a
/// service-health record is closed, `?3` update count, `?4` first seen, `?5` link.
///
/// A Message Center record's `closed` says only that it has an End Time: whether
/// that time has passed is decided when the archive is read (see `state.rs`).
static SETTLE_RECORD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO records(id, current_update_id, {}, closed, update_count, first_seen,
           related_ids, link)
         SELECT u.record_id, u.id, {},
           CASE WHEN u.kind = 'message' THEN u.end_time IS NOT NULL ELSE ?2 END,
           ?3, ?4, u.related_ids, ?5
         FROM updates u WHERE u.id = ?1
         ON CONFLICT(id) DO UPDATE SET current_update_id = excluded.current_update_id, {},
           closed = excluded.closed, update_count = excluded.update_count,
           first_seen = excluded.first_seen, related_ids = excluded.related_ids,
           link = excluded.link
         RETURNING current_update_id, status, service, title, kind, end_time, closed, last_updated,
           classification, link",
        field_list(""),
        field_list("u."),
        fields_from_excluded()
    )
});

/// Points `record` at its latest update (ties: the later post) and refreshes its columns.
///
/// One indexed walk over the record's updates and their posts, with the choice
/// made here: the same ordering as SQL `ORDER BY last_updated DESC, newest
/// modified DESC, newest post DESC, id DESC`, without a correlated subquery per row.
fn recompute(
    tx: &Transaction<'_>,
    timeline: &mut Statement<'_>,
    record: &str,
) -> rusqlite::Result<Option<Current>> {
    let mut rows = timeline.query([record])?;
    let mut updates: Vec<Candidate> = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if updates.last().is_none_or(|c| c.id != id) {
            updates.push(Candidate {
                id,
                last_updated: row.get(1)?,
                status: row.get(5)?,
                newest_modified: None,
                newest_post: None,
                newest: None,
            });
        }
        let Some(post_id) = row.get::<_, Option<i64>>(3)? else {
            continue; // no post carries this update (LEFT JOIN)
        };
        let carrier = Carrier {
            modified: row.get(2)?,
            post_id,
            link: row.get(4)?,
        };
        if let Some(c) = updates.last_mut() {
            let modified = carrier.modified.clone().unwrap_or_default();
            c.newest_modified = c.newest_modified.take().max(Some(modified));
            c.newest_post = c.newest_post.max(Some(post_id));
            let newer = |best: &Carrier| {
                (&best.modified, best.post_id) < (&carrier.modified, carrier.post_id)
            };
            if c.newest.as_ref().is_none_or(newer) {
                c.newest = Some(carrier);
            }
        }
    }
    drop(rows);
    let count = updates.len() as i64;
    let first_seen = updates.iter().map(|c| &c.last_updated).min().cloned();
    let Some(current) = updates.into_iter().max_by(|a, b| {
        (
            a.plausible(),
            &a.last_updated,
            &a.newest_modified,
            a.newest_post,
            a.id,
        )
            .cmp(&(
                b.plausible(),
                &b.last_updated,
                &b.newest_modified,
                b.newest_post,
                b.id,
            ))
    }) else {
        tx.prepare_cached("DELETE FROM records WHERE id = ?1")?
            .execute([record])?;
        return Ok(None);
    };
    let closed = current
        .status
        .as_deref()
        .is_some_and(|status| Status::parse(status).is_closed());
    let link = current.newest.and_then(|carrier| carrier.link);
    let found: Option<Current> = tx
        .prepare_cached(&SETTLE_RECORD)?
        .query_row(params![current.id, closed, count, first_seen, link], |r| {
            Ok(Current {
                update_id: r.get(0)?,
                status: r.get(1)?,
                service: r.get(2)?,
                title: r.get(3)?,
                kind: match r.get_ref(4)?.as_str()? {
                    "message" => Kind::Message,
                    _ => Kind::Health,
                },
                end_time: opt_time(r, 5)?,
                closed: r.get(6)?,
                last_updated: r.get(7)?,
                classification: r.get(8)?,
                link: r.get(9)?,
            })
        })
        .optional()?;
    Ok(found)
}
