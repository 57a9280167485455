//! Judging again the posts an older parser rejected.
//!
//! A parser upgrade that reads what an older one could not (a time format, a
//! layout) should turn those rejects into records without a full re-sync or a
//! `reparse` of everything. Rejects are few, so each `import` and `sync`
//! replays just the ones filed by an older parser version, through the same
//! path ingest and reparse write with, in one transaction.

use rusqlite::params;

use super::ingest::{self, Outcome};
use super::tally::BatchOutcome;
use super::{Store, StoreError};
use crate::model::PostRef;

/// A reject to judge again: its raw post, source and post id (none for a post without one).
struct Stale {
    raw_id: i64,
    source: i64,
    post_id: Option<i64>,
    json: String,
}

impl Store {
    /// Judges again, with `judge`, every rejected post whose verdict came from a
    /// parser older than `parser_version`, and files the new verdicts as that
    /// version's: a post that now parses becomes an update of its record.
    ///
    /// `posts` counts the posts judged again; `failed` and `not_records` those
    /// still rejected, `healed` those that now parse; the record counts say
    /// what the healed posts changed.
    pub fn heal(
        &mut self,
        parser_version: u32,
        mut judge: impl FnMut(&str) -> (Option<PostRef>, Outcome),
    ) -> Result<BatchOutcome, StoreError> {
        let path = self.path.clone();
        let fail = |action| super::failing(&path, action);
        let mut out = BatchOutcome::default();
        // Most runs find nothing: look before starting a write transaction.
        let stale: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM rejects WHERE parser_version < ?1",
                [parser_version],
                |r| r.get(0),
            )
            .map_err(fail("looking for old rejects"))?;
        if stale == 0 {
            return Ok(out);
        }
        let tx = self
            .conn
            .transaction()
            .map_err(fail("starting to judge old rejects again"))?;
        let stale: Vec<Stale> = {
            let mut stmt = tx
                .prepare(
                    "SELECT r.raw_id, r.source_id, r.post_id, rp.json
                     FROM rejects r JOIN raw_posts rp ON rp.id = r.raw_id
                     WHERE r.parser_version < ?1 ORDER BY r.raw_id",
                )
                .map_err(fail("reading old rejects"))?;
            stmt.query_map([parser_version], |r| {
                Ok(Stale {
                    raw_id: r.get(0)?,
                    source: r.get(1)?,
                    post_id: r.get(2)?,
                    json: r.get(3)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(fail("reading old rejects"))?
        };
        let mut work = ingest::Work::start(&tx).map_err(fail("starting to judge old rejects"))?;
        for post in stale {
            let (meta, outcome) = judge(&post.json);
            out.posts += 1;
            match &outcome {
                Outcome::Rejected {
                    not_record: true, ..
                } => out.not_records += 1,
                Outcome::Rejected { .. } => out.failed += 1,
                Outcome::Update(_) => out.healed += 1,
            }
            tx.prepare_cached("DELETE FROM rejects WHERE raw_id = ?1")
                .and_then(|mut s| s.execute(params![post.raw_id]))
                .map_err(fail("replacing an old reject"))?;
            let Some(post_id) = post.post_id else {
                // Without an id the post has no record to join: only its verdict is refiled.
                ingest::file_reject(
                    &tx,
                    post.raw_id,
                    post.source,
                    None,
                    &outcome,
                    parser_version,
                )
                .map_err(fail("refiling a reject"))?;
                continue;
            };
            let meta = meta.unwrap_or(PostRef {
                id: post_id.max(0) as u64,
                link: None,
                slug: None,
                date_gmt: None,
                modified_gmt: None,
            });
            ingest::apply_post(
                &tx,
                post.source,
                post.raw_id,
                &meta,
                &outcome,
                parser_version,
                &mut work,
            )
            .map_err(fail("storing a healed post"))?;
        }
        work.finish(&tx, &mut out)
            .map_err(fail("updating healed records"))?;
        tx.commit().map_err(fail("committing healed posts"))?;
        Ok(out)
    }
}
