//! `healthfeed import FILE…`: saved REST JSON into the archive, streaming.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::SyncSender;

use super::{Exit, Input};
use crate::input::{InputError, PostReader};
use crate::model::{Post, PostRef};
use crate::pipeline;
use crate::store::{BatchOutcome, Incoming, Outcome, Store, StoreError, TallyScope};

/// Posts per transaction by default: big enough to amortise commits, small enough to keep memory flat.
pub const BATCH: usize = 500;

/// What an import reports as it goes, for the caller to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A post is not a record or failed to parse: the input it came from, and why.
    Rejected {
        /// The input's name.
        input: &'a str,
        /// The parser's reason.
        reason: &'a str,
    },
    /// A batch was committed; `posts` have been read and stored so far.
    Stored {
        /// Posts so far, over every input.
        posts: u64,
    },
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file could not be opened.
    #[error("cannot open {input}: {source} (check the path; use - for standard input)")]
    Open {
        /// The input's name.
        input: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// An input stopped being readable JSON; the batches before the fault are kept.
    #[error(
        "{input} is not readable REST JSON: {source} (posts before this point were imported; expected a post object, an array of posts, or NDJSON)"
    )]
    Input {
        /// The input's name.
        input: String,
        /// Where and why reading stopped.
        source: InputError,
    },
    /// An input is JSON, but none of its items is a WordPress post; nothing of it was stored.
    #[error(
        "{input} holds no WordPress posts (item 1: {reason}); expected a post object with a numeric \"id\" and \"content\", an array of them, or NDJSON"
    )]
    NotPosts {
        /// The input's name.
        input: String,
        /// Why its first item is not a post.
        reason: String,
    },
    /// The archive failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// The exit code: an input that cannot be read is a file problem, not the archive's.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Open { .. } | Error::Input { .. } | Error::NotPosts { .. } => Exit::File,
            Error::Store(e) => e.exit(),
        }
    }
}

/// Imports every input in order into the archive at `db` (created if need
/// be), `batch` posts per transaction, telling `on_event` of each rejected
/// post and each committed batch. What it reports does not depend on `batch`.
pub fn run(
    db: &Path,
    sources: &[Input],
    batch: usize,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<BatchOutcome, Error> {
    let mut store = Store::open(db)?;
    super::heal::run(&mut store)?;
    let store = &mut store;
    let run = store.begin_run("import", Some(&labels(sources)))?;
    let bulk = store.begin_bulk();
    let result = store
        .begin_tally()
        .map_err(Error::from)
        .and_then(|()| import_all(store, sources, batch.max(1), &mut on_event))
        .and_then(|mut outcome| {
            // Each record once, from its state before the import to its state after.
            // No changes are kept, so no record's state is judged: the clock will do.
            outcome.set_records(store.tally(TallyScope::Run, false, chrono::Utc::now())?);
            Ok(outcome)
        });
    store.end_tally();
    // Another process holding the archive past the busy timeout would make each
    // write below wait as long again, only to fail the same way: leave the run
    // marked unfinished, and the journal mode to the next open.
    if matches!(result, Err(Error::Store(StoreError::Busy { .. }))) {
        return result;
    }
    if bulk {
        // Best effort: if a reader holds the archive now, the next open that may
        // write switches back to WAL; every post is in either way.
        store.end_bulk();
    }
    match &result {
        // Import drops change lists per batch, so the outcome holds counts only.
        Ok(outcome) => store.finish_run(run, Ok(outcome))?,
        Err(e) => store.finish_run(run, Err::<&BatchOutcome, _>(&super::describe(e)))?,
    }
    result
}

fn import_all(
    store: &mut Store,
    sources: &[Input],
    batch: usize,
    on_event: &mut impl FnMut(Event<'_>),
) -> Result<BatchOutcome, Error> {
    // Reading and parsing run on a second thread, one chunk ahead of storing:
    // the parser and SQLite's writes then use both cores. A one-chunk channel
    // keeps memory flat.
    pipeline::ahead(
        1,
        |tx| read_all(sources, batch, &tx),
        |rx| {
            let mut total = BatchOutcome::default();
            for chunk in rx {
                total.absorb(write_chunk(store, chunk?, on_event)?);
                on_event(Event::Stored { posts: total.posts });
            }
            Ok(total)
        },
    )
}

/// Parsed posts of one input, ready to store.
struct Chunk {
    input: String,
    /// The posts' exact texts, which the store borrows.
    jsons: Vec<Box<str>>,
    /// What the parser made of each, moved into the store's batch.
    verdicts: Vec<(Option<PostRef>, Outcome)>,
}

impl Chunk {
    fn new(input: String, batch: usize) -> Self {
        Chunk {
            input,
            jsons: Vec::with_capacity(batch.min(BATCH)),
            verdicts: Vec::with_capacity(batch.min(BATCH)),
        }
    }
}

/// Reads and judges every input, sending chunks of `batch` posts; stops at the first fault.
fn read_all(sources: &[Input], batch: usize, tx: &SyncSender<Result<Chunk, Error>>) {
    for source in sources {
        let input = source.label();
        let reader = match source.open() {
            Ok(reader) => reader,
            Err(e) => {
                let _ = tx.send(Err(Error::Open { input, source: e }));
                return;
            }
        };
        let mut chunk = Chunk::new(input.clone(), batch);
        // Items are held until the input shows one post: an input of no posts
        // at all (some other JSON) is refused whole, with nothing stored.
        let mut found_post = false;
        for post in PostReader::new(reader) {
            let json = match post {
                Ok(json) => json,
                Err(e) => {
                    // Keep what was read before the fault, then report it.
                    let _ = tx.send(Ok(chunk));
                    let _ = tx.send(Err(Error::Input { input, source: e }));
                    return;
                }
            };
            let verdict = pipeline::judge(Post::from_json(&json));
            found_post |= verdict.0.is_some();
            chunk.verdicts.push(verdict);
            chunk.jsons.push(json);
            if !found_post && chunk.jsons.len() >= NOT_POSTS_AFTER {
                let _ = tx.send(Err(not_posts(input, &chunk)));
                return;
            }
            if found_post && chunk.jsons.len() >= batch {
                let full = std::mem::replace(&mut chunk, Chunk::new(input.clone(), batch));
                // The receiver is gone only when storing failed: stop reading.
                if tx.send(Ok(full)).is_err() {
                    return;
                }
            }
        }
        if !found_post && !chunk.jsons.is_empty() {
            let _ = tx.send(Err(not_posts(input, &chunk)));
            return;
        }
        if tx.send(Ok(chunk)).is_err() {
            return;
        }
    }
}

/// Items an input may hold before its first post: past this many, it is not posts.
const NOT_POSTS_AFTER: usize = 1000;

/// The refusal of an input whose items so far are none of them posts.
fn not_posts(input: String, chunk: &Chunk) -> Error {
    let reason = match chunk.verdicts.first() {
        Some((_, Outcome::Rejected { reason, .. })) => reason.clone(),
        _ => "not a post".to_owned(),
    };
    Error::NotPosts { input, reason }
}

/// Stores one chunk, one transaction per site the posts came from.
fn write_chunk(
    store: &mut Store,
    chunk: Chunk,
    on_event: &mut impl FnMut(Event<'_>),
) -> Result<BatchOutcome, Error> {
    // Sites synced before name their own roots (`https://host/a`): a post's link joins the longest one it falls under.
    let known = store.sites()?;
    let mut by_site: BTreeMap<String, Vec<Incoming<'_>>> = BTreeMap::new();
    for (json, (meta, outcome)) in chunk.jsons.iter().zip(chunk.verdicts) {
        if let Outcome::Rejected { reason, .. } = &outcome {
            on_event(Event::Rejected {
                input: &chunk.input,
                reason,
            });
        }
        let site = pipeline::site_of(meta.as_ref().and_then(|m| m.link.as_deref()), &known);
        by_site.entry(site).or_default().push(Incoming {
            json,
            meta,
            outcome,
        });
    }
    let mut total = BatchOutcome::default();
    for (site, posts) in by_site {
        // Record counts come from the run's tally at the end; a batch counts posts.
        total.absorb(store.ingest(&pipeline::batch(&site, posts, None))?);
    }
    Ok(total)
}

fn labels(sources: &[Input]) -> String {
    sources
        .iter()
        .map(Input::label)
        .collect::<Vec<_>>()
        .join(", ")
}
