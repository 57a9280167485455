//! Rebuilding updates, records, rejects and mentions from the stored raw posts.
//!
//! The raw posts are the archive's ground truth; everything else is derived.
//! A better parser therefore improves old data by replaying the current version
//! of every post, in one transaction, so a failure leaves the old state whole.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};
use serde::Serialize;

use super::ingest::{self, Outcome};
use super::tally::BatchOutcome;
use super::{Store, StoreError, fts};
use crate::model::PostRef;

/// What a reparse changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReparseOutcome {
    /// Raw posts replayed (the current version of each post, plus posts without an id).
    pub posts: u64,
    /// Records before and after.
    pub records_before: u64,
    /// Records after.
    pub records_after: u64,
    /// Records that exist now but did not before.
    pub added: Vec<String>,
    /// Records that existed before but do not now.
    pub removed: Vec<String>,
    /// Records whose current state differs.
    pub changed: Vec<String>,
    /// Updates before.
    pub updates_before: u64,
    /// Updates after.
    pub updates_after: u64,
    /// Rejected posts before.
    pub rejects_before: u64,
    /// Rejected posts after.
    pub rejects_after: u64,
}

/// A record's visible state (its columns and current update's content) and its status.
type Snapshot = BTreeMap<String, (String, Option<String>)>;

impl Store {
    /// Replays every stored post through `parse` and rebuilds all derived tables.
    pub fn reparse(
        &mut self,
        parser_version: u32,
        mut parse: impl FnMut(&str) -> (Option<PostRef>, Outcome),
    ) -> Result<ReparseOutcome, StoreError> {
        let path = self.path.clone();
        let fail = |action| super::failing(&path, action);
        let tx = self
            .conn
            .transaction()
            .map_err(fail("starting the reparse"))?;
        let before = snapshot(&tx).map_err(fail("reading the current records"))?;
        let counts_before = counts(&tx).map_err(fail("counting"))?;
        fts::clear(&tx).map_err(fail("clearing the search index"))?;
        tx.execute_batch(
            "DELETE FROM rejects; UPDATE posts SET update_id = NULL; DELETE FROM records;
             DELETE FROM mentions; DELETE FROM updates;",
        )
        .map_err(fail("clearing derived tables"))?;

        let mut out = ReparseOutcome::default();
        let mut work = ingest::Work::start(&tx).map_err(fail("starting the reparse"))?;
        // Every update is rewritten, so all of them need indexing again.
        work.indexed_upto = 0;
        // Read the keys first: the loop rewrites `posts`, which must not move under a live cursor.
        let keyed: Vec<(i64, i64, i64)> = collect(
            &tx,
            "SELECT source_id, post_id, raw_id FROM posts ORDER BY source_id, post_id",
        )
        .map_err(fail("listing posts"))?;
        for (source, post_id, raw_id) in keyed {
            let json = raw_json(&tx, raw_id).map_err(fail("reading a raw post"))?;
            let (meta, outcome) = parse(&json);
            let meta = meta.unwrap_or(PostRef {
                id: post_id.max(0) as u64,
                link: None,
                slug: None,
                date_gmt: None,
                modified_gmt: None,
            });
            ingest::apply_post(
                &tx,
                source,
                raw_id,
                &meta,
                &outcome,
                parser_version,
                &mut work,
            )
            .map_err(fail("rebuilding a post"))?;
            out.posts += 1;
        }
        let unkeyed: Vec<(i64, i64, i64)> = collect(
            &tx,
            "SELECT id, source_id, 0 FROM raw_posts WHERE post_id IS NULL ORDER BY id",
        )
        .map_err(fail("listing posts without an id"))?;
        for (raw_id, source, _) in unkeyed {
            let json = raw_json(&tx, raw_id).map_err(fail("reading a raw post"))?;
            let (_, outcome) = parse(&json);
            ingest::file_reject(&tx, raw_id, source, None, &outcome, parser_version)
                .map_err(fail("rebuilding a reject"))?;
            out.posts += 1;
        }
        let mut ignored = BatchOutcome::default();
        work.finish(&tx, &mut ignored)
            .map_err(fail("rebuilding records"))?;

        let after = snapshot(&tx).map_err(fail("reading the rebuilt records"))?;
        let counts_after = counts(&tx).map_err(fail("counting"))?;
        tx.commit().map_err(fail("committing the reparse"))?;

        (out.records_before, out.updates_before, out.rejects_before) = counts_before;
        (out.records_after, out.updates_after, out.rejects_after) = counts_after;
        for (id, state) in &after {
            match before.get(id) {
                None => out.added.push(id.clone()),
                Some(old) if old != state => out.changed.push(id.clone()),
                Some(_) => {}
            }
        }
        out.removed = before
            .keys()
            .filter(|id| !after.contains_key(*id))
            .cloned()
            .collect();
        Ok(out)
    }
}

fn collect(tx: &Transaction<'_>, sql: &str) -> rusqlite::Result<Vec<(i64, i64, i64)>> {
    let mut stmt = tx.prepare(sql)?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}

fn raw_json(tx: &Transaction<'_>, raw_id: i64) -> rusqlite::Result<String> {
    tx.prepare_cached("SELECT json FROM raw_posts WHERE id = ?1")?
        .query_row(params![raw_id], |r| r.get(0))
}

fn snapshot(tx: &Transaction<'_>) -> rusqlite::Result<Snapshot> {
    let mut stmt = tx.prepare(
        "SELECT r.id, concat_ws('|', u.content_hash, r.title, r.service, r.classification,
           r.user_impact, r.start_time, r.end_time, r.last_updated, r.closed, r.update_count),
           r.status
         FROM records r LEFT JOIN updates u ON u.id = r.current_update_id",
    )?;
    stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect()
}

fn counts(tx: &Transaction<'_>) -> rusqlite::Result<(u64, u64, u64)> {
    let n = |sql: &str| tx.query_row(sql, [], |r| r.get::<_, i64>(0).map(|n| n.max(0) as u64));
    Ok((
        n("SELECT count(*) FROM records")?,
        n("SELECT count(*) FROM updates")?,
        n("SELECT count(*) FROM rejects")?,
    ))
}
