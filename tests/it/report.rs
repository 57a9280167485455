//! `healthfeed report` on the bundled sample, whose truth is worked out here
//! from `export --format ndjson` (and written down in fixtures/README.md):
//! March 2023 (UTC) holds 12 service-health records, 7 incidents and 5
//! advisories over 5 services, 2 of them still open at the month's end, and
//! 3 announcements; nothing started in February.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use scraper::{Html, Selector};
use serde_json::Value;

use crate::support::{Archive, fixture, fixtures};

/// A report at a fixed clock, so "now" never moves under a test.
const NOW: &str = "2026-01-15T00:00:00Z";

fn report(a: &Archive, args: &[&str]) -> crate::support::Cmd {
    a.cmd(["report"]).args(args).env("HEALTHFEED_NOW", NOW)
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .map(|t| DateTime::parse_from_rfc3339(t).unwrap().to_utc())
}

fn minutes(r: &Value) -> i64 {
    (time(&r["end_time"]).unwrap() - time(&r["start_time"]).unwrap()).num_minutes()
}

#[test]
fn the_sample_march_has_the_numbers_the_export_gives() {
    let a = Archive::sample();
    let rows = a.cmd(["export", "--format", "ndjson"]).ndjson();
    let (start, end) = (
        time(&"2023-03-01T00:00:00Z".into()).unwrap(),
        time(&"2023-04-01T00:00:00Z".into()).unwrap(),
    );
    let march: Vec<&Value> = rows
        .iter()
        .filter(|r| (start..end).contains(&time(&r["start_time"]).unwrap()))
        .collect();
    let health: Vec<&Value> = march
        .iter()
        .copied()
        .filter(|r| r["kind"] == "health")
        .collect();
    let class = |c: &str| health.iter().filter(|r| r["classification"] == c).count();
    // Open at the month's end: no End Time yet, or one after it.
    let open: Vec<&&Value> = health
        .iter()
        .filter(|r| time(&r["end_time"]).is_none_or(|e| e > end))
        .collect();
    let mut ended: Vec<i64> = health
        .iter()
        .filter(|r| time(&r["end_time"]).is_some_and(|e| e <= end))
        .map(|r| minutes(r))
        .collect();
    ended.sort_unstable();
    // The truth, pinned: if the sample changes, these say so before the report does.
    assert_eq!((class("incident"), class("advisory")), (7, 5));
    assert_eq!(march.len() - health.len(), 3);
    assert_eq!(open.len(), 2);
    assert_eq!(ended, [200, 235, 315, 350, 425, 445, 585, 615, 685, 690]);
    assert_eq!(
        rows.len(),
        march.len(),
        "every sample record starts in March"
    );

    let r = report(&a, &["--month", "2023-03", "--json"]).json();
    assert_eq!(r["month"], "2023-03");
    assert_eq!(r["zone"], "UTC");
    assert_eq!(r["moment"], "2023-04-01T00:00:00Z");
    assert_eq!(r["due_until"], "2023-05-31T00:00:00Z");
    let this = &r["this"];
    assert_eq!(this["incidents"], 7);
    assert_eq!(this["advisories"], 5);
    assert_eq!(this["announcements"], 3);
    assert_eq!(this["open_at_end"], 2);
    assert_eq!(this["median_minutes"], 435.0); // (425 + 445) / 2
    assert_eq!(this["worst_minutes"], 690);
    let before = &r["previous"];
    assert_eq!(before["incidents"], 0);
    assert_eq!(before["median_minutes"], Value::Null);

    // Per service: records, and minutes with the open ones run to 1 April 00:00.
    let services: Vec<(String, u64, i64)> = r["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["service"].as_str().unwrap().to_owned(),
                s["records"].as_u64().unwrap(),
                s["minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    let open_minutes = |id: &str| {
        let row = health.iter().find(|r| r["id"] == id).unwrap();
        (end - time(&row["start_time"]).unwrap()).num_minutes()
    };
    assert_eq!(open_minutes("EX531442"), 51 * 60 + 45);
    assert_eq!(
        services,
        [
            ("Exchange Online".into(), 3, 425 + 445 + 51 * 60 + 45),
            ("Microsoft 365 Defender".into(), 3, 350 + 690 + 615),
            ("Microsoft 365 suite".into(), 2, 235 + 200),
            ("Microsoft Teams".into(), 2, 685 + open_minutes("TM532087")),
            ("SharePoint Online".into(), 2, 585 + 315),
        ]
    );

    let spans = r["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 12);
    let open_ids: BTreeSet<&str> = spans
        .iter()
        .filter(|s| s["open"] == true)
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(open_ids, BTreeSet::from(["EX531442", "TM532087"]));

    let longest: Vec<&str> = r["longest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(longest.len(), 10);
    assert_eq!(
        &longest[..4],
        ["EX531442", "TM532087", "DZ534548", "TM530955"]
    );
    // Each carries its timeline: TM530955 has five updates (fixtures/README.md).
    let tm = &r["longest"][3];
    assert_eq!(tm["steps"].as_array().unwrap().len(), 5);
    assert_eq!(tm["steps"][4]["status"], "postIncidentReviewPublished");
    assert!(
        tm["link"]
            .as_str()
            .unwrap()
            .starts_with("https://m365jp.net/")
    );
    assert_eq!(r["due"], Value::Array(vec![]));
}

#[test]
fn a_zone_moves_the_window_and_the_times_shown() {
    let a = Archive::sample();
    let md = report(
        &a,
        &["--month", "2023-03", "--tz", "Asia/Tokyo", "--format", "md"],
    )
    .ok();
    assert!(md.contains("times in Asia/Tokyo"), "{md}");
    // EX528690 started 2023-03-26T21:10Z: 06:10 the next morning in Tokyo.
    assert!(md.contains("| EX528690 | 2023-03-27 06:10 |"), "{md}");
    let r = report(&a, &["--month", "2023-03", "--tz", "Asia/Tokyo", "--json"]).json();
    // JSON carries the chosen zone's offset, as every command's machine output does.
    assert_eq!(r["start"], "2023-03-01T00:00:00+09:00");
    assert_eq!(r["moment"], "2023-04-01T00:00:00+09:00");
    assert_eq!(r["this"]["incidents"], 7);
    // HEALTHFEED_TZ names the zone as --tz does, for the report as for every command.
    let md = report(&a, &["--month", "2023-03", "--format", "md"])
        .env("HEALTHFEED_TZ", "Asia/Tokyo")
        .ok();
    assert!(md.contains("| EX528690 | 2023-03-27 06:10 |"), "{md}");
}

#[test]
fn the_default_month_is_the_last_complete_one_at_the_clock() {
    let a = Archive::sample();
    let r = a
        .cmd(["report", "--json"])
        .env("HEALTHFEED_NOW", "2023-04-10T12:00:00Z")
        .json();
    assert_eq!(r["month"], "2023-03");
    assert_eq!(r["this"]["incidents"], 7);
    // In the month itself, the moment is the clock: EX531442 is open "so far".
    let r = a
        .cmd(["report", "--month", "2023-03", "--json"])
        .env("HEALTHFEED_NOW", "2023-03-31T02:00:00Z")
        .json();
    assert_eq!(r["moment"], "2023-03-31T02:00:00Z");
    assert_eq!(
        r["this"]["open_at_end"], 3,
        "MO532355 ran from 00:40 to 04:35"
    );
}

/// Every `<rect>` filled with `color` under `figure`.
fn bars(page: &Html, figure: &str, color: &str) -> usize {
    let rects = Selector::parse(&format!("figure#{figure} svg rect")).unwrap();
    page.select(&rects)
        .filter(|r| r.value().attr("fill") == Some(color))
        .count()
}

#[test]
fn the_page_is_well_formed_self_contained_and_has_a_bar_per_record() {
    let a = Archive::sample();
    let out = a.dir().join("march.html");
    report(&a, &["--month", "2023-03", "-o"])
        .arg(&out)
        .succeeds();
    let html = std::fs::read_to_string(&out).unwrap();
    let page = Html::parse_document(&html);
    assert_eq!(
        page.errors,
        Vec::<std::borrow::Cow<'_, str>>::new(),
        "HTML parse errors"
    );
    // The bars, by colour: one per service twice, one per record on the timeline.
    let (bar, open) = (
        healthfeed::report::BAR_COLOR,
        healthfeed::report::OPEN_COLOR,
    );
    assert_eq!(bars(&page, "chart-services", bar), 5);
    assert_eq!(bars(&page, "chart-hours", bar), 5);
    assert_eq!(bars(&page, "chart-timeline", bar), 10);
    assert_eq!(bars(&page, "chart-timeline", open), 2);
    // No script, nothing to fetch, and no address but the records' own links.
    for tag in [
        "script", "link", "img", "iframe", "object", "embed", "image", "use",
    ] {
        let s = Selector::parse(tag).unwrap();
        assert_eq!(page.select(&s).count(), 0, "<{tag}> in the page");
    }
    let links: BTreeSet<String> = a
        .cmd(["export", "--format", "ndjson"])
        .ndjson()
        .iter()
        .filter_map(|r| r["link"].as_str().map(str::to_owned))
        .collect();
    let mut addresses = 0;
    for (i, _) in html.match_indices("http") {
        let rest = &html[i..];
        let address: String = rest
            .chars()
            .take_while(|c| !matches!(c, '"' | '<' | ' ' | ')'))
            .collect();
        if address.starts_with("http://") || address.starts_with("https://") {
            assert!(links.contains(&address), "{address} is not a record's link");
            addresses += 1;
        }
    }
    assert!(addresses >= 10, "the longest incidents link their posts");
    assert!(!html.contains("url("), "no CSS fetches");
}

/// The seed post with `title` in place of its header's title.
fn seed_titled(title: &str) -> String {
    let seed = std::fs::read_to_string(fixture("seed-dz534539-servicerestored.json")).unwrap();
    let mut post: Value = serde_json::from_str(&seed).unwrap();
    let old = "Admins received false alerts of user click activity for malicious URL links";
    let content = post["content"]["rendered"].as_str().unwrap();
    assert!(content.contains(old));
    // As WordPress writes it: the title's markup arrives as entities.
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    // And a service with markup, which the charts draw as a label.
    let content = content.replacen(old, &escaped, 1).replacen(
        "DZ534539 | Microsoft 365 Defender |",
        "DZ534539 | &lt;b&gt;Defender&lt;/b&gt; |",
        1,
    );
    post["content"]["rendered"] = content.into();
    serde_json::to_string(&post).unwrap()
}

#[test]
fn a_title_holding_markup_is_text_in_the_page_and_the_markdown() {
    let a = Archive::new();
    let title = "<script>alert('x')</script> *bold* [link](https://evil.example/) | pipe";
    let post = a.write("hostile.json", seed_titled(title));
    a.import(&post);
    let stored = a.cmd(["export", "--format", "ndjson"]).ndjson();
    assert_eq!(stored[0]["title"], title, "the fixture carries the title");

    let html = report(&a, &["--month", "2023-03"]).ok();
    let page = Html::parse_document(&html);
    assert_eq!(page.select(&Selector::parse("script").unwrap()).count(), 0);
    assert!(!html.contains("<script>"));
    assert!(
        html.contains("&#60;script&#62;alert("),
        "escaped in the tables"
    );
    let hrefs: Vec<&str> = page
        .select(&Selector::parse("a[href]").unwrap())
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(!hrefs.is_empty());
    assert!(
        hrefs.iter().all(|h| h.starts_with("https://m365jp.net/")),
        "{hrefs:?}"
    );
    let text: String = page.root_element().text().collect();
    assert!(text.contains(title), "the title reads as written");
    // The service is an SVG <text> label in the charts: text there too, not an element.
    assert_eq!(
        page.select(&Selector::parse("svg b, b").unwrap()).count(),
        0
    );
    let labels: Vec<String> = page
        .select(&Selector::parse("figure#chart-services svg text").unwrap())
        .map(|t| t.text().collect::<String>())
        .collect();
    assert!(
        labels.iter().any(|l| l.trim() == "<b>Defender</b>"),
        "{labels:?}"
    );

    let md = report(&a, &["--month", "2023-03", "--format", "md"]).ok();
    assert!(
        md.contains(
            r"\<script\>alert\('x'\)\</script\> \*bold\* \[link\]\(https://evil.example/\) \| pipe"
        ),
        "{md}"
    );
    assert!(!md.contains("<script>"));
}

#[test]
fn markdown_has_the_same_content_as_tables() {
    let a = Archive::sample();
    let out = a.dir().join("march.md");
    report(&a, &["--month", "2023-03", "-o"])
        .arg(&out)
        .succeeds();
    let md = std::fs::read_to_string(&out).unwrap();
    for line in [
        "# Microsoft 365 service health, 2023-03",
        "| Incidents | 7 | 0 | +7 |",
        "| Advisories | 5 | 0 | +5 |",
        "| Announcements | 3 | 0 | +3 |",
        "| Open at month end | 2 | 0 | +2 |",
        "| Median duration | 7 h 15 min | – | – |",
        "| Worst duration | 11 h 30 min | – | – |",
        "| Exchange Online | 3 | 66.2 |",
        "| EX531442 | 2023-03-29 20:15 | 2023-04-01 00:00 | open |",
        "- 2023-03-31 06:01: postIncidentReviewPublished",
        "## Announcements due",
    ] {
        assert!(md.contains(line), "{line:?} missing from:\n{md}");
    }
    assert!(md.contains("falls in the 60 days from 2023-04-01 00:00 to 2023-05-31 00:00"));
    assert!(!md.contains("<svg"));
}

#[test]
fn announcements_due_in_the_sixty_days_after_the_month() {
    let a = Archive::new();
    let mut files: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.push(fixtures().join("feed").join("m365jp-sample.json"));
    a.cmd(["import"]).args(&files).ok();
    let check = |month: &str, from: &str, until: &str| {
        let (from, until) = (time(&from.into()).unwrap(), time(&until.into()).unwrap());
        let inside = |v: &Value| time(v).is_some_and(|t| t >= from && t < until);
        let expected: BTreeSet<String> = a
            .cmd(["export", "--format", "ndjson", "--kind", "message"])
            .ndjson()
            .iter()
            .filter(|r| inside(&r["action_required_by"]) || inside(&r["end_time"]))
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        let r = report(&a, &["--month", month, "--json"]).json();
        let got: BTreeSet<String> = r["due"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(got, expected, "{month}");
        got
    };
    // MC503292 ends 2023-04-28 noon; MC529350 on 31 May 07:00, just past the window.
    let march = check("2023-03", "2023-04-01T00:00:00Z", "2023-05-31T00:00:00Z");
    assert!(march.contains("MC503292"), "{march:?}");
    assert!(!march.contains("MC529350"));
    // MC938271's Action Required By is 2025-01-31 08:00.
    let december = check("2024-12", "2025-01-01T00:00:00Z", "2025-03-02T00:00:00Z");
    assert!(december.contains("MC938271"), "{december:?}");
    // Health only: no announcements at all.
    let r = report(&a, &["--month", "2023-03", "--kind", "health", "--json"]).json();
    assert_eq!(r["due"], Value::Array(vec![]));
    assert_eq!(r["this"]["announcements"], 0);
}

#[test]
fn a_month_with_nothing_in_it_is_a_report_of_zeros() {
    let a = Archive::sample();
    let r = report(&a, &["--month", "2020-01", "--json"]).json();
    assert_eq!(r["this"]["incidents"], 0);
    assert_eq!(r["spans"], Value::Array(vec![]));
    let html = report(&a, &["--month", "2020-01"]).ok();
    assert!(html.contains("No service-health record started in the month."));
    assert_eq!(Html::parse_document(&html).errors.len(), 0);
    let md = report(&a, &["--month", "2020-01", "--format", "md"]).ok();
    assert!(md.contains("| Incidents | 0 | 0 | ±0 |"));
}

#[test]
fn filters_narrow_the_report() {
    let a = Archive::sample();
    let r = report(
        &a,
        &["--month", "2023-03", "--service", "exchange", "--json"],
    )
    .json();
    assert_eq!(r["this"]["incidents"], 2);
    assert_eq!(r["this"]["advisories"], 1);
    assert_eq!(r["services"].as_array().unwrap().len(), 1);
    assert_eq!(r["filters"][0], "service contains \"exchange\"");
    let r = report(
        &a,
        &[
            "--month",
            "2023-03",
            "--classification",
            "incident",
            "--json",
        ],
    )
    .json();
    assert_eq!(r["this"]["advisories"], 0);
    assert_eq!(r["this"]["incidents"], 7);
}

#[test]
fn bad_input_exits_2_and_a_missing_archive_5() {
    let a = Archive::sample();
    for month in ["2023-13", "2023-3", "march"] {
        let out = report(&a, &["--month", month]).fails(2);
        assert!(out.stderr.contains("YYYY-MM"), "{}", out.stderr);
    }
    report(&a, &["--month", "2023-03", "--tz", "Mars/Olympus"]).fails(2);
    report(&a, &["--format", "md", "-o", "x.html"]).fails(2);
    report(&a, &["-o", "x.csv"]).fails(2);
    a.cmd(["report"])
        .env("HEALTHFEED_NOW", "yesterday")
        .fails(2);
    report(&a, &["--month", "2023-03", "--classification", "incidnet"]).fails(2);
    let missing = Archive::new();
    report(&missing, &["--month", "2023-03"]).fails(5);
    assert!(!missing.db().exists(), "a report creates no archive");
}

#[test]
fn at_a_terminal_the_report_reads_as_markdown_and_a_pipe_gets_the_page() {
    let a = Archive::sample();
    let shown = crate::contract::at_a_terminal(&a, "report --month 2023-03");
    assert!(
        shown.starts_with("PAGED:# Microsoft 365 service health, 2023-03"),
        "{shown}"
    );
    assert!(!shown.contains("<html"), "{shown}");
    let asked =
        crate::contract::at_a_terminal(&a, "report --month 2023-03 --format html --no-pager");
    assert!(asked.starts_with("<!DOCTYPE html>"), "{asked}");
    let piped = report(&a, &["--month", "2023-03"]).ok();
    assert!(piped.starts_with("<!DOCTYPE html>"));
}
