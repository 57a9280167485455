//! Wall time of the answering commands on a generated archive, process start included.
//!
//! Generates `HEALTHFEED_BENCH_RECORDS` records (default 100,000; one in three
//! has a second update, one in ten is Message Center) as REST posts with varied
//! services, titles and messages, imports them with `healthfeed import`, then
//! times the real binary: `query ID`, `list --limit 50`, `search` for a word of
//! typical and of high frequency, `stats`, `report` of one month, and `export`
//! of every record (and every update) to CSV. The archive is kept in
//! `target/bench-answers/` and reused while the generator and schema are unchanged.
//!
//! Targets (issue 5): query < 10 ms, list and search < 50 ms, export ≥ 200,000 rows/s;
//! (issue 13) report < 1 s.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout
)]

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

/// Bump when the generated posts change, so a cached archive is rebuilt.
const GENERATOR: u32 = 1;

const SERVICES: [(&str, &str); 12] = [
    ("EX", "Exchange Online"),
    ("SP", "SharePoint Online"),
    ("TM", "Microsoft Teams"),
    ("OD", "OneDrive for Business"),
    ("DZ", "Microsoft 365 Defender"),
    ("MO", "Microsoft 365 suite"),
    ("IT", "Microsoft Intune"),
    ("PB", "Power BI"),
    ("AD", "Microsoft Entra"),
    ("DY", "Dynamics 365"),
    ("PV", "Microsoft Purview"),
    ("YA", "Viva Engage"),
];
const VERBS: [&str; 12] = [
    "access", "open", "sync", "send", "receive", "search", "join", "upload", "view", "edit",
    "share", "export",
];
const OBJECTS: [&str; 12] = [
    "mailboxes",
    "files",
    "meetings",
    "messages",
    "reports",
    "calendars",
    "lists",
    "alerts",
    "dashboards",
    "policies",
    "devices",
    "channels",
];
const STATUSES: [&str; 6] = [
    "investigating",
    "serviceDegradation",
    "restoringService",
    "extendedRecovery",
    "serviceRestored",
    "postIncidentReviewPublished",
];
/// Words for the free text: each appears in roughly 1/40 of messages, a few in many.
const WORDS: [&str; 40] = [
    "authentication",
    "replication",
    "throttling",
    "latency",
    "certificate",
    "configuration",
    "deployment",
    "regression",
    "database",
    "infrastructure",
    "cache",
    "network",
    "routing",
    "indexing",
    "quota",
    "licensing",
    "telemetry",
    "endpoint",
    "gateway",
    "firewall",
    "token",
    "session",
    "backend",
    "frontend",
    "load",
    "capacity",
    "failover",
    "rollback",
    "patch",
    "schema",
    "queue",
    "storage",
    "directory",
    "federation",
    "proxy",
    "dns",
    "tenant",
    "region",
    "cluster",
    "pipeline",
];

fn at(minutes: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_600_000_000 + minutes * 60, 0).unwrap()
}

fn feed_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%m/%d/%Y %H:%M:%S").to_string()
}

/// One post's REST JSON, shaped like the real site's.
#[allow(clippy::too_many_arguments)]
fn post(
    post_id: u64,
    id: &str,
    service: Option<&str>,
    title: &str,
    status: &str,
    class: &str,
    start: i64,
    updated: i64,
    end: Option<i64>,
    message: &[String],
) -> String {
    let header = match service {
        Some(s) => format!("{id} | {s} | {title}"),
        None => format!("{id} | {title}"),
    };
    let mut rows = String::new();
    if service.is_some() {
        rows.push_str(&format!(
            "<tr>\n<th>Status</th>\n<td>{status}</td>\n</tr>\n"
        ));
    }
    rows.push_str(&format!(
        "<tr>\n<th>Classification</th>\n<td>{class}</td>\n</tr>\n\
         <tr>\n<th>User Impact</th>\n<td>Users may be affected: {title}.</td>\n</tr>\n\
         <tr>\n<th>Last Updated</th>\n<td>{}</td>\n</tr>\n\
         <tr>\n<th>Start Time</th>\n<td>{}</td>\n</tr>\n\
         <tr>\n<th>End Time</th>\n<td>{}</td>\n</tr>\n",
        feed_time(at(updated)),
        feed_time(at(start)),
        end.map(|e| feed_time(at(e))).unwrap_or_default(),
    ));
    let body = message.join("</p>\n<p>  ");
    rows.push_str(&format!(
        "<tr>\n<th>{}</th>\n<td>{body}</p>\n</td>\n</tr>\n",
        if service.is_some() {
            "Latest Message"
        } else {
            "Message Content"
        }
    ));
    let content = format!(
        "<div class=\"postie-post\">\n<div>\n<hr>\n<table id=\"section\">\n<tbody>\n<tr>\n\
         <th width=\"95%\">{header}</th>\n</tr>\n</tbody>\n</table>\n<hr>\n\
         <table id=\"data\">\n<tbody>\n{rows}</tbody>\n</table>\n</div>\n</div>\n"
    );
    let slug = format!("{}-{}", status.to_lowercase(), id.to_lowercase());
    let modified = at(updated + 1).format("%Y-%m-%dT%H:%M:%S").to_string();
    json!({
        "id": post_id,
        "date_gmt": modified,
        "modified_gmt": modified,
        "slug": slug,
        "link": format!("https://m365jp.net/index.php/{slug}"),
        "title": {"rendered": format!("[{status}] {header}")},
        "content": {"rendered": content, "protected": false},
    })
    .to_string()
}

/// Writes the posts of `n` records as NDJSON; returns a record with several updates.
fn generate(n: usize, path: &Path) -> String {
    let mut rng = fastrand::Rng::with_seed(5);
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut post_id = 1_000_000u64;
    let mut several = String::new();
    for i in 0..n {
        let message_center = i % 10 == 9;
        let (prefix, service) = SERVICES[rng.usize(..SERVICES.len())];
        let id = if message_center {
            format!("MC{}", 100_000 + i)
        } else {
            format!("{prefix}{}", 100_000 + i)
        };
        let title = format!(
            "Users may be unable to {} {} in {}",
            VERBS[rng.usize(..VERBS.len())],
            OBJECTS[rng.usize(..OBJECTS.len())],
            if message_center {
                "Microsoft 365"
            } else {
                service
            }
        );
        // Spread over about three years, in order, a few minutes apart.
        let start = i as i64 * 15 + rng.i64(0..10);
        let updates = if i % 3 == 0 { 2 } else { 1 };
        let class = if message_center {
            ["stayInformed", "planForChange", "preventOrFixIssue"][i % 3]
        } else if rng.bool() {
            "incident"
        } else {
            "advisory"
        };
        let mut words = || {
            (0..6)
                .map(|_| WORDS[rng.usize(..WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let message = vec![
            format!("Title: {title}"),
            format!("User impact: Users may be unable to work as usual ({id})."),
            format!("More info: Affected users may notice {}.", words()),
            format!(
                "Current status: We are reviewing {} to isolate the cause.",
                words()
            ),
            "Scope of impact: Some users served through the affected infrastructure.".into(),
            format!(
                "Reference: KB{} and KB{}.",
                5_000_000 + rng.u32(..2000),
                5_000_000 + rng.u32(..2000)
            ),
        ];
        for u in 0..updates {
            let last = u + 1 == updates;
            let status = if last {
                STATUSES[rng.usize(..STATUSES.len())]
            } else {
                "investigating"
            };
            let closed = matches!(status, "serviceRestored" | "postIncidentReviewPublished");
            let updated = start + 30 + u as i64 * 90;
            let end = if message_center {
                Some(start + 60 * 24 * 30)
            } else if closed {
                Some(updated - 5)
            } else {
                None
            };
            let line = post(
                post_id,
                &id,
                (!message_center).then_some(service),
                &title,
                status,
                class,
                start,
                updated,
                end,
                &message,
            );
            post_id += 1;
            out.write_all(line.as_bytes()).unwrap();
            out.write_all(b"\n").unwrap();
        }
        if updates > 1 && several.is_empty() && i > n / 2 {
            several = id;
        }
    }
    out.flush().unwrap();
    several
}

fn healthfeed(db: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_healthfeed"));
    cmd.arg("--db")
        .arg(db)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("HEALTHFEED_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `args` `runs` times; returns the sorted wall times.
fn time(db: &Path, args: &[&str], runs: usize) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let out = healthfeed(db, args).output().unwrap();
            let took = start.elapsed();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            took
        })
        .collect();
    times.sort();
    times
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(label: &str, times: &[Duration], target_ms: Option<f64>) {
    let median = times[times.len() / 2];
    let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
    let verdict = match target_ms {
        Some(t) if ms(median) < t => format!("  (target < {t} ms: met)"),
        Some(t) => format!("  (target < {t} ms: MISSED)"),
        None => String::new(),
    };
    println!(
        "{label:<44} median {:>7.2} ms  p90 {:>7.2} ms  min {:>7.2} ms{verdict}",
        ms(median),
        ms(p90),
        ms(times[0])
    );
}

/// The archive for `n` records, generated and imported once, then reused.
fn archive(n: usize) -> (PathBuf, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-answers");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(format!("archive-{n}-g{GENERATOR}.db"));
    let several_file = dir.join(format!("archive-{n}-g{GENERATOR}.id"));
    if db.exists() && several_file.exists() {
        let status = healthfeed(&db, &["status"]).output().unwrap();
        if status.status.success() {
            return (db, std::fs::read_to_string(several_file).unwrap());
        }
    }
    for stale in [&db, &several_file] {
        let _ = std::fs::remove_file(stale);
    }
    let feed = dir.join(format!("feed-{n}.ndjson"));
    let several = generate(n, &feed);
    let start = Instant::now();
    let out = healthfeed(&db, &["import", &feed.to_string_lossy()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!(
        "generated and imported {n} records in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    std::fs::remove_file(&feed).unwrap();
    std::fs::write(&several_file, &several).unwrap();
    (db, several)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("HEALTHFEED_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = std::env::var("HEALTHFEED_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let (db, several) = archive(n);
    println!(
        "archive: {n} records, {:.0} MB; {runs} runs each, wall time including process start",
        std::fs::metadata(&db).unwrap().len() as f64 / 1e6
    );

    report(
        "healthfeed --version (process start alone)",
        &time(&db, &["--version"], runs),
        None,
    );
    report(
        &format!("query {several} (2 updates)"),
        &time(&db, &["query", &several], runs),
        Some(10.0),
    );
    report(
        "query of a missing ID (exit 1 expected)",
        &{
            let mut t: Vec<Duration> = (0..runs)
                .map(|_| {
                    let s = Instant::now();
                    let out = healthfeed(&db, &["query", "XX999999"]).output().unwrap();
                    assert_eq!(out.status.code(), Some(1));
                    s.elapsed()
                })
                .collect();
            t.sort();
            t
        },
        Some(10.0),
    );
    report(
        "list --limit 50",
        &time(&db, &["list", "--limit", "50"], runs),
        Some(50.0),
    );
    report(
        "list --limit 50 --service exchange --open",
        &time(
            &db,
            &["list", "--limit", "50", "--service", "exchange", "--open"],
            runs,
        ),
        Some(50.0),
    );
    report(
        "search failover (~26% of updates)",
        &time(&db, &["search", "failover"], runs),
        Some(50.0),
    );
    report(
        "search \"failover quota\" (both words, ~7%)",
        &time(&db, &["search", "failover quota"], runs),
        Some(50.0),
    );
    report(
        "search kb5001234 (a rare word, ~0.1%)",
        &time(&db, &["search", "kb5001234"], runs),
        Some(50.0),
    );
    report(
        "search mailboxes (a title word, ~8%)",
        &time(&db, &["search", "mailboxes"], runs),
        Some(50.0),
    );
    report(
        &format!("search {} (an ID)", several.to_lowercase()),
        &time(&db, &["search", &several.to_lowercase()], runs),
        Some(50.0),
    );
    report("stats", &time(&db, &["stats"], runs.min(10)), None);
    // A month in the middle of the generated years (about 2,900 records start in it).
    report(
        "report --month 2022-01 (HTML page, issue 13)",
        &time(&db, &["report", "--month", "2022-01"], runs.min(10)),
        Some(1000.0),
    );
    report(
        "report --month 2022-01 --format md",
        &time(
            &db,
            &["report", "--month", "2022-01", "--format", "md"],
            runs.min(10),
        ),
        Some(1000.0),
    );

    for (label, args) in [
        ("export (every record, CSV)", vec!["export"]),
        (
            "export --format ndjson (every record)",
            vec!["export", "--format", "ndjson"],
        ),
        (
            "export --updates (every update, CSV)",
            vec!["export", "--updates"],
        ),
    ] {
        let rows: usize = {
            let out = Command::new(env!("CARGO_BIN_EXE_healthfeed"))
                .arg("--db")
                .arg(&db)
                .args(&args)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            out.stdout.iter().filter(|&&b| b == b'\n').count()
        };
        let times = time(&db, &args, 5);
        let median = times[times.len() / 2];
        // CSV rows can hold newlines inside quoted cells; count records, not lines.
        let records = if args.contains(&"--updates") {
            n + n.div_ceil(3)
        } else {
            n
        };
        println!(
            "{label:<44} median {:>7.0} ms  {:>9.0} rows/s{}  ({rows} lines)",
            ms(median),
            records as f64 / median.as_secs_f64(),
            if args == ["export"] {
                if records as f64 / median.as_secs_f64() >= 200_000.0 {
                    "  (target ≥ 200,000 rows/s: met)"
                } else {
                    "  (target ≥ 200,000 rows/s: MISSED)"
                }
            } else {
                ""
            }
        );
    }
}
