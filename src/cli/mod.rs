//! The command-line front end: the only place that knows clap, prints, or picks exit codes.
// The CLI is the one place allowed to print: every other module returns data.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod answer_args;
mod answers;
mod args;
mod progress;
mod show;
mod sync;
mod table;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

pub use args::{Cli, Command, ImportArgs, JsonFlag, ParseArgs, SyncArgs};

use crate::commands::import::Event;
use crate::commands::{self, Source};
use crate::store::{self, Store, StoreError};

/// Exit codes, documented in README; stable for scripts and cron.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// Something asked for does not exist (an ID the archive lacks).
    NotFound = 1,
    /// The command line was wrong (clap's own code).
    Usage = 2,
    /// An input file was missing or not readable JSON.
    Input = 3,
    /// The feed could not be fetched.
    Fetch = 4,
    /// The archive could not be opened, read or written.
    Archive = 5,
    /// Another process holds the archive.
    Busy = 6,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A failure with the exit code it should end the process with.
pub(crate) struct Failure {
    exit: Exit,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.into();
        let exit = classify(&error);
        Failure { exit, error }
    }
}

/// Picks the exit code from the first typed error in the chain.
fn classify(error: &anyhow::Error) -> Exit {
    use commands::{import, sync};
    let store = |e: &StoreError| match e {
        StoreError::Busy { .. } | StoreError::SyncRunning { .. } => Exit::Busy,
        _ => Exit::Archive,
    };
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return store(e);
        }
        match cause.downcast_ref::<sync::Error>() {
            Some(sync::Error::Store(e)) => return store(e),
            Some(sync::Error::Source(_)) => return Exit::Usage,
            None => {}
        }
        if cause.downcast_ref::<crate::fetch::FetchError>().is_some() {
            return Exit::Fetch;
        }
        if cause.downcast_ref::<commands::parse::Error>().is_some()
            || matches!(
                cause.downcast_ref::<import::Error>(),
                Some(import::Error::Open { .. } | import::Error::Input { .. })
            )
        {
            return Exit::Input;
        }
        if let Some(import::Error::Store(e)) = cause.downcast_ref::<import::Error>() {
            return store(e);
        }
    }
    Exit::Archive
}

/// Parses the command line, runs it, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(failure) if is_broken_pipe(&failure.error) => Exit::Success.into(),
        Err(failure) => {
            eprintln!("healthfeed: {}", commands::describe(failure.error.as_ref()));
            failure.exit.into()
        }
    }
}

/// `healthfeed export | head` closes the pipe early; that is the reader's choice, not an error.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<Exit, Failure> {
    let db = cli.db;
    match cli.command {
        Command::Parse(args) => parse(args),
        Command::Import(args) => import(&archive_path(db)?, args),
        Command::Reparse(args) => reparse(&archive_path(db)?, args),
        Command::Status(args) => status(&archive_path(db)?, args),
        Command::Query(args) => answers::query(&archive_path(db)?, args),
        Command::List(args) => answers::list(&archive_path(db)?, args),
        Command::Search(args) => answers::search(&archive_path(db)?, args),
        Command::Stats(args) => answers::stats(&archive_path(db)?, args),
        Command::Export(args) => answers::export(&archive_path(db)?, args),
        Command::Sync(args) => sync::run(&archive_path(db)?, args),
    }
}

/// `--db`, else `HEALTHFEED_DB` (clap reads both), else the platform data folder.
fn archive_path(db: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    db.or_else(store::default_path)
        .context("cannot find a data folder for the archive: pass --db PATH or set HEALTHFEED_DB")
}

fn parse(args: ParseArgs) -> Result<Exit, Failure> {
    let sources: Vec<Source> = args.files.into_iter().map(Source).collect();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let outcome = commands::parse::run(&sources, &mut out, |input, error| {
        eprintln!("healthfeed: {input}: {error}");
    });
    // Close the printed array's line even when an input failed midway.
    writeln!(out)?;
    out.flush()?;
    let outcome = outcome?;
    if outcome.not_records + outcome.failed > 0 {
        eprintln!(
            "healthfeed: {} posts read: {} records, {} not records, {} failed",
            outcome.posts, outcome.updates, outcome.not_records, outcome.failed
        );
    }
    Ok(Exit::Success)
}

fn import(db: &std::path::Path, args: ImportArgs) -> Result<Exit, Failure> {
    let sources: Vec<Source> = args.files.into_iter().map(Source).collect();
    let mut store = Store::open(db)?;
    // A spinner with the count and rate on a terminal; nothing in a pipe or from cron.
    let bar = (!args.json && io::stderr().is_terminal()).then(progress::counter);
    let outcome = commands::import::run(&mut store, &sources, |event| match event {
        Event::Rejected { input, reason } => {
            let line = format!("healthfeed: {input}: {reason}");
            match &bar {
                Some(bar) => bar.suspend(|| eprintln!("{line}")),
                None => eprintln!("{line}"),
            }
        }
        Event::Stored { posts } => {
            if let Some(bar) = &bar {
                bar.set_position(posts);
            }
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let outcome = outcome?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &outcome).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", show::batch_summary(&outcome))?;
    }
    Ok(Exit::Success)
}

fn reparse(db: &std::path::Path, args: JsonFlag) -> Result<Exit, Failure> {
    let mut store = Store::open(db)?;
    let outcome = commands::reparse::run(&mut store)?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &outcome).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", show::reparse(&outcome))?;
    }
    Ok(Exit::Success)
}

fn status(db: &std::path::Path, args: JsonFlag) -> Result<Exit, Failure> {
    let store = Store::open(db)?;
    let status = store.status()?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &status).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", show::status(&status))?;
    }
    Ok(Exit::Success)
}
