//! The archive's schema as numbered, append-only migrations on `PRAGMA user_version`.
//!
//! Never edit a migration that has shipped: add a new one. An archive made by an
//! older healthfeed is upgraded in place at open; one made by a newer healthfeed
//! is refused before anything is written.

use rusqlite::{Connection, Transaction};

/// Marks a SQLite file as a healthfeed archive (`PRAGMA application_id`, "hfed").
pub const APPLICATION_ID: i64 = 0x6866_6564;

/// Migration `i` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the first archive layout.
    r#"
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    origin      TEXT NOT NULL UNIQUE,   -- scheme://host[:port] the posts come from
    posts_url   TEXT,                   -- the REST route sync uses, once known
    cursor      TEXT                    -- sync mark: every post modified at or before it is stored
);

CREATE TABLE raw_posts (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    post_id       INTEGER,              -- NULL when the JSON had no usable id
    modified_gmt  TEXT,
    json_hash     TEXT NOT NULL,        -- xxh3-128 of json: same post, same bytes, stored once
    fetched_at    TEXT NOT NULL,
    json          TEXT NOT NULL         -- the post exactly as received
);
CREATE UNIQUE INDEX raw_posts_version ON raw_posts(source_id, post_id, modified_gmt, json_hash);
CREATE UNIQUE INDEX raw_posts_unkeyed ON raw_posts(source_id, json_hash) WHERE post_id IS NULL;

CREATE TABLE updates (
    -- AUTOINCREMENT: ids never reuse, so "id > last indexed" finds exactly the unindexed rows.
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id            TEXT NOT NULL,
    last_updated         TEXT NOT NULL,
    content_hash         TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    service              TEXT,
    title                TEXT NOT NULL,
    status               TEXT,
    classification       TEXT NOT NULL,
    user_impact          TEXT,
    start_time           TEXT NOT NULL,
    end_time             TEXT,
    message              TEXT NOT NULL,  -- sections are derived from it on read (paragraphs split by a blank line)
    machine_translation  TEXT,
    related_ids          TEXT NOT NULL,  -- JSON ["DZ534548", ...]
    parser_version       INTEGER NOT NULL,
    UNIQUE (record_id, last_updated, content_hash)
);

CREATE TABLE posts (
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    post_id       INTEGER NOT NULL,
    raw_id        INTEGER NOT NULL REFERENCES raw_posts(id),
    modified_gmt  TEXT,
    date_gmt      TEXT,
    link          TEXT,
    slug          TEXT,
    update_id     INTEGER REFERENCES updates(id),  -- NULL when the post is a reject
    PRIMARY KEY (source_id, post_id)
);
CREATE INDEX posts_update ON posts(update_id);

CREATE TABLE records (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL,
    current_update_id  INTEGER NOT NULL REFERENCES updates(id) DEFERRABLE INITIALLY DEFERRED,
    service            TEXT,
    title              TEXT NOT NULL,
    status             TEXT,
    classification     TEXT NOT NULL,
    user_impact        TEXT,
    start_time         TEXT NOT NULL,
    end_time           TEXT,
    last_updated       TEXT NOT NULL,
    closed             INTEGER NOT NULL,
    update_count       INTEGER NOT NULL,
    first_seen         TEXT NOT NULL   -- the earliest Last Updated in the timeline
);
CREATE INDEX records_last_updated ON records(last_updated);
CREATE INDEX updates_record ON updates(record_id, last_updated);

CREATE TABLE rejects (
    raw_id          INTEGER PRIMARY KEY REFERENCES raw_posts(id),
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    post_id         INTEGER,
    not_record      INTEGER NOT NULL,   -- 1: not a record (site notice); 0: failed to parse
    reason          TEXT NOT NULL,
    parser_version  INTEGER NOT NULL
);

CREATE TABLE mentions (
    update_id   INTEGER NOT NULL REFERENCES updates(id) ON DELETE CASCADE,
    related_id  TEXT NOT NULL,
    PRIMARY KEY (update_id, related_id)
) WITHOUT ROWID;
CREATE INDEX mentions_related ON mentions(related_id);

CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,          -- import, sync, reparse
    source       TEXT,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    outcome      TEXT,                   -- ok, or the error that ended the run
    summary      TEXT                    -- JSON counts
);

CREATE VIRTUAL TABLE updates_fts USING fts5(
    record_id, service, title, user_impact, message,
    content='updates', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
-- Both indexes are kept in step by the store, not by triggers: a trigger makes FTS5
-- flush its buffer at every row, which made imports several times slower.
-- The default tokenizer does not split Japanese; trigrams find any 3+ character run.
CREATE VIRTUAL TABLE translation_fts USING fts5(
    machine_translation, content='updates', content_rowid='id', tokenize='trigram'
);
"#,
    // 2: what list and export read per record, kept on the record itself. Joining
    // each record to its current update and posts made an export of 100,000
    // records take over half a second; one table scan in index order takes a tenth.
    r#"
ALTER TABLE records ADD COLUMN related_ids TEXT NOT NULL DEFAULT '[]';  -- the current update's, JSON
ALTER TABLE records ADD COLUMN link TEXT;  -- URL of the latest post carrying the current update
UPDATE records SET
    related_ids = coalesce((SELECT u.related_ids FROM updates u WHERE u.id = records.current_update_id), '[]'),
    link = (SELECT p.link FROM posts p WHERE p.update_id = records.current_update_id
            ORDER BY p.modified_gmt DESC, p.post_id DESC LIMIT 1);
-- Most recently updated first, ties by ID, without a sort: list, export, stats.
DROP INDEX records_last_updated;
CREATE INDEX records_recent ON records(last_updated DESC, id);
-- export --updates streams every update newest first.
CREATE INDEX updates_recent ON updates(last_updated DESC, record_id);
"#,
    // 3: Message Center's Action Required By Date as a typed field, and every
    // table row the parser does not know, kept on the update instead of dropped.
    // Updates stored before stay without them until `reparse` (their raw posts
    // still hold the rows).
    r#"
ALTER TABLE updates ADD COLUMN action_required_by TEXT;
ALTER TABLE records ADD COLUMN action_required_by TEXT;
ALTER TABLE updates ADD COLUMN extra_rows TEXT NOT NULL DEFAULT '[]';  -- JSON [{"name": …, "text": …}, …]
"#,
    // 4: a source is a WordPress site, not a host: two sites may share a host
    // (a multisite in subdirectories), and one site may be reached under two
    // names. `sources.origin` becomes `sources.site` (the site's root URL) and
    // sources that come out as one site are merged, in code: see
    // `sources::become_sites`. Each name a sync was given is remembered with
    // the site it turned out to be, so later runs ask the site only once.
    r#"
CREATE TABLE IF NOT EXISTS source_names (
    name       TEXT PRIMARY KEY,   -- a --source as given, or the posts route it took
    source_id  INTEGER NOT NULL REFERENCES sources(id),
    posts_url  TEXT NOT NULL
);
"#,
    // 5: notifications. Subscriptions live in the archive, so the cron line
    // stays `healthfeed sync`; events are a transactional outbox, written in
    // the transaction that changes a record and delivered afterwards, so a
    // crash between "stored" and "sent" neither drops nor invents one.
    // (IF NOT EXISTS: tests make "old" archives by lowering user_version.)
    r#"
CREATE TABLE IF NOT EXISTS subscriptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a removed id stays gone
    url         TEXT NOT NULL,
    format      TEXT NOT NULL,          -- json
    filters     TEXT NOT NULL,          -- JSON {"services": [...], "kind": ..., "classifications": [...], "statuses": [...]}
    created_at  TEXT NOT NULL,
    failing     TEXT                    -- why the receiver refused (a 4xx), until a delivery succeeds
);
CREATE TABLE IF NOT EXISTS events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- delivery order
    subscription_id  INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    key              TEXT NOT NULL,     -- ID@last_updated: the same on every resend
    payload          TEXT NOT NULL,     -- JSON, one element of the json format's "events"
    created_at       TEXT NOT NULL,
    delivered_at     TEXT,
    UNIQUE (subscription_id, key)
);
CREATE INDEX IF NOT EXISTS events_pending ON events(subscription_id, id) WHERE delivered_at IS NULL;
"#,
    // 6: word forms. `search mailbox` should find "mailboxes" and `delays`
    // "delayed": the English index is made again with its words reduced to
    // their Porter stems, and rebuilt from the updates already stored, so an
    // existing archive searches word forms as soon as a writer has opened it.
    // One index, not a stemmed one beside the exact one: the second cost an
    // import a fifth more work and a search two fifths, for a ranking nuance.
    // Same name and columns, so the code that keeps it in step (schema 4's
    // step in code too, which writes updates before this migration) is one.
    r#"
DROP TABLE IF EXISTS updates_fts;
CREATE VIRTUAL TABLE updates_fts USING fts5(
    record_id, service, title, user_impact, message,
    content='updates', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO updates_fts(updates_fts) VALUES ('rebuild');
"#,
];

/// The step in code that follows migration `i`'s SQL, for what SQL alone cannot do.
fn code_step(i: usize) -> Option<fn(&Transaction<'_>) -> rusqlite::Result<()>> {
    match i {
        3 => Some(super::sources::become_sites),
        _ => None,
    }
}

/// The schema version this build writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The SQLite library linked in (bundled, so the same on every machine of one build).
pub fn sqlite_version() -> &'static str {
    rusqlite::version()
}

/// Applies every migration past the file's version, all in one transaction:
/// a writer killed while upgrading (or creating) an archive leaves it at the
/// version it had, never between two, where readers would refuse it.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let mut version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let start = version.max(0) as usize;
    if start >= MIGRATIONS.len() {
        return Ok(version);
    }
    let tx = conn.transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        tx.execute_batch(sql)?;
        if let Some(step) = code_step(i) {
            step(&tx)?;
        }
        version = i as i64 + 1;
    }
    // PRAGMA takes no bound parameters; the value is our own integer.
    tx.execute_batch(&format!(
        "PRAGMA user_version = {version}; PRAGMA application_id = {APPLICATION_ID};"
    ))?;
    tx.commit()?;
    Ok(version)
}
