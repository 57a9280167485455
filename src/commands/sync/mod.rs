//! `healthfeed sync`: fetch → parse → store, one committed page at a time.
//!
//! Pages are stored in transactions that each end with the walk's mark for
//! their last page (one page each, or about an import's batch of pages in a
//! backfill), so a sync killed at any point resumes after its last committed
//! page and never skips a post. One sync stores at a time (an OS lock beside
//! the file); delivery at the end runs under a second lock, so a slow receiver
//! never keeps the next sync from storing.

use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

mod sink;

use self::sink::{Judged, Sink};
use super::Exit;
use super::notify::Delivery;
use crate::fetch::{self, Client, Cursor, FetchError, Identity, PostsUrl, Source};
use crate::model::{Topics, UnknownWord, site_name};
use crate::pipeline;
use crate::store::{
    BatchOutcome, DeliveryLock, Named, RecordTally, StatusChange, Store, StoreError, SyncLock,
    TallyScope,
};

/// The site synced when no `--source` is given.
pub const DEFAULT_SOURCE: &str = "https://m365jp.net/index.php/wp-json/wp/v2/posts";

/// What to sync and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Site URLs or posts URLs, in order.
    pub sources: Vec<String>,
    /// Walk everything again instead of starting at the stored mark.
    pub full: bool,
    /// Where to walk from: bounds a first (or `--full`) backfill, and wins over the mark when earlier.
    pub since: Option<DateTime<Utc>>,
    /// How long to wait for another sync of the same archive.
    pub wait: Duration,
    /// Keep every new record and status change for the report (`--changes`,
    /// `--json`); otherwise only counts are kept, so a backfill's memory stays flat.
    pub keep_changes: bool,
    /// How long one try of a request may take, connection, headers and body.
    pub timeout: Duration,
    /// How long the whole run may take: past it no new request starts, the
    /// pages committed are kept, and each unfinished source fails.
    pub max_time: Option<Duration>,
    /// Retries of a failing request (timeouts, 429, 5xx) before giving up.
    pub retries: u32,
    /// The first retry's delay, doubled at each further retry.
    pub retry_base: Duration,
    /// How far behind the server's clock a committed mark stays.
    pub settle: Duration,
    /// Posts per request (1-100).
    pub per_page: u32,
    /// The moment a Message Center change is judged active or ended at; none: the clock.
    pub now: Option<DateTime<Utc>>,
    /// Which changes the report lists; storing, counts and events are unaffected.
    pub changes_of: Topics,
}

impl Default for Options {
    /// The default source, its stored mark, and the client's production settings.
    fn default() -> Self {
        let http = fetch::Config::default();
        Options {
            sources: vec![DEFAULT_SOURCE.to_owned()],
            full: false,
            since: None,
            wait: Duration::ZERO,
            keep_changes: false,
            timeout: http.read_timeout,
            max_time: None,
            retries: http.max_tries.saturating_sub(1),
            retry_base: http.backoff_base,
            settle: http.settle,
            per_page: http.per_page,
            now: None,
            changes_of: Topics::default(),
        }
    }
}

/// Receives one line per HTTP request (URL, status, bytes, time, retries), from any thread.
pub type RequestLog = Box<dyn Fn(&str) + Send + Sync>;

/// Progress reports for the CLI's progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A source's walk began; `total` is WordPress's count of posts to come, once known.
    Source {
        /// The posts URL being walked.
        url: &'a str,
    },
    /// A page was committed.
    Page {
        /// Posts the page brought for the first time (a repeated post counts once).
        posts: usize,
        /// `X-WP-Total` for the walk, if the server sent it.
        total: Option<u64>,
    },
    /// A post of a committed page was kept raw but made no record.
    Rejected {
        /// The WordPress post id, when the JSON had one.
        post: Option<u64>,
        /// True for a post that is not a record (a site notice), false for a failure.
        not_record: bool,
        /// Why, as the parser said it (it names the post).
        reason: &'a str,
    },
}

/// One source's result.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// The source as given.
    pub source: String,
    /// The posts route used.
    pub posts_url: Option<String>,
    /// Pages committed.
    pub pages: u64,
    /// What the committed pages changed.
    #[serde(flatten)]
    pub outcome: BatchOutcome,
    /// Why the source failed, if it did (its committed pages are kept).
    pub error: Option<String>,
    /// What was found wrong and repaired on the way (a sync mark in the future).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The whole run's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Per source, in order.
    pub sources: Vec<SourceReport>,
    /// Posts fetched from all sources.
    pub posts: u64,
    /// Records seen for the first time.
    pub new_records: u64,
    /// Records whose current state changed.
    pub updated_records: u64,
    /// Posts that are not records.
    pub not_records: u64,
    /// Posts that failed to parse (kept raw).
    pub failed: u64,
    /// Existing records whose status at the end differs from before the run.
    pub status_changes: u64,
    /// Posts an older parser rejected that this one made updates of, before
    /// the sources were fetched (absent from JSON when none).
    #[serde(skip_serializing_if = "crate::store::is_zero")]
    pub healed: u64,
    /// New records and status changes: for each record, its status before the run and after.
    pub changes: Vec<StatusChange>,
    /// Wall time of the run, in milliseconds.
    pub elapsed_ms: u64,
    /// What was delivered to subscriptions at the end of the run.
    #[serde(skip_serializing_if = "Delivery::is_quiet")]
    pub notifications: Delivery,
}

impl Report {
    /// True when every source synced without error.
    pub fn ok(&self) -> bool {
        self.sources.iter().all(|s| s.error.is_none())
    }
}

/// Why a sync could not run at all (a failing source is reported in [`Report`] instead).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The archive could not be opened, locked or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A source is not a usable URL, or the HTTP client could not be set up.
    #[error(transparent)]
    Source(#[from] FetchError),
    /// A filter of the changes names a status or classification nobody uses.
    #[error(transparent)]
    Word(#[from] UnknownWord),
}

impl Error {
    /// The exit code: a bad `--source` is a usage error.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Store(e) => e.exit(),
            Error::Source(e) => e.exit(),
            Error::Word(_) => Exit::Usage,
        }
    }
}

/// Syncs every source into the archive at `db`, telling `log` of each HTTP
/// request (when given) and `progress` of each committed page.
pub fn run(
    db: &Path,
    options: &Options,
    log: Option<RequestLog>,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Report, Error> {
    let started = Instant::now();
    let sources = options
        .sources
        .iter()
        .map(|s| Source::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut client = Client::new(fetch::Config {
        connect_timeout: options.timeout,
        read_timeout: options.timeout,
        max_tries: options.retries.saturating_add(1),
        backoff_base: options.retry_base,
        settle: options.settle,
        per_page: options.per_page,
        max_time: options.max_time,
        ..fetch::Config::default()
    })?;
    if let Some(log) = log {
        let log = std::sync::Arc::new(log);
        let notes = log.clone();
        client = client
            .observe(move |event| log(&event.to_string()))
            .observe_notes(move |note| notes(note));
    }
    let client = &client;
    let storing = SyncLock::acquire(db, options.wait)?;
    let mut store = Store::open(db)?;
    if let Some(word) = store.unknown_topic_word(&options.changes_of)? {
        return Err(Error::Word(word));
    }
    let healed = super::heal::run(&mut store)?.healed;
    let mut reports = Vec::new();
    // Each record's change is reported once, from its state when the sync
    // began to its state at the end, however its posts fell into pages.
    store.begin_tally()?;
    for (text, source) in options.sources.iter().zip(&sources) {
        if !reports.is_empty() {
            store.next_tally_scope();
        }
        let run = store.begin_run("sync", Some(text))?;
        let mut report = sync_source(&mut store, text, source, options, client, progress)?;
        // A source keeps its counts; the one list of changes is the run's.
        report
            .outcome
            .set_records(store.tally(TallyScope::Current, false, Utc::now())?);
        match &report.error {
            None => store.finish_run(run, Ok(&report))?,
            Some(e) => store.finish_run(run, Err::<&SourceReport, _>(e))?,
        }
        reports.push(report);
    }
    let now = options.now.unwrap_or_else(Utc::now);
    let mut tally = store.tally(TallyScope::Run, options.keep_changes, now)?;
    tally.changes.retain(|c| c.heard_by(&options.changes_of));
    store.end_tally();
    // Every source is stored: the next sync may store while this one waits on
    // receivers, so a slow or failing receiver never delays storing.
    drop(storing);
    let deadline = options.max_time.map(|limit| started + limit);
    // Only tried: a process already delivering sends this run's events too
    // (or the next run does), and waiting for it would hold this run up.
    let notifications = match DeliveryLock::try_acquire(db)? {
        Some(_delivering) => super::notify::deliver(&mut store, deadline)?,
        None => Delivery::left_to_other_process(),
    };
    let mut report = summarize(reports, tally, started.elapsed());
    report.notifications = notifications;
    report.healed = healed;
    Ok(report)
}

/// Walks one source; fetch failures end up in the report, archive failures are returned.
fn sync_source(
    store: &mut Store,
    text: &str,
    source: &Source,
    options: &Options,
    client: &Client,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<SourceReport, StoreError> {
    let mut report = SourceReport {
        source: text.to_owned(),
        posts_url: None,
        pages: 0,
        outcome: BatchOutcome::default(),
        error: None,
        warnings: Vec::new(),
    };
    let name = source.to_string();
    // What this name was found to be on an earlier run: no request needed.
    let mut known = match store.named_source(&name)? {
        Some(named) => Some(named),
        None => remembered_site(store, source)?,
    };
    loop {
        let remembered = known.as_ref().map(|k| k.posts_url.as_str());
        let posts_url = match posts_url(source, remembered, client) {
            Ok(url) => url,
            Err(e) => {
                report.error = Some(super::describe(&e));
                return Ok(report);
            }
        };
        report.posts_url = Some(posts_url.to_string());
        // A name not seen before walks as the site its route's path names;
        // the site's own word on its name is asked after a walk that worked.
        let site = match &known {
            Some(named) => named.site.clone(),
            None => {
                let site = posts_url.site();
                // Shown by `status`; failing to record it changes nothing else.
                let _ = store.set_posts_url(&site, posts_url.as_str());
                site
            }
        };
        let state = store.source_state(&site)?.unwrap_or_default();
        let stored: Option<Cursor> = state.cursor.as_deref().and_then(|c| c.parse().ok());
        let since = options.since.map(Cursor::since);
        let cursor = match (stored, options.full, since) {
            // A --since earlier than the mark asks for posts the mark would skip:
            // walk from it (the mark may move back; posts are never skipped).
            // (`None`, the start of the feed, sorts first: a mark there stays.)
            (Some(mark), false, Some(since)) if since.modified_after < mark.modified_after => since,
            (Some(mark), false, _) => mark,
            (_, _, Some(since)) => since,
            _ => Cursor::start(),
        };
        let route = Route {
            site: &site,
            posts_url: &posts_url,
            cursor,
        };
        let failure = walk(store, route, client, progress, &mut report)?;
        match failure {
            // A remembered route that now answers with something else (the site
            // changed its permalinks): find the route, and the site, again, once.
            Some(FetchError::NotPostList { .. } | FetchError::Rejected { .. })
                if remembered.is_some()
                    && report.pages == 0
                    && matches!(source, Source::Site(_)) =>
            {
                known = None;
                store.forget_name(&name)?;
            }
            Some(e) => {
                report.error = Some(super::describe(&e));
                return Ok(report);
            }
            None => {
                if known.is_none() {
                    identify(store, &name, &posts_url, client)?;
                }
                return Ok(report);
            }
        }
    }
}

/// A site URL that is itself a stored site's root, with the route it was
/// synced by: what an archive from before names were kept remembers of it.
fn remembered_site(store: &Store, source: &Source) -> Result<Option<Named>, StoreError> {
    let Source::Site(url) = source else {
        return Ok(None);
    };
    let Some(site) = site_name(url) else {
        return Ok(None);
    };
    let state = store.source_state(&site)?;
    Ok(state
        .and_then(|s| s.posts_url)
        .map(|posts_url| Named { site, posts_url }))
}

/// Asks the site's REST index what site `posts_url` belongs to and remembers
/// it under `name`, so later runs skip the question. When the index names
/// another site than the route's path does (`127.0.0.1` of a site called
/// `localhost`), what was just stored under the path's name is that site's: merged into it.
fn identify(
    store: &mut Store,
    name: &str,
    posts_url: &PostsUrl,
    client: &Client,
) -> Result<(), StoreError> {
    match client.identify(posts_url) {
        // Not asked this time: the next run asks again.
        Identity::Unreachable(_) => Ok(()),
        identity @ (Identity::Told(_) | Identity::Untold(_)) => {
            let alias = posts_url.site();
            store.name_source(name, identity.site(), posts_url.as_str(), Some(&alias))?;
            Ok(())
        }
    }
}

/// Walks `posts_url` from `cursor`, storing its pages with their marks; returns the fetch failure that ended it.
fn walk(
    store: &mut Store,
    Route {
        site,
        posts_url,
        cursor,
    }: Route<'_>,
    client: &Client,
    progress: &mut dyn FnMut(Progress<'_>),
    report: &mut SourceReport,
) -> Result<Option<FetchError>, StoreError> {
    progress(Progress::Source {
        url: posts_url.as_str(),
    });
    let cursor = repair_future(cursor, Utc::now(), report);
    // Fetching and parsing run ahead of storing, on a second thread: the
    // network wait and the parser overlap with SQLite's writes, with one
    // request in flight.
    let produce = |tx: SyncSender<Result<Judged, FetchError>>| {
        for page in client.walk(posts_url, cursor) {
            let judged = page.map(|mut page| {
                // The walk decoded each post to read its time; the parser takes it from there.
                let decoded = std::mem::take(&mut page.decoded);
                let verdicts = decoded.into_iter().map(pipeline::judge).collect();
                Judged { page, verdicts }
            });
            let failed = judged.is_err();
            // The receiver is gone when storing failed: stop fetching.
            if tx.send(judged).is_err() || failed {
                break;
            }
        }
    };
    // A walk from the start of the feed is a bulk load, as an import is: it
    // writes through a rollback journal when it has the archive to itself
    // (see Store::begin_bulk). Later walks, small and run by cron while a
    // reader may be open, stay in WAL, where readers never hold up a commit.
    let bulk = cursor == Cursor::start() && store.begin_bulk();
    // A bulk walk commits about an import's batch at a time (whole pages, with
    // the mark of the last one): per-transaction work (journal, full-text
    // segment, settling) is then paid a fifth as often. Other walks commit each
    // page as it comes, so a slow site's progress is kept page by page.
    let mut sink = Sink {
        store,
        site,
        report,
        progress,
        seen: HashSet::new(),
    };
    // The channel holds one page (two in memory), or a bulk batch's worth so
    // that fetching goes on while a batch commits.
    let depth = if bulk { BULK_PAGES_AHEAD } else { 1 };
    let result = pipeline::ahead(depth, produce, |rx| {
        let mut held: Vec<Judged> = Vec::new();
        let mut held_posts = 0;
        for judged in rx {
            let judged = match judged {
                Ok(judged) => judged,
                Err(e) => {
                    // The pages before the failure are good: keep them.
                    sink.store(held)?;
                    return Ok(Some(e));
                }
            };
            held_posts += judged.page.posts.len();
            held.push(judged);
            if !bulk || held_posts >= BULK_POSTS {
                sink.store(std::mem::take(&mut held))?;
                held_posts = 0;
            }
        }
        sink.store(held)?;
        Ok(None)
    });
    // As for import: past a busy timeout, switching back would only wait again;
    // the next open returns to WAL.
    if bulk && !matches!(result, Err(StoreError::Busy { .. })) {
        sink.store.end_bulk();
    }
    result
}

/// How far ahead of this machine's clock a stored mark may be before it is repaired.
const MARK_SKEW: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// The mark to walk from: `cursor`, unless it lies in the future (set by an
/// older healthfeed that trusted a server's clock, or by a post dated ahead).
/// Every later walk from such a mark would find nothing, so the walk starts
/// again from the start of the feed (the store dedupes what it holds), and
/// the report says so.
fn repair_future(cursor: Cursor, now: DateTime<Utc>, report: &mut SourceReport) -> Cursor {
    match cursor.modified_after {
        Some(mark) if mark > now + MARK_SKEW => {
            let warning = format!(
                "the stored sync mark {cursor} is in the future (this machine's clock says {}): walking the whole feed again to repair it",
                now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            if !report.warnings.contains(&warning) {
                report.warnings.push(warning);
            }
            Cursor::start()
        }
        _ => cursor,
    }
}

/// Posts a bulk walk stores per transaction, in whole pages: an import's batch.
const BULK_POSTS: usize = 500;

/// Judged pages a bulk walk's producer may have ready beyond those in hand.
const BULK_PAGES_AHEAD: usize = 5;

/// Where one walk goes: the source's site, its posts route, and the mark to start after.
#[derive(Clone, Copy)]
struct Route<'a> {
    site: &'a str,
    posts_url: &'a PostsUrl,
    cursor: Cursor,
}

/// A posts URL as given; else the route remembered for this name; else discovery.
fn posts_url(
    source: &Source,
    stored: Option<&str>,
    client: &Client,
) -> Result<PostsUrl, FetchError> {
    if let Source::Posts(url) = source {
        return Ok(url.clone());
    }
    if let Some(url) = stored.and_then(|s| PostsUrl::parse(s).ok()) {
        return Ok(url);
    }
    client.resolve(source)
}

/// Totals the sources' post counts; record counts and changes are the run's `tally`.
fn summarize(sources: Vec<SourceReport>, tally: RecordTally, elapsed: Duration) -> Report {
    let sum = |f: fn(&BatchOutcome) -> u64| sources.iter().map(|s| f(&s.outcome)).sum();
    Report {
        posts: sum(|o| o.posts),
        new_records: tally.new_records,
        updated_records: tally.updated_records,
        not_records: sum(|o| o.not_records),
        failed: sum(|o| o.failed),
        status_changes: tally.status_changes,
        healed: 0,
        changes: tally.changes,
        elapsed_ms: elapsed.as_millis().try_into().unwrap_or(u64::MAX),
        sources,
        notifications: Delivery::default(),
    }
}
