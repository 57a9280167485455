//! Keeping the full-text indexes in step with `updates`, one batch at a time.
//!
//! FTS5 buffers new rows in memory and writes them out at each savepoint; a
//! trigger-fed index therefore flushes at every row. Indexing all of a batch's
//! new updates in one statement at the end writes one segment per batch.

use rusqlite::{Transaction, params};

/// The highest update id ever assigned: every row at or below it is indexed at batch start.
pub(super) fn indexed_upto(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'updates'), 0)",
        [],
        |r| r.get(0),
    )
}

/// Indexes every update with an id above `after`.
pub(super) fn index_since(tx: &Transaction<'_>, after: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO updates_fts(rowid, record_id, service, title, user_impact, message)
         SELECT id, record_id, service, title, user_impact, message FROM updates WHERE id > ?1",
    )?
    .execute([after])?;
    tx.prepare_cached(
        "INSERT INTO translation_fts(rowid, machine_translation)
         SELECT id, machine_translation FROM updates
         WHERE id > ?1 AND machine_translation IS NOT NULL",
    )?
    .execute([after])?;
    Ok(())
}

/// Removes an update from the indexes; rows above `indexed_upto` were never indexed.
pub(super) fn unindex(
    tx: &Transaction<'_>,
    update_id: i64,
    indexed_upto: i64,
) -> rusqlite::Result<()> {
    if update_id > indexed_upto {
        return Ok(());
    }
    // External-content FTS5 deletes need the exact indexed values, read before the row goes.
    tx.prepare_cached(
        "INSERT INTO updates_fts(updates_fts, rowid, record_id, service, title, user_impact, message)
         SELECT 'delete', id, record_id, service, title, user_impact, message FROM updates WHERE id = ?1",
    )?
    .execute(params![update_id])?;
    tx.prepare_cached(
        "INSERT INTO translation_fts(translation_fts, rowid, machine_translation)
         SELECT 'delete', id, machine_translation FROM updates
         WHERE id = ?1 AND machine_translation IS NOT NULL",
    )?
    .execute(params![update_id])?;
    Ok(())
}

/// Empties both indexes (before a reparse rewrites every update).
pub(super) fn clear(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "INSERT INTO updates_fts(updates_fts) VALUES ('delete-all');
         INSERT INTO translation_fts(translation_fts) VALUES ('delete-all');",
    )
}
