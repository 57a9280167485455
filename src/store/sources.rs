//! Per-source sync state (a source is a WordPress site), and the names each
//! site was synced under.

use rusqlite::{OptionalExtension, Transaction, params};

use super::ingest::{self, Work};
use super::tally::BatchOutcome;
use super::{Store, StoreError, merge};
use crate::model::site_of_route;

/// What the archive remembers about a source between syncs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceState {
    /// The REST posts route found for it, so later runs skip discovery.
    pub posts_url: Option<String>,
    /// The committed sync mark, as text (empty or absent: never synced).
    pub cursor: Option<String>,
}

/// A name a site was synced under, as the archive remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The site it reaches (`https://host/a`).
    pub site: String,
    /// The posts route the name took.
    pub posts_url: String,
}

impl Store {
    /// The sync state of `site`, if the archive has seen it.
    pub fn source_state(&self, site: &str) -> Result<Option<SourceState>, StoreError> {
        self.conn
            .query_row(
                "SELECT posts_url, cursor FROM sources WHERE site = ?1",
                [site],
                |r| {
                    Ok(SourceState {
                        posts_url: r.get(0)?,
                        cursor: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err("reading the sync state", e))
    }

    /// The site and route a `--source` (as given) was found to be, if it was.
    pub fn named_source(&self, name: &str) -> Result<Option<Named>, StoreError> {
        self.conn
            .query_row(
                "SELECT s.site, n.posts_url FROM source_names n JOIN sources s ON s.id = n.source_id
                 WHERE n.name = ?1",
                [name],
                |r| {
                    Ok(Named {
                        site: r.get(0)?,
                        posts_url: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err("reading the sources", e))
    }

    /// Every site the archive holds posts or a mark of.
    pub fn sites(&self) -> Result<Vec<String>, StoreError> {
        let fail = |e| self.err("reading the sources", e);
        let mut stmt = self
            .conn
            .prepare("SELECT site FROM sources ORDER BY site")
            .map_err(fail)?;
        stmt.query_map([], |r| r.get(0))
            .and_then(Iterator::collect)
            .map_err(fail)
    }

    /// Remembers the posts route of `site`.
    pub fn set_posts_url(&self, site: &str, posts_url: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sources(site, posts_url) VALUES (?1, ?2)
                 ON CONFLICT(site) DO UPDATE SET posts_url = excluded.posts_url",
                params![site, posts_url],
            )
            .map(|_| ())
            .map_err(|e| self.err("recording the posts route", e))
    }

    /// Records that `name` reaches `site` through `posts_url`. A source stored
    /// as `alias` (the site the route's path names, when the site's index
    /// says otherwise) is the same site: it is merged into `site`.
    pub fn name_source(
        &mut self,
        name: &str,
        site: &str,
        posts_url: &str,
        alias: Option<&str>,
    ) -> Result<BatchOutcome, StoreError> {
        let path = self.path.clone();
        let fail = |action| super::failing(&path, action);
        let tx = self
            .conn
            .transaction()
            .map_err(fail("recording a source"))?;
        let mut out = BatchOutcome::default();
        let into = ingest::source_id(&tx, site).map_err(fail("recording a source"))?;
        tx.execute(
            "UPDATE sources SET posts_url = ?2 WHERE id = ?1",
            params![into, posts_url],
        )
        .map_err(fail("recording the posts route"))?;
        if let Some(alias) = alias.filter(|a| *a != site) {
            let from: Option<i64> = tx
                .query_row("SELECT id FROM sources WHERE site = ?1", [alias], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(fail("reading the sources"))?;
            if let Some(from) = from {
                let mut work = Work::start(&tx).map_err(fail("merging two names of a site"))?;
                merge::merge_sources(&tx, from, into, &mut work)
                    .map_err(fail("merging two names of a site"))?;
                work.finish(&tx, &mut out)
                    .map_err(fail("merging two names of a site"))?;
            }
        }
        for key in [name, posts_url] {
            tx.execute(
                "INSERT OR REPLACE INTO source_names(name, source_id, posts_url) VALUES (?1, ?2, ?3)",
                params![key, into, posts_url],
            )
            .map_err(fail("recording a source"))?;
        }
        tx.commit().map_err(fail("recording a source"))?;
        Ok(out)
    }

    /// Forgets what `name` was found to be, so the next run finds it again.
    pub fn forget_name(&self, name: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM source_names WHERE name = ?1", [name])
            .map(|_| ())
            .map_err(|e| self.err("recording a source", e))
    }
}

/// Schema 4's step in code: sources keyed by host become sites. A synced
/// source's site is the root its posts route names; an imported one keeps
/// its host. Two that come out as one site are merged.
pub(super) fn become_sites(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let renamed: bool = tx.query_row(
        "SELECT NOT EXISTS(SELECT 1 FROM pragma_table_info('sources') WHERE name = 'origin')",
        [],
        |r| r.get(0),
    )?;
    if !renamed {
        tx.execute_batch("ALTER TABLE sources RENAME COLUMN origin TO site;")?;
    }
    let rows: Vec<(i64, String, Option<String>)> = {
        let mut stmt = tx.prepare("SELECT id, site, posts_url FROM sources ORDER BY id")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    let mut work = Work::start(tx)?;
    for (id, old, posts_url) in rows {
        let site = posts_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| site_of_route(&u))
            .unwrap_or(old.clone());
        if site == old {
            continue;
        }
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM sources WHERE site = ?1", [&site], |r| {
                r.get(0)
            })
            .optional()?;
        match existing {
            Some(into) => merge::merge_sources(tx, id, into, &mut work)?,
            None => {
                tx.execute(
                    "UPDATE sources SET site = ?2 WHERE id = ?1",
                    params![id, site],
                )?;
            }
        }
    }
    let mut out = BatchOutcome::default();
    work.finish(tx, &mut out)
}
