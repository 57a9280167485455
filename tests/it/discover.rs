//! What a new user finds without the README: examples in every command's
//! help, only the flags a command uses, completions, a man page, a
//! `--version` that names what an archive depends on, and counts in words
//! that agree with their number.

use std::time::Duration;

use crate::support::wp::{Wp, t};
use crate::support::{Archive, cmd, fixture};

/// Every subcommand, in the order `healthfeed --help` lists them.
const COMMANDS: [&str; 13] = [
    "sync",
    "query",
    "list",
    "search",
    "stats",
    "export",
    "status",
    "import",
    "rejects",
    "reparse",
    "parse",
    "completions",
    "man",
];

#[test]
fn subcommands_are_listed_in_the_order_a_user_meets_them() {
    let help = cmd(["--help"]).ok();
    let at: Vec<usize> = COMMANDS
        .iter()
        .map(|c| {
            help.find(&format!("\n  {c} "))
                .unwrap_or_else(|| panic!("{c} missing from --help:\n{help}"))
        })
        .collect();
    assert!(at.is_sorted(), "{help}");
}

#[test]
fn every_subcommand_s_help_has_examples() {
    for command in COMMANDS {
        let help = cmd([command, "--help"]).ok();
        assert!(help.contains("Examples:"), "{command} --help:\n{help}");
        assert!(
            help.contains(&format!("  healthfeed {command}")),
            "{command}'s examples run {command}:\n{help}"
        );
    }
}

#[test]
fn flags_a_command_ignores_are_not_offered() {
    let parse = cmd(["parse", "--help"]).ok();
    for flag in ["--db", "--color", "--no-pager", "--limit"] {
        assert!(!parse.contains(flag), "parse offers {flag}:\n{parse}");
    }
    cmd(["parse", "--db", "x.db", "-"]).fails(2);
    let stats = cmd(["stats", "--help"]).ok();
    assert!(!stats.contains("--limit"), "{stats}");
    assert!(stats.contains("--db"), "{stats}");
    cmd(["stats", "--limit", "3"]).fails(2);
    for (command, also) in [
        ("list", "updated"),
        ("search", "best"),
        ("export", "updated"),
    ] {
        let help = cmd([command, "--help"]).ok();
        let limit = help
            .lines()
            .skip_while(|l| !l.contains("--limit"))
            .nth(1)
            .unwrap_or_default();
        assert!(limit.contains(also), "{command} --limit says {limit:?}");
        assert!(!help.contains("search: the N best"), "{command}:\n{help}");
    }
    let export = cmd(["export", "--help"]).ok();
    assert!(
        !export.contains("--color"),
        "export never colours:\n{export}"
    );
}

#[test]
fn db_color_and_no_pager_work_before_and_after_the_command() {
    let a = Archive::new();
    a.import(fixture("feed/m365jp-sample.json"));
    let db = a.db().to_str().unwrap();
    let before = cmd(["--db", db, "--color", "never", "list", "--limit", "2"]).ok();
    let after = cmd([
        "list",
        "--db",
        db,
        "--color",
        "never",
        "--no-pager",
        "--limit",
        "2",
    ])
    .ok();
    assert_eq!(before, after);
    assert_eq!(before.lines().count(), 3, "{before}");
    // After the command wins: colour forced into a pipe.
    let forced = cmd(["--color", "never", "list", "--db", db, "--color", "always"]).ok();
    assert!(forced.contains('\x1b'), "{forced}");
}

#[test]
fn completions_name_every_subcommand_in_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = cmd(["completions", shell]).ok();
        assert!(!script.is_empty(), "{shell}");
        for command in COMMANDS {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    cmd(["completions", "tcsh"]).fails(2);
}

#[test]
fn completions_and_man_need_no_archive() {
    let a = Archive::in_new_folder();
    a.cmd(["completions", "bash"]).ok();
    a.cmd(["man"]).ok();
    assert!(!a.db().parent().unwrap().exists(), "nothing was created");
}

#[test]
fn man_is_roff_naming_the_subcommands() {
    let page = cmd(["man"]).ok();
    assert!(page.contains(".TH healthfeed 1"), "{page}");
    for command in COMMANDS {
        assert!(page.contains(command), "man lacks {command}");
    }
}

#[test]
fn version_names_the_schema_parser_and_sqlite() {
    let version = cmd(["--version"]).ok();
    let lines: Vec<&str> = version.lines().collect();
    assert!(lines[0].starts_with("healthfeed "), "{version}");
    let number = |label: &str| {
        let line = lines
            .iter()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label:?} in {version}"));
        assert!(
            line.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{line}"
        );
        line.to_owned()
    };
    let schema = number("archive schema ");
    number("parser ");
    assert_eq!(number("SQLite ").split('.').count(), 3, "{version}");
    // The schema named is the one an archive from this build carries.
    let a = Archive::new();
    a.import(fixture("seed-dz534539-servicerestored.json"));
    let status = a.cmd(["status", "--json"]).json();
    assert_eq!(status["schema_version"].to_string(), schema);
}

#[test]
fn one_of_anything_is_singular() {
    let a = Archive::new();
    let out = a
        .cmd(["import"])
        .arg(fixture("seed-dz534539-servicerestored.json"))
        .ok();
    assert_eq!(
        out.trim_end(),
        "1 post read: 1 new record, 0 updated records, 0 unchanged, 0 not records, 0 failed"
    );
    let out = a
        .cmd(["import"])
        .arg(fixture("site-notice-no-table.json"))
        .ok();
    assert!(out.contains("1 post read: 0 new records"), "{out}");
    assert!(out.contains(", 1 not a record, 0 failed"), "{out}");
    let status = a.cmd(["status"]).ok();
    assert!(
        status.contains("rejects    1 not a record, 0 failed"),
        "{status}"
    );
    let reparse = a.cmd(["reparse"]).ok();
    assert!(
        reparse.starts_with("reparsed 2 posts: records 1 → 1,"),
        "{reparse}"
    );
    assert!(!reparse.contains("->"), "one arrow everywhere: {reparse}");

    let wp = Wp::start();
    wp.site().publish(1, t(60));
    let sync = a
        .cmd(["sync", "--source", &wp.posts_url(), "--settle-secs", "0"])
        .timeout(Duration::from_secs(60))
        .ok();
    assert!(
        sync.starts_with("1 post fetched: 1 new record, 0 updated records, 0 status changes, 0 not records, 0 failed in "),
        "{sync}"
    );
}

#[test]
fn one_try_is_one_try() {
    let wp = Wp::start();
    wp.fault(crate::support::wp::Fault::Status(500));
    let a = Archive::new();
    let out = a
        .cmd(["sync", "--source", &wp.posts_url(), "--retries", "0"])
        .timeout(Duration::from_secs(60))
        .fails(4);
    assert!(
        out.stderr.contains("gave up after 1 try;"),
        "{}",
        out.stderr
    );
}
