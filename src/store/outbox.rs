//! Notifications in the archive: subscriptions, and the outbox of events
//! written in the same transaction as the change they tell of.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, StoreError, ts};
use crate::model::{Kind, Subscription, Topics};

/// A subscription's id and filters, as settling needs them.
pub(super) struct Listener {
    id: i64,
    topics: Topics,
}

/// Every subscription, for a batch to write events for (none: no work at all).
pub(super) fn listeners(tx: &Transaction<'_>) -> rusqlite::Result<Vec<Listener>> {
    let mut stmt = tx.prepare_cached("SELECT id, filters FROM subscriptions ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, filters) = row?;
        // Filters are only ever written by `add_subscription`; an unreadable
        // value would hear everything rather than silently nothing.
        let topics = serde_json::from_str(&filters).unwrap_or_default();
        out.push(Listener { id, topics });
    }
    Ok(out)
}

/// Writes one event of `record`'s current state for every listener it matches:
/// `event` is `new` or `update`, `previous` the status before.
pub(super) fn record_event(
    tx: &Transaction<'_>,
    listeners: &[Listener],
    record: &str,
    event: &str,
    previous: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let row = tx
        .prepare_cached(
            "SELECT kind, service, classification, status, id || '@' || last_updated,
               json_object('key', id || '@' || last_updated, 'kind', kind, 'id', id,
                 'event', ?2, 'status', status, 'previous_status', ?3,
                 'classification', classification, 'service', service, 'title', title,
                 'start_time', start_time, 'end_time', end_time,
                 'last_updated', last_updated, 'link', link)
             FROM records WHERE id = ?1",
        )?
        .query_row(params![record, event, previous], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .optional()?;
    let Some((kind, service, classification, status, key, payload)) = row else {
        return Ok(());
    };
    let kind = if kind == "message" {
        Kind::Message
    } else {
        Kind::Health
    };
    let mut insert = tx.prepare_cached(
        "INSERT INTO events(subscription_id, key, payload, created_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?;
    for l in listeners {
        if l.topics
            .matches(kind, service.as_deref(), &classification, status.as_deref())
        {
            insert.execute(params![l.id, key, payload, ts(now)])?;
        }
    }
    Ok(())
}

/// Events of one subscription waiting for delivery, oldest first.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The last event's id: [`Store::mark_delivered`] marks up to it.
    pub upto: i64,
    /// Each event's JSON object, in order.
    pub payloads: Vec<String>,
}

/// Every undelivered event of one subscription, as a chat message tells them.
#[derive(Debug, Clone)]
pub struct Backlog {
    /// The newest event's id: [`Store::mark_delivered`] up to it marks them all.
    pub upto: i64,
    /// How many events wait.
    pub count: u64,
    /// The oldest events' JSON objects, in order.
    pub first: Vec<String>,
    /// The earliest `last_updated` among all of them (RFC 3339), when any has one.
    pub oldest: Option<String>,
}

impl Store {
    /// Adds a subscription and returns its id; events start with the next batch.
    pub fn add_subscription(
        &mut self,
        url: &str,
        format: &str,
        topics: &Topics,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let filters = serde_json::to_string(topics).unwrap_or_else(|_| "{}".into());
        self.conn
            .query_row(
                "INSERT INTO subscriptions(url, format, filters, created_at)
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
                params![url, format, filters, ts(now)],
                |r| r.get(0),
            )
            .map_err(super::failing(&self.path, "adding a subscription"))
    }

    /// Removes a subscription and its events; false when there was none with that id.
    pub fn remove_subscription(&mut self, id: i64) -> Result<bool, StoreError> {
        let fail = super::failing(&self.path, "removing a subscription");
        let removed = (|| {
            let tx = self.conn.transaction()?;
            tx.execute("DELETE FROM events WHERE subscription_id = ?1", [id])?;
            let n = tx.execute("DELETE FROM subscriptions WHERE id = ?1", [id])?;
            tx.commit()?;
            Ok(n > 0)
        })();
        removed.map_err(fail)
    }

    /// Every subscription, oldest first, with how many events wait for it.
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let read = || -> rusqlite::Result<Vec<Subscription>> {
            let mut stmt = self.conn.prepare(
                "SELECT s.id, s.url, s.format, s.filters, s.created_at, s.failing,
                   (SELECT count(*) FROM events e
                    WHERE e.subscription_id = s.id AND e.delivered_at IS NULL)
                 FROM subscriptions s ORDER BY s.id",
            )?;
            let rows = stmt.query_map([], |r| {
                let filters: String = r.get(3)?;
                Ok(Subscription {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    format: r.get(2)?,
                    topics: serde_json::from_str(&filters).unwrap_or_default(),
                    created_at: r.get(4)?,
                    failing: r.get(5)?,
                    pending: r.get::<_, i64>(6)?.max(0) as u64,
                })
            })?;
            rows.collect()
        };
        read().map_err(super::failing(&self.path, "reading subscriptions"))
    }

    /// Up to `limit` undelivered events of subscription `id`, oldest first; `None` when none wait.
    pub fn pending_events(&self, id: i64, limit: usize) -> Result<Option<Pending>, StoreError> {
        let read = || -> rusqlite::Result<Option<Pending>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, payload FROM events
                 WHERE subscription_id = ?1 AND delivered_at IS NULL ORDER BY id LIMIT ?2",
            )?;
            let mut rows = stmt.query(params![id, limit as i64])?;
            let mut upto = None;
            let mut payloads = Vec::new();
            while let Some(row) = rows.next()? {
                upto = Some(row.get::<_, i64>(0)?);
                payloads.push(row.get(1)?);
            }
            Ok(upto.map(|upto| Pending { upto, payloads }))
        };
        read().map_err(super::failing(&self.path, "reading pending events"))
    }

    /// Every undelivered event of subscription `id` as one chat message tells
    /// them: how many, the first `first` in full, and the oldest Last Updated;
    /// `None` when none wait.
    pub fn backlog(&self, id: i64, first: usize) -> Result<Option<Backlog>, StoreError> {
        let read = || -> rusqlite::Result<Option<Backlog>> {
            let (count, upto, oldest) = self.conn.query_row(
                "SELECT count(*), max(id), min(json_extract(payload, '$.last_updated'))
                 FROM events WHERE subscription_id = ?1 AND delivered_at IS NULL",
                [id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )?;
            let Some(upto) = upto else {
                return Ok(None);
            };
            // Bounded by `upto` so that what is shown is what gets marked.
            let mut stmt = self.conn.prepare_cached(
                "SELECT payload FROM events WHERE subscription_id = ?1
                   AND delivered_at IS NULL AND id <= ?2 ORDER BY id LIMIT ?3",
            )?;
            let shown = stmt
                .query_map(params![id, upto, first as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(Some(Backlog {
                upto,
                count: count.max(0) as u64,
                first: shown,
                oldest,
            }))
        };
        read().map_err(super::failing(&self.path, "reading pending events"))
    }

    /// Marks every undelivered event of subscription `id` up to `upto` as
    /// delivered, and the subscription as working.
    pub fn mark_delivered(
        &mut self,
        id: i64,
        upto: i64,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let fail = super::failing(&self.path, "marking events delivered");
        let mark = (|| {
            // Immediate: the write lock is taken (waiting out a sync storing
            // meanwhile, up to the busy timeout) before anything is read.
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE events SET delivered_at = ?3
                 WHERE subscription_id = ?1 AND id <= ?2 AND delivered_at IS NULL",
                params![id, upto, ts(now)],
            )?;
            tx.execute(
                "UPDATE subscriptions SET failing = NULL WHERE id = ?1",
                [id],
            )?;
            tx.commit()
        })();
        mark.map_err(fail)
    }

    /// Records why subscription `id`'s receiver refused its events.
    pub fn mark_failing(&mut self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE subscriptions SET failing = ?2 WHERE id = ?1",
                params![id, reason],
            )
            .map(|_| ())
            .map_err(super::failing(&self.path, "marking a subscription failing"))
    }
}
