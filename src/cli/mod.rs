//! The command-line front end: the only place that knows clap, prints, or
//! hands an exit code to the process.
//!
//! Each subcommand has one file here: it turns its clap arguments into the
//! command's plain options, calls the command, and renders what comes back.
//! Everything below is reached through [`crate::commands`] (and the types of
//! [`crate::model`]); which exit code a failure gets is the error's own answer.
// The CLI is the one place allowed to print: every other module returns data.
#![allow(clippy::print_stdout, clippy::print_stderr)]

/// An "Examples:" block for a command's help: pairs of a command line and
/// what it does, each example a comment line over its command.
macro_rules! examples {
    ($($line:literal, $what:literal);+ $(;)?) => {
        concat!("Examples:", $("\n  # ", $what, "\n  ", $line),+)
    };
}

mod answer_args;
mod args;
mod clock;
mod discover;
mod export;
mod import;
mod list;
mod notify;
mod output;
mod parse;
mod progress;
mod query;
mod rejects;
mod reparse;
mod report;
mod search;
mod stats;
mod status;
mod sync;
mod table;
mod topics;
mod visible;
mod when;

use std::io::{self, BufWriter};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

pub use args::{
    ArchiveArg, Cli, ColorArg, Command, CompletionsArgs, ImportArgs, OutputOnly, PagerArg,
    ParseArgs, StatusArgs, SyncArgs,
};

use crate::commands::{self, Error, Exit};

/// Parses the command line, runs it, and hands the outcome's exit code to the process.
pub fn main() -> ExitCode {
    let cli = parse_args();
    let (color, no_pager) = terminal(&cli);
    anstream::ColorChoice::write_global(match color {
        args::ColorWhen::Auto => anstream::ColorChoice::Auto,
        args::ColorWhen::Always => anstream::ColorChoice::Always,
        args::ColorWhen::Never => anstream::ColorChoice::Never,
    });
    output::set_pager(!no_pager);
    let exit = match run(cli) {
        Ok(exit) => exit,
        Err(error) => {
            let exit = error.exit();
            // A closed pipe (`healthfeed export | head`) is the reader's choice: say nothing.
            if exit != Exit::Success {
                eprintln!(
                    "healthfeed: {}",
                    visible::clean(&commands::describe(&error))
                );
            }
            exit
        }
    };
    ExitCode::from(exit.code())
}

/// The command line as clap reads it, refusing `--db` before `parse`: parse
/// reads files only, and a user who names an archive for it expects one to
/// be read or written. HEALTHFEED_DB, set for every command, is not refused.
fn parse_args() -> Cli {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if matches!(cli.command, Command::Parse(_))
        && matches.value_source("db") == Some(ValueSource::CommandLine)
    {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "parse reads no archive, only the files it is given: drop --db (healthfeed import FILE stores posts in an archive)",
            )
            .exit();
    }
    cli
}

/// `--color` and `--no-pager`: given after the command (where the command
/// offers them) they win over the same flags given before it.
fn terminal(cli: &Cli) -> (args::ColorWhen, bool) {
    let (color, pager) = match &cli.command {
        Command::Query(a) => (Some(&a.color), Some(&a.pager)),
        Command::List(a) => (Some(&a.color), Some(&a.pager)),
        Command::Search(a) => (Some(&a.color), Some(&a.pager)),
        Command::Stats(a) => (Some(&a.color), Some(&a.pager)),
        Command::Rejects(a) => (Some(&a.color), Some(&a.pager)),
        Command::Export(a) => (None, Some(&a.pager)),
        Command::Report(a) => (None, Some(&a.pager)),
        Command::Status(a) => (None, Some(&a.pager)),
        Command::Sync(_)
        | Command::Notify(_)
        | Command::Import(_)
        | Command::Reparse(_)
        | Command::Parse(_)
        | Command::Completions(_)
        | Command::Man => (None, None),
    };
    (
        color.and_then(|c| c.when).unwrap_or(cli.color),
        cli.no_pager || pager.is_some_and(|p| p.off),
    )
}

fn run(cli: Cli) -> Result<Exit, Error> {
    // `--db` after the command wins over `--db` before it, which wins over HEALTHFEED_DB.
    let db = |archive: &ArchiveArg| commands::archive_path(archive.path.clone().or(cli.db.clone()));
    match cli.command {
        Command::Sync(args) => sync::run(&db(&args.archive)?, args),
        Command::Query(args) => query::run(&db(&args.archive)?, args),
        Command::List(args) => list::run(&db(&args.archive)?, args),
        Command::Search(args) => search::run(&db(&args.archive)?, args),
        Command::Stats(args) => stats::run(&db(&args.archive)?, args),
        Command::Export(args) => export::run(&db(&args.archive)?, args),
        Command::Report(args) => report::run(&db(&args.archive)?, args),
        Command::Status(args) => status::run(&db(&args.archive)?, args),
        Command::Import(args) => import::run(&db(&args.archive)?, args),
        Command::Rejects(args) => rejects::run(&db(&args.archive)?, args),
        Command::Reparse(args) => reparse::run(&db(&args.archive)?, args),
        Command::Notify(args) => notify::run(&db(args.archive())?, args),
        Command::Parse(args) => parse::run(args),
        Command::Completions(args) => discover::completions(args.shell),
        Command::Man => discover::man(),
    }
}

/// Standard output, buffered for rows.
fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}
