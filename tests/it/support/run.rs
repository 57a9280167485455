//! A small fluent builder around the binary: an `Archive` owns a temp dir and
//! the archive path in it, `cmd` starts a command line, and a finisher says
//! what must happen (`ok`, `json`, `ndjson`, `succeeds`, `fails(code)`), so a
//! failed expectation always shows the command and its stderr.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

/// A temp dir and an archive path in it; the archive exists once a command writes it.
pub struct Archive {
    dir: TempDir,
    db: PathBuf,
}

impl Default for Archive {
    fn default() -> Self {
        Self::new()
    }
}

impl Archive {
    /// `healthfeed.db` in a fresh temp dir.
    pub fn new() -> Self {
        Self::at("healthfeed.db")
    }

    /// `archive/healthfeed.db` in a fresh temp dir: the first write must create the folder.
    pub fn in_new_folder() -> Self {
        Self::at("archive/healthfeed.db")
    }

    fn at(relative: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(relative);
        Archive { dir, db }
    }

    /// The temp dir, for inputs and outputs beside the archive.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The archive file.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// Writes `contents` to `name` in the temp dir; returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// `healthfeed --db ARCHIVE args…`.
    pub fn cmd<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        cmd([OsStr::new("--db"), self.db.as_os_str()]).args(args)
    }

    /// `healthfeed --db ARCHIVE args…` as a plain process, for tests that spawn, kill or pipe it.
    pub fn process<I, S>(&self, args: I) -> std::process::Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut process = super::healthfeed();
        process.arg("--db").arg(&self.db).args(args);
        process
    }

    /// An archive holding the bundled sample feed (`fixtures/feed/m365jp-sample.json`).
    pub fn sample() -> Self {
        let a = Self::new();
        a.import(super::fixture("feed/m365jp-sample.json"));
        a
    }

    /// `sync --source SOURCE` with test-sized timeouts, `retries` retries,
    /// pages of 20 and no settling, bounded at 60 s.
    pub fn sync(&self, source: &str, retries: u32) -> Cmd {
        let retries = retries.to_string();
        self.cmd([
            "sync",
            "--source",
            source,
            "--timeout",
            "2",
            "--retries",
            &retries,
            "--retry-base-ms",
            "10",
            "--settle-secs",
            "0",
            "--per-page",
            "20",
        ])
        .timeout(Duration::from_secs(60))
    }

    /// (post id, modified_gmt) of the current version of every stored post.
    pub fn posts(&self) -> std::collections::BTreeSet<(u64, String)> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT post_id, modified_gmt FROM posts")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// `import --json FILE`, asserting success; returns the run's summary.
    pub fn import(&self, file: impl AsRef<Path>) -> Value {
        self.cmd(["import", "--json"]).arg(file.as_ref()).json()
    }

    /// A connection to the archive, for checks on its tables.
    pub fn conn(&self) -> Connection {
        Connection::open(&self.db).unwrap()
    }
}

/// `healthfeed args…` with no archive given (`parse`, or `HEALTHFEED_DB` set by the test).
pub fn cmd<I, S>(args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut inner = assert_cmd::Command::from_std(super::healthfeed());
    inner.args(args);
    Cmd { inner }
}

/// A command line being built; consumed by one finisher.
pub struct Cmd {
    inner: assert_cmd::Command,
}

impl Cmd {
    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.inner.arg(arg);
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.inner.env(key, value);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.inner.env_remove(key);
        self
    }

    /// Feeds `input` on standard input.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.inner.write_stdin(input);
        self
    }

    /// Kills the command if it runs longer than `limit`.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.inner.timeout(limit);
        self
    }

    /// Runs it with no expectation on the exit code.
    pub fn output(mut self) -> Output {
        let line = std::iter::once("healthfeed".into())
            .chain(self.inner.get_args().map(OsStr::to_string_lossy))
            .collect::<Vec<_>>()
            .join(" ");
        let out = self.inner.output().unwrap();
        let text = |bytes: Vec<u8>, stream: &str| {
            String::from_utf8(bytes)
                .unwrap_or_else(|e| panic!("`{line}` wrote {stream} that is not UTF-8: {e}"))
        };
        Output {
            code: out.status.code(),
            stdout: text(out.stdout, "stdout"),
            stderr: text(out.stderr, "stderr"),
            line,
        }
    }

    /// Runs it and asserts exit 0.
    pub fn succeeds(self) -> Output {
        self.fails(0)
    }

    /// Runs it, asserts exit 0, and returns stdout.
    pub fn ok(self) -> String {
        self.succeeds().stdout
    }

    /// Runs it, asserts exit 0, and parses stdout as one JSON value.
    pub fn json(self) -> Value {
        let out = self.succeeds();
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("`{}`: stdout is not JSON ({e}):\n{}", out.line, out.stdout))
    }

    /// Runs it, asserts exit 0, and parses stdout as one JSON value per line.
    pub fn ndjson(self) -> Vec<Value> {
        self.ok()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Runs it and asserts exactly this exit code.
    pub fn fails(self, code: i32) -> Output {
        let out = self.output();
        assert_eq!(
            out.code,
            Some(code),
            "`{}` exited {:?}, not {code}; stderr:\n{}",
            out.line,
            out.code,
            out.stderr
        );
        out
    }
}

/// What a finished command did.
#[derive(Debug)]
pub struct Output {
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    line: String,
}

impl Output {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}
