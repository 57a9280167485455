//! `healthfeed notify`: subscriptions kept in the archive, and delivery of
//! their events from the outbox (also run at the end of every `sync`).

pub use crate::notify::ANSWER_BYTES;
pub use crate::notify::payload::{Format, shell_word};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;

use super::Exit;
use crate::model::{Subscription, Topics, UnknownWord};
use crate::notify::{CHUNK, Refused, Sender, json_body};
use crate::store::{DeliveryLock, Store, StoreError};

use crate::notify::Answer;
use crate::notify::payload::{self, Digest, Event, SHOWN};
use crate::store::Backlog;

/// Tries of one POST within a run.
const TRIES: u32 = 3;
/// The wait before the second try (doubled before the third).
const BACKOFF: Duration = Duration::from_millis(200);

/// Why a `notify` command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The archive failed (or is busy).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No subscription has this id.
    #[error("no subscription {0}: `healthfeed notify list` shows them")]
    NotFound(i64),
    /// A filter names a status or classification nobody uses.
    #[error(transparent)]
    Word(#[from] UnknownWord),
    /// A subscription with this URL, format and filters exists: a second
    /// would deliver every event twice.
    #[error(
        "subscription {id} already sends these events to this URL in this format: \
         nothing added (to change it, `healthfeed notify remove {id}` first)"
    )]
    Duplicate {
        /// The existing subscription's id.
        id: i64,
    },
    /// The URL cannot take a POST.
    #[error("{url:?} is not an http:// or https:// URL")]
    BadUrl {
        /// The URL as given.
        url: String,
    },
}

impl Error {
    /// The exit code this failure ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Store(e) => e.exit(),
            Error::NotFound(_) => Exit::NotFound,
            Error::BadUrl { .. } | Error::Word(_) | Error::Duplicate { .. } => Exit::Usage,
        }
    }
}

/// A new subscription.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Where to POST.
    pub url: String,
    /// The payload format's name (`json`, `slack`, `teams`, `discord`).
    pub format: String,
    /// Which records it hears about.
    pub topics: Topics,
}

/// Adds a subscription to the archive at `db` (created if missing) and returns its id.
pub fn add(db: &Path, new: &NewSubscription) -> Result<i64, Error> {
    let parsed = url::Url::parse(&new.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
    let Some(parsed) = parsed else {
        return Err(Error::BadUrl {
            url: new.url.clone(),
        });
    };
    let mut store = Store::open(db)?;
    // A typo would make a subscription that silently never hears of anything.
    if let Some(word) = store.unknown_topic_word(&new.topics)? {
        return Err(Error::Word(word));
    }
    // The same URL spelled differently (host case, a default port) is the
    // same receiver: it would get every event twice.
    let twin = store.subscriptions()?.into_iter().find(|s| {
        s.format == new.format
            && s.topics.same_as(&new.topics)
            && url::Url::parse(&s.url).map_or(s.url == new.url, |u| u == parsed)
    });
    if let Some(twin) = twin {
        return Err(Error::Duplicate { id: twin.id });
    }
    Ok(store.add_subscription(&new.url, &new.format, &new.topics, Utc::now())?)
}

/// The format a well-known chat webhook takes, when `url` is one whose
/// service refuses any other body (Slack's, Discord's); `None` otherwise.
pub fn chat_format_of(url: &str) -> Option<Format> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    // Only incoming webhooks: Workflow Builder's (`/workflows/`, `/triggers/`) take any JSON.
    if host == "hooks.slack.com" && u.path().starts_with("/services/") {
        return Some(Format::Slack);
    }
    let discord = matches!(
        host.as_str(),
        "discord.com" | "discordapp.com" | "ptb.discord.com" | "canary.discord.com"
    );
    (discord && u.path().starts_with("/api/webhooks/")).then_some(Format::Discord)
}

/// Every subscription of the archive at `db`.
pub fn list(db: &Path) -> Result<Vec<Subscription>, Error> {
    Ok(Store::open_read_only(db)?.subscriptions()?)
}

/// Removes subscription `id` and its undelivered events.
pub fn remove(db: &Path, id: i64) -> Result<(), Error> {
    existing(db)?;
    let mut store = Store::open(db)?;
    if store.remove_subscription(id)? {
        Ok(())
    } else {
        Err(Error::NotFound(id))
    }
}

/// Fails unless an archive is at `db`: only `add` may create one. A mistyped
/// `--db` would otherwise get a new empty archive and "nothing pending".
fn existing(db: &Path) -> Result<(), StoreError> {
    if db.exists() {
        Ok(())
    } else {
        Err(StoreError::Missing {
            path: db.to_owned(),
        })
    }
}

/// A subscription whose events could not all be delivered.
#[derive(Debug, Clone, Serialize)]
pub struct Undelivered {
    /// The subscription's id.
    pub subscription: i64,
    /// Its URL.
    pub url: String,
    /// Why (the receiver's answer, or the network's).
    pub reason: String,
    /// True when the receiver refused the request itself (a 4xx): it is marked failing.
    pub failing: bool,
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delivery {
    /// Events receivers accepted.
    pub delivered: u64,
    /// Subscriptions left with pending events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undelivered: Vec<Undelivered>,
    /// True when another process was delivering, so this run sent nothing:
    /// its events stay pending for that process or the next run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub left_to_other_process: bool,
}

impl Delivery {
    /// True when nothing was sent and nothing is left: not worth reporting.
    pub fn is_quiet(&self) -> bool {
        self.delivered == 0 && self.undelivered.is_empty() && !self.left_to_other_process
    }

    /// What a run that found another process delivering did: nothing, on purpose.
    pub fn left_to_other_process() -> Self {
        Delivery {
            left_to_other_process: true,
            ..Delivery::default()
        }
    }

    /// Success, or [`Exit::Undelivered`] when events are left pending (events
    /// left to another deliverer are not this run's failure).
    pub fn exit(&self) -> Exit {
        if self.undelivered.is_empty() {
            Exit::Success
        } else {
            Exit::Undelivered
        }
    }
}

/// `healthfeed notify send`: delivers every pending event of the archive at
/// `db`, holding the delivery lock so a sync's delivery and this one never
/// overlap (a sync may still store meanwhile: it holds another lock).
pub fn send(db: &Path, wait: Duration) -> Result<Delivery, Error> {
    existing(db)?;
    let _lock = DeliveryLock::acquire(db, wait)?;
    let mut store = Store::open(db)?;
    Ok(deliver(&mut store, None)?)
}

/// Delivers every subscription's pending events, oldest first, in POSTs of at
/// most [`CHUNK`] events; a 2xx marks a chunk delivered. Storing never waits
/// on this: a receiver that fails keeps its events for the next run. No retry
/// waits past `deadline` (the end of a sync's `--max-time`).
///
/// The caller holds the [`DeliveryLock`]: it alone keeps two processes from
/// reading the same pending events and both POSTing them. Rows a sync stores
/// meanwhile are safe: marking is one short write transaction that waits out
/// the other writer (SQLite's busy timeout), and it marks by event id, so an
/// event stored after the read is left pending, never marked unsent.
pub fn deliver(store: &mut Store, deadline: Option<Instant>) -> Result<Delivery, StoreError> {
    let mut delivery = Delivery::default();
    let subscriptions = store.subscriptions()?;
    let waiting: Vec<_> = subscriptions
        .into_iter()
        .filter(|s| s.pending > 0)
        .collect();
    if waiting.is_empty() {
        return Ok(delivery);
    }
    let sender = match Sender::new(TRIES, BACKOFF) {
        Ok(sender) => sender.until(deadline),
        Err(e) => {
            for s in waiting {
                delivery.undelivered.push(Undelivered {
                    subscription: s.id,
                    url: s.url,
                    reason: e.to_string(),
                    failing: false,
                });
            }
            return Ok(delivery);
        }
    };
    for s in waiting {
        match Format::from_name(&s.format) {
            Some(Format::Json) => {}
            Some(chat) => {
                deliver_chat(store, &sender, &s, chat, &mut delivery)?;
                continue;
            }
            None => {
                let why = format!("unknown payload format {:?}", s.format);
                refuse(store, &s, Refused::Rejected(why), &mut delivery)?;
                continue;
            }
        }
        while let Some(pending) = store.pending_events(s.id, CHUNK)? {
            match sender.post(&s.url, &json_body(&pending.payloads)) {
                Ok(()) => {
                    store.mark_delivered(s.id, pending.upto, Utc::now())?;
                    delivery.delivered += pending.payloads.len() as u64;
                }
                Err(refused) => {
                    refuse(store, &s, refused, &mut delivery)?;
                    break;
                }
            }
        }
    }
    Ok(delivery)
}

/// A chat subscription gets ONE message per run whatever waits, so a backfill
/// never floods a channel: the first [`SHOWN`] events written out, the rest
/// summed up; a 2xx marks every one of them delivered.
fn deliver_chat(
    store: &mut Store,
    sender: &Sender,
    s: &Subscription,
    format: Format,
    delivery: &mut Delivery,
) -> Result<(), StoreError> {
    let Some(backlog) = store.backlog(s.id, SHOWN)? else {
        return Ok(());
    };
    let now = Utc::now();
    match sender.post(
        &s.url,
        &payload::body(format, &digest(&backlog, &s.topics, now)),
    ) {
        Ok(()) => {
            store.mark_delivered(s.id, backlog.upto, now)?;
            delivery.delivered += backlog.count;
            Ok(())
        }
        Err(refused) => refuse(store, s, refused, delivery),
    }
}

/// The chat message's content from the outbox's rows.
fn digest(backlog: &Backlog, topics: &Topics, now: chrono::DateTime<Utc>) -> Digest {
    let oldest = backlog
        .oldest
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    Digest {
        // Stored payloads are the outbox's own JSON; one that does not read
        // back is still counted in `total`, so the summary stays true.
        events: backlog
            .first
            .iter()
            .filter_map(|p| serde_json::from_str::<Event>(p).ok())
            .collect(),
        total: backlog.count,
        since: oldest.map(|t| payload::since(t.to_utc(), now)),
        filters: topics.args(),
    }
}

/// Records that subscription `s` keeps its events, and why; a refusal of the
/// request itself (a 4xx) marks it failing.
fn refuse(
    store: &mut Store,
    s: &Subscription,
    refused: Refused,
    delivery: &mut Delivery,
) -> Result<(), StoreError> {
    let failing = matches!(refused, Refused::Rejected(_));
    if failing {
        store.mark_failing(s.id, refused.reason())?;
    }
    delivery.undelivered.push(Undelivered {
        subscription: s.id,
        url: s.url.clone(),
        reason: refused.reason().to_owned(),
        failing,
    });
    Ok(())
}

/// What `notify test` sent and what came back.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The subscription's id.
    pub subscription: i64,
    /// Its URL.
    pub url: String,
    /// Its payload format's name.
    pub format: &'static str,
    /// The sample event's key (`test@<now>`).
    pub key: String,
    /// The receiver's answer, or why none came.
    pub answer: Result<Answer, String>,
}

/// `healthfeed notify test ID`: POSTs one sample event, clearly a test, to
/// subscription `id` in its format, once; the outbox is not touched.
pub fn test(db: &Path, id: i64) -> Result<Probe, Error> {
    let s = Store::open_read_only(db)?
        .subscriptions()?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(Error::NotFound(id))?;
    // A name this version does not know (a newer healthfeed's) gets the
    // documented schema; the printed line says which format went out.
    let format = Format::from_name(&s.format).unwrap_or(Format::Json);
    let event = Event::sample(Utc::now());
    let key = event.key.clone();
    let body = payload::body(
        format,
        &Digest {
            events: vec![event],
            total: 1,
            since: None,
            filters: Vec::new(),
        },
    );
    let answer = Sender::new(1, BACKOFF)
        .map_err(|e| e.to_string())
        .and_then(|sender| sender.probe(&s.url, &body));
    Ok(Probe {
        subscription: s.id,
        url: s.url,
        format: format.name(),
        key,
        answer,
    })
}
