//! `healthfeed completions` and `healthfeed man`: both generated from the one
//! clap definition, so they cannot drift from the flags the binary takes.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Error, Exit};

/// Writes `shell`'s completion script to standard output.
pub(super) fn completions(shell: Shell) -> Result<Exit, Error> {
    let mut out = super::stdout();
    clap_complete::generate(shell, &mut Cli::command(), "healthfeed", &mut out);
    out.flush()?;
    Ok(Exit::Success)
}

/// Writes the manual page, as roff, to standard output.
pub(super) fn man() -> Result<Exit, Error> {
    let mut out = super::stdout();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    out.flush()?;
    Ok(Exit::Success)
}
