//! `--db` and flag values an unlucky admin types: a folder, a FIFO, a wait
//! longer than the clock can count. Each ends promptly with a message naming
//! the real cause, never a hang, a panic or "the disk is full".

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::healthfeed;

#[test]
fn a_folder_as_the_archive_says_it_is_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["list"][..], &["status"], &["import", "-"]] {
        let out = healthfeed()
            .arg("--db")
            .arg(dir.path())
            .args(args)
            .write_stdin("[]")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {err}");
        assert!(err.contains("is a folder"), "{args:?}: {err}");
        assert!(!err.contains("disk is full"), "{args:?}: {err}");
    }
}

#[test]
fn a_fifo_as_the_archive_is_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.db");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for args in [&["list"][..], &["status"]] {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_healthfeed"))
            .arg("--db")
            .arg(&fifo)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            panic!("{args:?} on a FIFO hung");
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {err}");
        assert!(err.contains("is a FIFO"), "{args:?}: {err}");
    }
}

#[test]
fn a_wait_longer_than_the_clock_counts_does_not_panic() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/wp-json/wp/v2/posts");
    let out = healthfeed()
        .arg("--db")
        .arg(dir.path().join("a.db"))
        .args(["sync", "--retries", "0", "--wait", "18446744073709551615"])
        .args(["--source", &url])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
