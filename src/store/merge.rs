//! Folding two sources that turn out to be one site into one.
//!
//! Until schema 4 a source was a host, and a site reached under two names
//! (`localhost` and `127.0.0.1`, or synced and imported) was stored twice;
//! a sync can also learn only now, from the site's REST index, that a name
//! it stored under is another name of a known site. Merging keeps every raw
//! version (an identical one is the same version, kept once), keeps the newer
//! version of a post stored under both, drops updates no post carries any
//! more, and settles the records that touched.

use rusqlite::{OptionalExtension, Transaction, params};

use super::ingest::{Work, drop_if_orphan};

/// One post's current row: raw version, modified time ('' when unknown) and update.
struct Current {
    raw_id: i64,
    modified: String,
    update_id: Option<i64>,
}

/// Moves everything of source `from` into source `into` and deletes `from`.
pub(super) fn merge_sources(
    tx: &Transaction<'_>,
    from: i64,
    into: i64,
    work: &mut Work,
) -> rusqlite::Result<()> {
    if from == into {
        return Ok(());
    }
    merge_raw(tx, from, into)?;
    merge_posts(tx, from, into, work)?;
    tx.execute(
        "UPDATE rejects SET source_id = ?2 WHERE source_id = ?1",
        params![from, into],
    )?;
    // Each mark says every post up to it is stored; of one site, the earlier
    // one is true of the merged posts whatever either walk missed.
    tx.execute(
        "UPDATE sources SET
           cursor = CASE
             WHEN cursor IS NULL OR cursor = '' THEN (SELECT cursor FROM sources WHERE id = ?1)
             WHEN (SELECT coalesce(cursor, '') FROM sources WHERE id = ?1) = '' THEN cursor
             ELSE min(cursor, (SELECT cursor FROM sources WHERE id = ?1)) END,
           posts_url = coalesce(posts_url, (SELECT posts_url FROM sources WHERE id = ?1))
         WHERE id = ?2",
        params![from, into],
    )?;
    tx.execute(
        "UPDATE source_names SET source_id = ?2 WHERE source_id = ?1",
        params![from, into],
    )?;
    tx.execute("DELETE FROM sources WHERE id = ?1", [from])?;
    Ok(())
}

/// Moves `from`'s raw versions; one already stored under `into` (same post,
/// time and bytes) stays once, and what pointed at the copy points at it.
fn merge_raw(tx: &Transaction<'_>, from: i64, into: i64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE OR IGNORE raw_posts SET source_id = ?2 WHERE source_id = ?1",
        params![from, into],
    )?;
    let twins: Vec<(i64, i64)> = {
        let mut stmt = tx.prepare(
            "SELECT f.id, i.id FROM raw_posts f JOIN raw_posts i
               ON i.source_id = ?2 AND i.json_hash = f.json_hash
              AND i.post_id IS f.post_id AND i.modified_gmt IS f.modified_gmt
             WHERE f.source_id = ?1",
        )?;
        stmt.query_map(params![from, into], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    for (copy, kept) in twins {
        tx.execute(
            "UPDATE posts SET raw_id = ?2 WHERE raw_id = ?1",
            params![copy, kept],
        )?;
        tx.execute(
            "UPDATE OR REPLACE rejects SET raw_id = ?2 WHERE raw_id = ?1",
            params![copy, kept],
        )?;
        tx.execute("DELETE FROM raw_posts WHERE id = ?1", [copy])?;
    }
    Ok(())
}

/// Moves `from`'s posts; a post stored under both keeps its newer version.
fn merge_posts(
    tx: &Transaction<'_>,
    from: i64,
    into: i64,
    work: &mut Work,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE posts SET source_id = ?2 WHERE source_id = ?1
           AND post_id NOT IN (SELECT post_id FROM posts WHERE source_id = ?2)",
        params![from, into],
    )?;
    let both: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT post_id FROM posts WHERE source_id = ?1")?;
        stmt.query_map([from], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for post_id in both {
        let (Some(theirs), Some(ours)) = (current(tx, from, post_id)?, current(tx, into, post_id)?)
        else {
            continue;
        };
        let (winner, loser) = if theirs.modified > ours.modified {
            tx.execute(
                "UPDATE posts SET (raw_id, modified_gmt, date_gmt, link, slug, update_id) =
                   (SELECT raw_id, modified_gmt, date_gmt, link, slug, update_id
                    FROM posts WHERE source_id = ?1 AND post_id = ?3)
                 WHERE source_id = ?2 AND post_id = ?3",
                params![from, into, post_id],
            )?;
            (theirs, ours)
        } else {
            (ours, theirs)
        };
        tx.execute(
            "DELETE FROM posts WHERE source_id = ?1 AND post_id = ?2",
            params![from, post_id],
        )?;
        // The losing version's verdict goes with it, unless it is the same raw row.
        if loser.raw_id != winner.raw_id {
            tx.execute("DELETE FROM rejects WHERE raw_id = ?1", [loser.raw_id])?;
        }
        match (loser.update_id, winner.update_id) {
            (Some(old), new) if Some(old) != new => drop_if_orphan(tx, old, work)?,
            _ => {}
        }
        if let Some(new) = winner.update_id {
            // The record's link may now name the other post row: recompute it.
            let record: Option<String> = tx
                .query_row("SELECT record_id FROM updates WHERE id = ?1", [new], |r| {
                    r.get(0)
                })
                .optional()?;
            if let Some(record) = record {
                super::settle::touch(tx, &record, &mut work.touched, work.tally)?;
            }
        }
    }
    Ok(())
}

fn current(tx: &Transaction<'_>, source: i64, post_id: i64) -> rusqlite::Result<Option<Current>> {
    tx.query_row(
        "SELECT raw_id, coalesce(modified_gmt, ''), update_id FROM posts
         WHERE source_id = ?1 AND post_id = ?2",
        params![source, post_id],
        |r| {
            Ok(Current {
                raw_id: r.get(0)?,
                modified: r.get(1)?,
                update_id: r.get(2)?,
            })
        },
    )
    .optional()
}
