//! One output contract for every data command: `--json` is `--format json`
//! (one document), `-o -` is standard output, `-o FILE` takes its format from
//! the extension, and a format that contradicts the extension is a usage error.

use crate::support::{Archive, fixture};

/// Every data command, with arguments that make it answer from the sample.
const COMMANDS: [&[&str]; 7] = [
    &["query", "EX529801"],
    &["list"],
    &["search", "mailbox"],
    &["stats"],
    &["export"],
    &["status"],
    &["rejects"],
];

fn sample() -> Archive {
    Archive::sample()
}

#[test]
fn json_is_one_document_and_the_same_as_format_json_everywhere() {
    let a = sample();
    for args in COMMANDS {
        let short = a.cmd(args).arg("--json").ok();
        let long = a.cmd(args).args(["--format", "json"]).ok();
        serde_json::from_str::<serde_json::Value>(&short)
            .unwrap_or_else(|e| panic!("{args:?} --json is not one JSON document: {e}"));
        if args[0] != "status" {
            // status reports its own last run, which these commands do not change.
            assert_eq!(short, long, "{args:?}");
        }
    }
}

#[test]
fn output_dash_is_stdout_and_a_file_takes_its_extension_s_format() {
    let a = sample();
    for args in COMMANDS {
        if args[0] == "status" {
            continue;
        }
        let plain = a.cmd(args).args(["--format", "json"]).ok();
        let dash = a.cmd(args).args(["--format", "json", "-o", "-"]).ok();
        assert_eq!(plain, dash, "{args:?} -o -");
        let file = a.dir().join(format!("{}.json", args[0]));
        let quiet = a.cmd(args).arg("-o").arg(&file).ok();
        assert!(quiet.is_empty(), "{args:?} -o FILE printed {quiet:?}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            plain,
            "{args:?} -o x.json"
        );
    }
}

#[test]
fn a_format_that_contradicts_the_file_name_is_a_usage_error() {
    let a = sample();
    let target = a.dir().join("r.csv");
    for args in COMMANDS {
        let out = a
            .cmd(args)
            .args(["--format", "ndjson", "-o"])
            .arg(&target)
            .output();
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(!target.exists(), "{args:?} wrote the file anyway");
    }
}

/// Runs `healthfeed ARGS` with a terminal for stdout (script(1)), paging through a marker.
pub(crate) fn at_a_terminal(a: &Archive, args: &str) -> String {
    let line = format!(
        "{} --db '{}' {args}",
        env!("CARGO_BIN_EXE_healthfeed"),
        a.db().display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("HEALTHFEED_PAGER", "sed 's/^/PAGED:/'")
        .env("NO_COLOR", "1")
        .env_remove("PAGER")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn long_output_pages_at_a_terminal_and_never_in_a_pipe() {
    let a = sample();
    let paged = at_a_terminal(&a, "list");
    assert!(paged.lines().all(|l| l.starts_with("PAGED:")), "{paged}");
    let unpaged = at_a_terminal(&a, "--no-pager list");
    assert!(!unpaged.contains("PAGED:"), "{unpaged}");
    assert!(unpaged.contains("EX529801"));
    let piped = a
        .cmd(["list"])
        .env("HEALTHFEED_PAGER", "sed 's/^/PAGED:/'")
        .ok();
    assert!(!piped.contains("PAGED:"));
}

#[test]
fn color_always_colours_a_pipe_and_never_turns_a_terminal_plain() {
    let a = sample();
    let esc = '\u{1b}';
    let always = a
        .cmd(["--color", "always", "list"])
        .env_remove("NO_COLOR")
        .ok();
    assert!(always.contains(esc), "--color always in a pipe");
    let never = a.cmd(["--color", "never", "list"]).ok();
    assert!(!never.contains(esc));
}

#[test]
fn query_aligns_its_fields_by_display_width_with_colour_forced() {
    let a = sample();
    let coloured = a
        .cmd(["--color", "always", "query", "EX529801"])
        .env_remove("NO_COLOR")
        .ok();
    assert!(coloured.contains('\u{1b}'), "colour was forced");
    // What a terminal shows: the text without its SGR sequences.
    let mut shown = String::new();
    let mut chars = coloured.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            shown.push(c);
        }
    }
    let plain = a.cmd(["--color", "never", "query", "EX529801"]).ok();
    assert_eq!(shown, plain, "colour changes nothing but colour");
    for name in ["service", "kind", "status", "start", "last updated", "link"] {
        let line = shown
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line:\n{shown}"));
        assert_eq!(line.find(|c: char| c != ' ').unwrap(), 2, "{line}");
        // Two spaces, the name padded to 13 columns, a space: values start at column 16.
        assert_eq!(&line[15..16], " ", "{line:?}");
        assert_ne!(
            line.as_bytes()[16],
            b' ',
            "value of {name} not at column 16: {line:?}"
        );
    }
}

#[test]
fn parse_takes_the_contract_too() {
    let a = Archive::new();
    let feed = fixture("feed/m365jp-sample.json");
    let array = crate::support::cmd(["parse"]).arg(&feed).json();
    let lines = crate::support::cmd(["parse", "--format", "ndjson"])
        .arg(&feed)
        .ndjson();
    assert_eq!(array.as_array().unwrap(), &lines);
    let file = a.dir().join("records.ndjson");
    crate::support::cmd(["parse", "-o"])
        .arg(&file)
        .arg(&feed)
        .succeeds();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().lines().count(),
        lines.len()
    );
}
