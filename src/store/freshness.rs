//! The facts a monitoring check judges: when each source last synced (and
//! last tried to), and how each subscription's deliveries stand.

use serde::Serialize;

use super::{Store, StoreError};

/// One `--source` as the run log knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceSync {
    /// The source as `sync` was given it.
    pub source: String,
    /// When its newest successful sync finished (RFC 3339); none if it never succeeded.
    pub last_success: Option<String>,
    /// When its newest sync started, whatever came of it.
    pub last_try: String,
    /// How that newest sync ended: `ok`, the error, or none while it runs (or was killed).
    pub last_outcome: Option<String>,
}

/// One subscription's delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deliveries {
    /// The subscription's id.
    pub subscription: i64,
    /// Its URL.
    pub url: String,
    /// Why its receiver refused events, while it does.
    pub failing: Option<String>,
    /// Events not yet delivered.
    pub pending: u64,
    /// When the oldest of them was stored (RFC 3339).
    pub oldest_pending: Option<String>,
}

/// What the archive says about its syncs and deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Freshness {
    /// Every source ever synced, by name.
    pub sources: Vec<SourceSync>,
    /// Every subscription, by id.
    pub subscriptions: Vec<Deliveries>,
}

impl Store {
    /// The sync log per source and the outbox per subscription.
    pub fn freshness(&self) -> Result<Freshness, StoreError> {
        let fail = |e| self.err("reading when syncs and deliveries last worked", e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.source,
                   max(CASE WHEN r.outcome = 'ok' THEN r.finished_at END),
                   max(r.started_at),
                   (SELECT l.outcome FROM runs l WHERE l.kind = 'sync' AND l.source IS r.source
                    ORDER BY l.id DESC LIMIT 1)
                 FROM runs r WHERE r.kind = 'sync' GROUP BY r.source ORDER BY r.source",
            )
            .map_err(fail)?;
        let sources = stmt
            .query_map([], |r| {
                Ok(SourceSync {
                    source: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    last_success: r.get(1)?,
                    last_try: r.get(2)?,
                    last_outcome: r.get(3)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(fail)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.url, s.failing, count(e.id), min(e.created_at)
                 FROM subscriptions s
                 LEFT JOIN events e ON e.subscription_id = s.id AND e.delivered_at IS NULL
                 GROUP BY s.id ORDER BY s.id",
            )
            .map_err(fail)?;
        let subscriptions = stmt
            .query_map([], |r| {
                Ok(Deliveries {
                    subscription: r.get(0)?,
                    url: r.get(1)?,
                    failing: r.get(2)?,
                    pending: r.get::<_, i64>(3)?.max(0) as u64,
                    oldest_pending: r.get(4)?,
                })
            })
            .and_then(Iterator::collect)
            .map_err(fail)?;
        Ok(Freshness {
            sources,
            subscriptions,
        })
    }
}
