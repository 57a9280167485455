//! The command-line front end: the only place that knows clap, prints, or picks exit codes.
// The CLI is the one place allowed to print: every other module returns data.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command, ParseArgs};

use crate::commands::{self, Source};

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
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A failure with the exit code it should end the process with.
struct Failure {
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

fn classify(error: &anyhow::Error) -> Exit {
    if error.downcast_ref::<commands::parse::Error>().is_some() {
        return Exit::Input;
    }
    Exit::Input
}

/// Parses the command line, runs it, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(failure) if is_broken_pipe(&failure.error) => Exit::Success.into(),
        Err(failure) => {
            eprintln!("healthfeed: {:#}", failure.error);
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
    match cli.command {
        Command::Parse(args) => parse(args),
    }
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
