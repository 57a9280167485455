//! Shared helpers: paths to fixtures and a ready-to-run `healthfeed` command.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub mod posts;
pub mod wp;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// One fixture file by name.
pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// `healthfeed` with the developer's environment kept out: no HOME, no archive override.
pub fn healthfeed() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_healthfeed"));
    cmd.env_remove("HEALTHFEED_DB")
        .env("HOME", "/nonexistent")
        .env("NO_COLOR", "1");
    cmd
}

/// `healthfeed --db DB import FILE`, asserting that it succeeds.
pub fn import(db: &Path, file: &Path) {
    healthfeed()
        .arg("--db")
        .arg(db)
        .arg("import")
        .arg(file)
        .assert()
        .success();
}

/// `healthfeed --db DB args…`, asserting success (showing stderr if not); returns stdout.
pub fn ok(db: &Path, args: &[&str]) -> String {
    let out = healthfeed()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
