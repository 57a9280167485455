//! The process exit codes, documented in README: stable for scripts and cron.
//!
//! Kept in a module of its own, below every layer, so each error type can say
//! its own code with an exhaustive `match` (a new variant cannot compile
//! without one) and the CLI only hands the answer to the process.

/// How a run ended, as the process reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// Something asked for does not exist (an ID the archive lacks).
    NotFound = 1,
    /// The command line was wrong: a bad flag, value or argument.
    Usage = 2,
    /// A file named on the command line could not be read (or is not JSON) or written.
    File = 3,
    /// The feed could not be fetched.
    Fetch = 4,
    /// The archive could not be opened, read or written.
    Archive = 5,
    /// Another process holds the archive.
    Busy = 6,
    /// Posts were stored, but some notifications could not be delivered (they stay
    /// pending); or `notify test` got no 2xx answer.
    Undelivered = 7,
    /// `status --max-age`: syncs stopped succeeding, or notifications are failing or stuck.
    Unhealthy = 8,
}

impl Exit {
    /// The code handed to the operating system.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// `otherwise`, except for a closed pipe (`healthfeed export | head`): the
    /// reader chose to stop, which is no failure.
    pub fn unless_broken_pipe(error: &std::io::Error, otherwise: Exit) -> Exit {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            Exit::Success
        } else {
            otherwise
        }
    }
}
