//! Terminal escape injection: a post (or a server) carrying ESC sequences
//! must never drive the terminal of the person reading healthfeed's output.
//! The parser drops controls from what it parses; whatever still arrives (an
//! archive written by an older parser, a server's error text) is shown as
//! `\u{1b}`, never sent.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

use crate::support::posts::{Spec, page};
use crate::support::{Archive, Output};

const ESC: char = '\u{1b}';

/// A post whose title, status and message carry clear-screen, OSC 52 and OSC 8, raw and as references.
fn hostile() -> String {
    let mut spec = Spec::new(501, "EX666001", "investigating", 29, 7);
    spec.title =
        "Mail \u{1b}[2J down &#27;]52;c;ZXZpbA==&#7; \u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{7}"
            .into();
    page(&[spec])
}

fn assert_shown_not_sent(what: &str, out: &Output) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !text.contains(ESC),
            "{what}: raw ESC on {stream}:\n{text:?}"
        );
        assert!(
            !text.contains('\u{7}'),
            "{what}: raw BEL on {stream}:\n{text:?}"
        );
    }
}

#[test]
fn the_parser_drops_controls_so_no_output_carries_them() {
    let a = Archive::new();
    let file = a.write("hostile.json", hostile());
    a.import(&file);
    for args in [
        &["list"][..],
        &["query", "EX666001"],
        &["search", "mail"],
        &["stats"],
        &["export"],
        &["list", "--format", "json"],
    ] {
        let out = a.cmd(args).succeeds();
        assert_shown_not_sent(&format!("{args:?}"), &out);
    }
    let title = a.cmd(["query", "EX666001", "--json"]).json()[0]["title"].clone();
    assert_eq!(
        title,
        "Mail [2J down ]52;c;ZXZpbA== ]8;;http://evillink]8;;"
    );
}

/// An archive whose stored values still hold escapes, as an older parser kept them.
fn tainted() -> Archive {
    let a = Archive::new();
    let file = a.write("hostile.json", hostile());
    a.import(&file);
    let evil = "T\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}";
    a.conn()
        .execute_batch(&format!(
            "UPDATE records SET title = '{evil}', service = 'S{evil}', status = 'st{evil}';
             UPDATE updates SET title = '{evil}', service = 'S{evil}', status = 'st{evil}',
               message = 'Line one {evil}', user_impact = 'U{evil}';"
        ))
        .unwrap();
    a
}

#[test]
fn stored_escapes_are_shown_as_text_in_every_human_output() {
    let a = tainted();
    for args in [
        &["list"][..],
        &["query", "EX666001"],
        &["search", "EX666001"],
        &["stats"],
    ] {
        let out = a.cmd(args).env("COLUMNS", "300").succeeds();
        assert_shown_not_sent(&format!("{args:?}"), &out);
        assert!(out.stdout.contains("\\u{1b}"), "{args:?}: {}", out.stdout);
    }
}

#[test]
fn machine_rows_at_a_terminal_are_shown_as_text_and_piped_as_stored() {
    let a = tainted();
    let bin = env!("CARGO_BIN_EXE_healthfeed");
    let line = format!(
        "{bin} --db '{}' --no-pager list --format csv",
        a.db().display()
    );
    // `script` gives the command a terminal for its stdout.
    let tty = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&tty.stdout);
    assert!(tty.status.success(), "{shown}");
    assert!(shown.contains("T\\u{1b}[2J"), "{shown:?}");
    assert!(!shown.contains(ESC), "{shown:?}");
    // In a pipe the export is the data, byte for byte.
    let piped = a.cmd(["list", "--format", "csv"]).ok();
    assert!(piped.contains("T\u{1b}[2J"));
}

#[test]
fn a_server_error_with_escapes_reaches_neither_stderr_nor_status_raw() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/wp-json/wp/v2/posts",
        listener.local_addr().unwrap()
    );
    let server = std::thread::spawn(move || {
        // One request, one WordPress-style error whose words carry escapes.
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 2 {
            line.clear();
        }
        let body = r#"{"code":"rest_forbidden\u001b[2J","message":"Denied \u001b]52;c;ZXZpbA==\u0007 now","data":{"status":403}}"#;
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    });
    let a = Archive::new();
    let sync = a.cmd(["sync", "--retries", "0", "--source", &url]).fails(4);
    server.join().unwrap();
    assert_shown_not_sent("sync", &sync);
    assert!(sync.stderr.contains("\\u{1b}"), "{}", sync.stderr);
    let status = a.cmd(["status"]).succeeds();
    assert_shown_not_sent("status", &status);
    assert!(status.stdout.contains("\\u{1b}"), "{}", status.stdout);
}
