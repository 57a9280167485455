//! Writing a batch of posts: raw versions, deduplicated updates, current records.
//!
//! A batch is one transaction: a crash anywhere leaves the archive as it was
//! before it. Current states are recomputed from the timeline of every record
//! the batch touched, so the result does not depend on the order posts arrive
//! in: an older update arriving late joins the timeline and changes nothing else.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rusqlite::types::ToSql;
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use super::columns::{FIELD_COUNT, FieldValues, field_list};
use super::outbox::{self, Listener};
use super::settle::{Before, settle, touch};
use super::tally::{BatchOutcome, first_arrival};
use super::{Store, StoreError, fts, ts};
use crate::model::{PostRef, Update};

/// The parser's verdict on one post.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The post is an update of a record.
    Update(Box<Update>),
    /// The post is not a record, or failed to parse.
    Rejected {
        /// True for site notices and other non-records; false for failures.
        not_record: bool,
        /// Why, as the parser said it.
        reason: String,
    },
}

/// One post offered to the archive.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The post's JSON exactly as received.
    pub json: &'a str,
    /// Id, dates and link when the JSON had a usable id.
    pub meta: Option<PostRef>,
    /// What the parser made of it.
    pub outcome: Outcome,
}

/// A set of posts written in one transaction.
#[derive(Debug, Clone)]
pub struct Batch<'a> {
    /// The site the posts came from (`https://m365jp.net`, `https://host/blog`).
    pub site: &'a str,
    /// The posts.
    pub posts: Vec<Incoming<'a>>,
    /// The parser version that produced the outcomes.
    pub parser_version: u32,
    /// When the posts were fetched or read.
    pub fetched_at: DateTime<Utc>,
    /// A sync mark to commit together with the posts, if any.
    pub cursor: Option<String>,
}

/// What a transaction tracks while it writes: records to settle, and the index mark.
pub(super) struct Work {
    /// Records touched so far, with their state before the transaction.
    pub touched: HashMap<String, Before>,
    /// Updates at or below this id are in the full-text index.
    pub indexed_upto: i64,
    /// The scope of the run tally the batch writes into, if one is open.
    pub tally: Option<i64>,
    /// Subscriptions to write events for (only batches of new posts do).
    pub listeners: Vec<Listener>,
}

impl Work {
    pub(super) fn start(tx: &Transaction<'_>) -> rusqlite::Result<Self> {
        Ok(Work {
            touched: HashMap::new(),
            indexed_upto: fts::indexed_upto(tx)?,
            tally: None,
            listeners: Vec::new(),
        })
    }

    /// Indexes the transaction's new updates and recomputes every touched record.
    pub(super) fn finish(
        self,
        tx: &Transaction<'_>,
        out: &mut BatchOutcome,
    ) -> rusqlite::Result<()> {
        fts::index_since(tx, self.indexed_upto)?;
        settle(tx, self.touched, out, self.tally.is_none(), &self.listeners)
    }
}

impl Store {
    /// Writes `batch` in one transaction and says what changed.
    pub fn ingest(&mut self, batch: &Batch<'_>) -> Result<BatchOutcome, StoreError> {
        let path = self.path.clone();
        let fail = |action| super::failing(&path, action);
        let tally = self.tally_scope();
        let tx = self.conn.transaction().map_err(fail("starting a batch"))?;
        let source = source_id(&tx, batch.site).map_err(fail("recording the source"))?;
        let mut out = BatchOutcome::default();
        let mut work = Work::start(&tx).map_err(fail("starting a batch"))?;
        work.tally = tally;
        work.listeners = outbox::listeners(&tx).map_err(fail("reading subscriptions"))?;
        for post in &batch.posts {
            let stored =
                store_post(&tx, source, post, batch, &mut work).map_err(fail("storing a post"))?;
            // A post the run already received (a feed repeats posts across
            // pages) is stored again if it changed, but counted once.
            if let (Some(_), Some(meta)) = (work.tally, &post.meta)
                && !first_arrival(&tx, source, meta.id as i64).map_err(fail("counting a post"))?
            {
                continue;
            }
            out.posts += 1;
            match (stored, &post.outcome) {
                (false, _) => out.unchanged += 1,
                (
                    true,
                    Outcome::Rejected {
                        not_record: true, ..
                    },
                ) => out.not_records += 1,
                (true, Outcome::Rejected { .. }) => out.failed += 1,
                (true, Outcome::Update(_)) => {}
            }
        }
        work.finish(&tx, &mut out)
            .map_err(fail("updating records"))?;
        if let Some(cursor) = &batch.cursor {
            tx.execute(
                "UPDATE sources SET cursor = ?1 WHERE id = ?2",
                params![cursor, source],
            )
            .map_err(fail("moving the sync mark"))?;
        }
        tx.commit().map_err(fail("committing a batch"))?;
        Ok(out)
    }
}

/// The id of the source that is `site`, made on first sight.
pub(super) fn source_id(tx: &Transaction<'_>, site: &str) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO sources(site) VALUES (?1) ON CONFLICT(site) DO NOTHING",
        [site],
    )?;
    tx.query_row("SELECT id FROM sources WHERE site = ?1", [site], |r| {
        r.get(0)
    })
}

/// Stores one post; false when this exact version was already there (or is older than the stored one).
fn store_post(
    tx: &Transaction<'_>,
    source: i64,
    post: &Incoming<'_>,
    batch: &Batch<'_>,
    work: &mut Work,
) -> rusqlite::Result<bool> {
    let hash = format!("{:032x}", xxh3_128(post.json.as_bytes()));
    let post_id = post.meta.as_ref().map(|m| m.id as i64);
    // '' rather than NULL, so the unique index also dedupes posts without a modified time.
    let modified = post
        .meta
        .as_ref()
        .and_then(|m| m.modified_gmt)
        .map(ts)
        .unwrap_or_default();
    let raw_id: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO raw_posts(source_id, post_id, modified_gmt, json_hash, fetched_at, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING RETURNING id",
        )?
        .query_row(
            params![
                source,
                post_id,
                modified,
                hash,
                ts(batch.fetched_at),
                post.json
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(raw_id) = raw_id else {
        return Ok(false);
    };
    let Some(meta) = &post.meta else {
        file_reject(
            tx,
            raw_id,
            source,
            None,
            &post.outcome,
            batch.parser_version,
        )?;
        return Ok(true);
    };
    let existing: Option<(String, Option<i64>, i64)> = tx
        .prepare_cached(
            "SELECT coalesce(modified_gmt, ''), update_id, raw_id FROM posts
             WHERE source_id = ?1 AND post_id = ?2",
        )?
        .query_row(params![source, post_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    if let Some((stored_modified, _, _)) = &existing
        && *stored_modified > modified
    {
        // An older version of an edited post: kept raw, but the post's current state stays.
        return Ok(false);
    }
    if let Some((_, _, old_raw)) = &existing {
        tx.prepare_cached("DELETE FROM rejects WHERE raw_id = ?1")?
            .execute([old_raw])?;
    }
    apply_post(
        tx,
        source,
        raw_id,
        meta,
        &post.outcome,
        batch.parser_version,
        work,
    )?;
    if let Some((_, Some(old_update), _)) = existing {
        drop_if_orphan(tx, old_update, work)?;
    }
    Ok(true)
}

/// Makes `raw_id` the current version of its post and files its outcome.
pub(super) fn apply_post(
    tx: &Transaction<'_>,
    source: i64,
    raw_id: i64,
    meta: &PostRef,
    outcome: &Outcome,
    parser_version: u32,
    work: &mut Work,
) -> rusqlite::Result<()> {
    let update_id = match outcome {
        Outcome::Update(update) => {
            touch(tx, update.id.as_str(), &mut work.touched, work.tally)?;
            Some(upsert_update(tx, update, parser_version)?)
        }
        Outcome::Rejected { .. } => {
            file_reject(tx, raw_id, source, Some(meta.id), outcome, parser_version)?;
            None
        }
    };
    tx.prepare_cached(
        "INSERT INTO posts(source_id, post_id, raw_id, modified_gmt, date_gmt, link, slug, update_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(source_id, post_id) DO UPDATE SET raw_id = excluded.raw_id,
           modified_gmt = excluded.modified_gmt, date_gmt = excluded.date_gmt,
           link = excluded.link, slug = excluded.slug, update_id = excluded.update_id",
    )?
    .execute(params![
        source,
        meta.id as i64,
        raw_id,
        meta.modified_gmt.map(ts),
        meta.date_gmt.map(ts),
        meta.link,
        meta.slug,
        update_id
    ])?;
    Ok(())
}

pub(super) fn file_reject(
    tx: &Transaction<'_>,
    raw_id: i64,
    source: i64,
    post_id: Option<u64>,
    outcome: &Outcome,
    parser_version: u32,
) -> rusqlite::Result<()> {
    let (not_record, reason) = match outcome {
        Outcome::Rejected { not_record, reason } => (*not_record, reason.as_str()),
        Outcome::Update(_) => return Ok(()),
    };
    tx.prepare_cached(
        "INSERT OR REPLACE INTO rejects(raw_id, source_id, post_id, not_record, reason, parser_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        raw_id,
        source,
        post_id.map(|p| p as i64),
        not_record,
        reason,
        parser_version
    ])?;
    Ok(())
}

/// The fields that make two updates the same update, whichever posts carried them.
///
/// `extra_rows` are not part of it: two posts differing only in an unknown
/// row are one update, which keeps the rows of the first post stored.
fn content_hash(u: &Update) -> String {
    let f = &u.fields;
    // A tuple, not `Fields` itself: that would hash a JSON object, not this array.
    let content = (
        &u.id,
        f.kind,
        &f.service,
        &f.title,
        &f.status,
        &f.classification,
        &f.user_impact,
        f.last_updated,
        f.start_time,
        f.end_time,
        &u.message,
        &u.machine_translation,
    );
    // The JSON text of the tuple is hashed as it is written, without a buffer;
    // archives already hold these keys, so the bytes must never change.
    // Serializing plain strings and numbers cannot fail; an empty key would only weaken dedupe.
    let mut hasher = HashWriter(Xxh3::new());
    let _ = serde_json::to_writer(&mut hasher, &content);
    // Fields added later join the hash only when present, so every update
    // without them keeps the key it always had, and two posts differing only
    // in an Action Required By Date stay two updates.
    if let Some(by) = f.action_required_by {
        let _ = serde_json::to_writer(&mut hasher, &("action_required_by", by));
    }
    format!("{:032x}", hasher.0.digest128())
}

/// Feeds written bytes to an xxh3 hasher.
struct HashWriter(Xxh3);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Columns of `updates` that [`upsert_update`] writes besides the fields, in bind order.
const UPDATE_COLUMNS: [&str; 7] = [
    "record_id",
    "content_hash",
    "message",
    "machine_translation",
    "related_ids",
    "parser_version",
    "extra_rows",
];

static UPSERT_UPDATE: LazyLock<String> = LazyLock::new(|| {
    let width = UPDATE_COLUMNS.len() + FIELD_COUNT;
    let marks: Vec<String> = (1..=width).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO updates({}, {}) VALUES ({})
         ON CONFLICT(record_id, last_updated, content_hash) DO NOTHING RETURNING id",
        UPDATE_COLUMNS.join(", "),
        field_list(""),
        marks.join(", ")
    )
});

fn upsert_update(tx: &Transaction<'_>, u: &Update, parser_version: u32) -> rusqlite::Result<i64> {
    let hash = content_hash(u);
    let id = u.id.as_str();
    let related = serde_json::to_string(&u.related_ids).unwrap_or_else(|_| "[]".into());
    let extra = serde_json::to_string(&u.extra_rows).unwrap_or_else(|_| "[]".into());
    let fields = FieldValues::new(&u.fields);
    let own: [&dyn ToSql; UPDATE_COLUMNS.len()] = [
        &id,
        &hash,
        &u.message,
        &u.machine_translation,
        &related,
        &parser_version,
        &extra,
    ];
    let inserted: Option<i64> = tx
        .prepare_cached(&UPSERT_UPDATE)?
        .query_row(
            params_from_iter(own.into_iter().chain(fields.params())),
            |r| r.get(0),
        )
        .optional()?;
    if let Some(update_id) = inserted {
        let mut mention = tx.prepare_cached(
            "INSERT OR IGNORE INTO mentions(update_id, related_id) VALUES (?1, ?2)",
        )?;
        for related in &u.related_ids {
            mention.execute(params![update_id, related.as_str()])?;
        }
        return Ok(update_id);
    }
    tx.prepare_cached(
        "SELECT id FROM updates WHERE record_id = ?1 AND last_updated = ?2 AND content_hash = ?3",
    )?
    .query_row(params![id, fields.last_updated, hash], |r| r.get(0))
}

/// Called when a post stops carrying an update (it was edited): deletes the update if no
/// post carries it any more, and recomputes its record either way.
pub(super) fn drop_if_orphan(
    tx: &Transaction<'_>,
    update_id: i64,
    work: &mut Work,
) -> rusqlite::Result<()> {
    let record: Option<String> = tx
        .prepare_cached("SELECT record_id FROM updates WHERE id = ?1")?
        .query_row([update_id], |r| r.get(0))
        .optional()?;
    let Some(record) = record else {
        return Ok(());
    };
    // Even when another post still carries the update, the record's link and
    // tie-break may have named the post that just moved away: recompute it.
    touch(tx, &record, &mut work.touched, work.tally)?;
    let carried: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM posts WHERE update_id = ?1)")?
        .query_row([update_id], |r| r.get(0))?;
    if !carried {
        fts::unindex(tx, update_id, work.indexed_upto)?;
        // The record may still point here; the deferred foreign key lets settle() repoint it.
        tx.prepare_cached("DELETE FROM updates WHERE id = ?1")?
            .execute([update_id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Classification, Fields, Kind, RecordId, Status};

    fn update() -> Update {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        Update {
            id: RecordId::parse("DZ534539").unwrap(),
            fields: Fields {
                kind: Kind::Health,
                service: Some("Microsoft 365 Defender".into()),
                title: "Admins received \"false\" alerts".into(),
                status: Some(Status::parse("serviceRestored")),
                classification: Classification::parse("incident"),
                user_impact: None,
                last_updated: t("2023-03-29T18:23:04Z"),
                start_time: t("2023-03-29T07:00:00Z"),
                end_time: Some(t("2023-03-29T17:15:00Z")),
                action_required_by: None,
            },
            message: "Title: x\n\nUser impact: \u{2019}y\u{2019}".into(),
            sections: Vec::new(),
            machine_translation: Some("管理者".into()),
            extra_rows: Vec::new(),
            related_ids: Vec::new(),
            post: PostRef {
                id: 907,
                link: None,
                slug: None,
                date_gmt: None,
                modified_gmt: None,
            },
        }
    }

    #[test]
    fn content_hash_never_changes_for_the_same_update() {
        // Archives key updates by this hash: a new value would store every update twice.
        assert_eq!(content_hash(&update()), "92ff6d27cea196c7cb5a533739382691");
    }

    #[test]
    fn only_a_present_action_date_or_never_an_extra_row_changes_the_hash() {
        let mut u = update();
        u.extra_rows.push(crate::model::ExtraRow {
            name: "Is Resolved".into(),
            text: "True".into(),
        });
        assert_eq!(content_hash(&u), content_hash(&update()));
        u.fields.action_required_by = Some(u.fields.start_time);
        let with_date = content_hash(&u);
        assert_ne!(with_date, content_hash(&update()));
        u.fields.action_required_by = Some(u.fields.last_updated);
        assert_ne!(content_hash(&u), with_date);
    }
}
