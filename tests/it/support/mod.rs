//! Shared helpers: paths to fixtures, and the one way tests run `healthfeed`
//! (`Archive::cmd` / `cmd` in `run`, or `healthfeed()` for a raw process).

use std::path::PathBuf;
use std::process::Command;

pub mod posts;
mod run;
pub mod wp;

pub use run::{Archive, Cmd, Output, cmd};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_healthfeed");

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// One fixture file by name.
pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// A posts URL on a loopback port nothing listens on (bound, then freed):
/// every connection is refused at once.
pub fn unreachable_posts_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/wp-json/wp/v2/posts")
}

/// `healthfeed` as a plain process, for tests that spawn, kill or pipe it.
pub fn healthfeed() -> Command {
    isolated(Command::new(BIN))
}

/// `cmd` with the developer's environment kept out: no archive override, no
/// HOME, no colour, no terminal width, no proxy for the loopback stand-in.
/// For wrappers (`sh`, `setpriv`) that run the binary in turn.
pub fn isolated(mut cmd: Command) -> Command {
    cmd.env_remove("HEALTHFEED_DB")
        .env("HOME", "/nonexistent")
        .env("NO_COLOR", "1");
    for var in [
        "CLICOLOR_FORCE",
        "COLUMNS",
        "HEALTHFEED_TZ",
        "HEALTHFEED_NOW",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}
