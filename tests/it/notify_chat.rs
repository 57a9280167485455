//! Chat payloads (Slack, Teams, Discord): their shape against snapshots, what
//! a chat shows field by field, escaping of hostile titles, one message per
//! run however many events wait, and `notify test`.

use healthfeed::notify::payload::{Digest, Event, Format, body};
use serde_json::Value;

use crate::notify::{Receiver, add};
use crate::support::Archive;
use crate::support::wp::{Wp, t};

fn event(id: &str, title: &str) -> Event {
    Event {
        key: format!("{id}@2023-03-29T18:23:04Z"),
        kind: "health".into(),
        id: id.into(),
        event: "new".into(),
        status: Some("investigating".into()),
        previous_status: None,
        classification: Some("incident".into()),
        service: Some("Exchange Online".into()),
        title: Some(title.into()),
        start_time: Some("2023-03-29T07:00:00Z".into()),
        end_time: None,
        last_updated: Some("2023-03-29T18:23:04Z".into()),
        link: Some(format!(
            "https://m365jp.net/index.php/{}",
            id.to_lowercase()
        )),
    }
}

/// A new record, an update with the status before and after, and a Message
/// Center post without a service or a link; 40 pending in all.
fn digest() -> Digest {
    let new = event("EX529801", "Users can't access mailboxes");
    let update = Event {
        event: "update".into(),
        status: Some("serviceRestored".into()),
        previous_status: Some("investigating".into()),
        service: Some("Microsoft Teams".into()),
        last_updated: Some("2023-03-30T09:05:00Z".into()),
        ..event("TM531000", "Some users can't join meetings")
    };
    let message = Event {
        kind: "message".into(),
        status: None,
        service: None,
        classification: Some("planForChange".into()),
        link: None,
        ..event("MC500001", "(Updated) Retirement of a feature")
    };
    Digest {
        events: vec![new, update, message],
        total: 40,
        since: Some("2h".into()),
        filters: Vec::new(),
    }
}

fn parsed(format: Format, digest: &Digest) -> Value {
    serde_json::from_str(&body(format, digest)).unwrap()
}

#[test]
fn slack_sends_text_and_mrkdwn_sections() {
    let v = parsed(Format::Slack, &digest());
    insta::assert_json_snapshot!("slack", v);
    assert!(
        v["text"]
            .as_str()
            .unwrap()
            .starts_with("healthfeed: 40 changes — EX529801: Users can't access mailboxes"),
        "{v}"
    );
    let blocks = v["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 5, "a heading, 3 events, the summary: {v}");
    for b in blocks {
        assert_eq!(b["type"], "section");
        assert_eq!(b["text"]["type"], "mrkdwn");
    }
    let text = |i: usize| blocks[i]["text"]["text"].as_str().unwrap();
    assert_eq!(text(0), "*healthfeed*: 40 changes");
    assert_eq!(
        text(1),
        "*<https://m365jp.net/index.php/ex529801|EX529801: Users can't access mailboxes>*\n\
         New · Exchange Online · investigating\nLast updated 2023-03-29 18:23 UTC"
    );
    assert!(
        text(2).contains("Update · Microsoft Teams · investigating → serviceRestored"),
        "{}",
        text(2)
    );
    assert!(text(2).contains("Last updated 2023-03-30 09:05 UTC"));
    assert!(
        text(3).starts_with("*MC500001: (Updated) Retirement of a feature*\nNew · Message Center")
    );
    assert_eq!(text(4), "and 37 more: `healthfeed list --since 2h`");
}

#[test]
fn teams_sends_an_adaptive_card() {
    let v = parsed(Format::Teams, &digest());
    insta::assert_json_snapshot!("teams", v);
    assert_eq!(v["type"], "message");
    let attachment = &v["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(
        card["$schema"],
        "http://adaptivecards.io/schemas/adaptive-card.json"
    );
    let items = card["body"].as_array().unwrap();
    assert_eq!(items[0]["text"], "healthfeed: 40 changes");
    assert_eq!(items[1]["type"], "TextBlock");
    assert_eq!(
        items[1]["text"],
        "[EX529801: Users can't access mailboxes](https://m365jp.net/index.php/ex529801)"
    );
    let facts = |i: usize| -> Vec<(String, String)> {
        items[i]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["title"].as_str().unwrap().to_owned(),
                    f["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(items[2]["type"], "FactSet");
    assert_eq!(
        facts(4),
        [
            ("Change".into(), "Update".into()),
            ("Service".into(), "Microsoft Teams".into()),
            ("Status".into(), "investigating → serviceRestored".into()),
            ("Last updated".into(), "2023-03-30 09:05 UTC".into()),
        ]
    );
    // A record without a link is named, not linked.
    assert_eq!(
        items[5]["text"],
        "MC500001: \\(Updated\\) Retirement of a feature"
    );
    assert_eq!(facts(6)[1].1, "Message Center");
    let last = items.last().unwrap();
    assert_eq!(last["text"], "and 37 more: `healthfeed list --since 2h`");
    let actions = card["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "one per linked event: {actions:?}");
    assert_eq!(actions[0]["type"], "Action.OpenUrl");
    assert_eq!(actions[0]["title"], "EX529801");
    assert_eq!(actions[0]["url"], "https://m365jp.net/index.php/ex529801");
}

#[test]
fn discord_sends_content_and_embeds() {
    let v = parsed(Format::Discord, &digest());
    insta::assert_json_snapshot!("discord", v);
    assert_eq!(
        v["content"],
        "**healthfeed**: 40 changes\nand 37 more: `healthfeed list --since 2h`"
    );
    assert_eq!(v["allowed_mentions"]["parse"], serde_json::json!([]));
    let embeds = v["embeds"].as_array().unwrap();
    assert_eq!(embeds.len(), 3);
    assert_eq!(
        embeds[1]["title"],
        "Update · TM531000: Some users can't join meetings"
    );
    assert_eq!(embeds[1]["url"], "https://m365jp.net/index.php/tm531000");
    assert_eq!(embeds[1]["description"], "investigating → serviceRestored");
    assert_eq!(embeds[1]["timestamp"], "2023-03-30T09:05:00Z");
    assert_eq!(embeds[1]["fields"][0]["name"], "Service");
    assert_eq!(embeds[1]["fields"][0]["value"], "Microsoft Teams");
    assert_eq!(embeds[1]["fields"][1]["value"], "2023-03-30 09:05 UTC");
    assert!(embeds[2].get("url").is_none(), "no link, no url: {v}");
    assert_eq!(embeds[2]["fields"][0]["value"], "Message Center");
}

const HOSTILE: &str = "<script>alert(1)</script> *bold* @everyone <!channel> [x](javascript:y)";

#[test]
fn markup_in_a_title_is_escaped_for_each_target() {
    let d = Digest {
        events: vec![event("EX1", HOSTILE)],
        total: 1,
        since: None,
        filters: Vec::new(),
    };

    let slack = parsed(Format::Slack, &d);
    let shown = slack["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(
        shown.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{shown}"
    );
    assert!(shown.contains("&lt;!channel&gt;"), "{shown}");
    assert!(shown.contains("*\u{200B}bold*\u{200B}"), "{shown}");
    assert_eq!(slack["blocks"][1]["text"]["verbatim"], true);
    for text in [shown, slack["text"].as_str().unwrap()] {
        assert!(
            !text.contains("<!channel>") && !text.contains("<script>"),
            "{text}"
        );
        assert!(!text.contains("*bold*"), "{text}");
    }

    let teams = parsed(Format::Teams, &d);
    let title = teams["attachments"][0]["content"]["body"][1]["text"]
        .as_str()
        .unwrap();
    assert!(
        title.contains("\\<script\\>alert\\(1\\)\\</script\\>"),
        "{title}"
    );
    assert!(title.contains("\\*bold\\*"), "{title}");
    assert!(title.contains("\\<\\!channel\\>"), "{title}");
    assert!(title.contains("\\[x\\]\\(javascript:y\\)"), "{title}");

    let discord_body = body(Format::Discord, &d);
    assert!(!discord_body.contains("@everyone"), "{discord_body}");
    let discord: Value = serde_json::from_str(&discord_body).unwrap();
    let title = discord["embeds"][0]["title"].as_str().unwrap();
    assert!(title.contains("@\u{200B}everyone"), "{title}");
    assert!(title.contains("\\*bold\\*"), "{title}");
    assert!(title.contains("\\<script\\>"), "{title}");
    assert!(
        title.contains("\\<\\!channel\\>") || title.contains("\\<!channel\\>"),
        "{title}"
    );
    assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));
}

#[test]
fn discord_stays_within_its_limits() {
    let long = "長い*タイトル*".repeat(200);
    let events: Vec<Event> = (0..12)
        .map(|i| Event {
            service: Some(long.clone()),
            status: Some(long.clone()),
            ..event(&format!("EX{i}"), &long)
        })
        .collect();
    let d = Digest {
        events,
        total: 2_000,
        since: Some("3d".into()),
        filters: Vec::new(),
    };
    let v = parsed(Format::Discord, &d);
    let embeds = v["embeds"].as_array().unwrap();
    assert_eq!(embeds.len(), 10, "at most 10 embeds");
    let len = |v: &Value| v.as_str().unwrap().encode_utf16().count();
    let mut total = 0;
    for e in embeds {
        assert!(len(&e["title"]) <= 256);
        assert!(len(&e["description"]) <= 4096);
        total += len(&e["title"]) + len(&e["description"]);
        for f in e["fields"].as_array().unwrap() {
            assert!(len(&f["name"]) <= 256 && len(&f["value"]) <= 1024);
            assert!(len(&f["value"]) > 0, "Discord refuses an empty field");
            total += len(&f["name"]) + len(&f["value"]);
        }
    }
    assert!(total <= 6_000, "{total} characters over all embeds");
    assert!(len(&v["content"]) <= 2_000);
}

/// 2,000 seed-shaped posts with distinct ids, saved as one file for `import`.
fn backfill(a: &Archive) -> std::path::PathBuf {
    let wp = Wp::start();
    wp.site().publish_all(1..=2_000, |id| t(id as i64 * 60));
    let fields = "id,date,date_gmt,modified,modified_gmt,slug,link,title,content";
    a.write("backfill.json", wp.site().export(fields))
}

#[test]
fn a_backfill_gives_one_chat_message_per_run() {
    let a = Archive::new();
    let (slack, teams, discord, json) = (
        Receiver::start(),
        Receiver::start(),
        Receiver::start(),
        Receiver::start(),
    );
    add(&a, &slack.url, &["--format", "slack"]);
    add(&a, &teams.url, &["--format", "teams"]);
    add(&a, &discord.url, &["--format", "discord"]);
    add(&a, &json.url, &[]);
    let file = backfill(&a);
    a.import(&file);
    a.cmd(["notify", "send"]).ok();

    for hook in [&slack, &teams, &discord] {
        assert_eq!(hook.posts().len(), 1, "one chat POST per run");
    }
    let slack = &slack.posts()[0].1;
    let blocks = slack["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 12, "a heading, 10 events, the summary");
    let summary = blocks[11]["text"]["text"].as_str().unwrap();
    assert!(
        summary.starts_with("and 1990 more: `healthfeed list --since "),
        "{summary}"
    );
    assert!(
        slack["text"]
            .as_str()
            .unwrap()
            .starts_with("healthfeed: 2000 changes")
    );

    let card = &teams.posts()[0].1["attachments"][0]["content"];
    let items = card["body"].as_array().unwrap();
    assert_eq!(items.iter().filter(|i| i["type"] == "FactSet").count(), 10);
    assert!(
        items.last().unwrap()["text"]
            .as_str()
            .unwrap()
            .starts_with("and 1990 more")
    );

    let discord = &discord.posts()[0].1;
    assert_eq!(discord["embeds"].as_array().unwrap().len(), 10);
    assert!(
        discord["content"]
            .as_str()
            .unwrap()
            .contains("and 1990 more")
    );

    // `json` keeps its chunks of 100 and its schema.
    let chunks = json.posts();
    assert_eq!(chunks.len(), 20);
    assert!(
        chunks
            .iter()
            .all(|(_, b)| b["healthfeed"] == 1 && b["events"].as_array().unwrap().len() == 100)
    );

    // A 2xx marked every pending event delivered: the next run sends nothing.
    let listed = a.cmd(["notify", "list", "--json"]).json();
    for s in listed.as_array().unwrap() {
        assert_eq!(s["pending"], 0, "{listed}");
    }
    a.cmd(["notify", "send"]).ok();
    assert_eq!(teams.posts().len(), 1);
}

#[test]
fn the_summary_age_covers_the_oldest_pending_event() {
    let a = Archive::new();
    let hook = Receiver::start();
    add(&a, &hook.url, &["--format", "slack"]);
    let wp = Wp::start();
    // Seed posts say Last Updated 2023-03-29T18:23:04Z.
    wp.site().publish_all(1..=12, |id| t(id as i64 * 60));
    let fields = "id,date,date_gmt,modified,modified_gmt,slug,link,title,content";
    a.import(a.write("twelve.json", wp.site().export(fields)));
    a.cmd(["notify", "send"]).ok();
    let body = &hook.posts()[0].1;
    let summary = body["blocks"][11]["text"]["text"].as_str().unwrap();
    let age = summary
        .strip_prefix("and 2 more: `healthfeed list --since ")
        .and_then(|s| s.strip_suffix("d`"))
        .unwrap_or_else(|| panic!("{summary}"));
    let days: i64 = age.parse().unwrap();
    let oldest = chrono::DateTime::parse_from_rfc3339("2023-03-29T18:23:04Z").unwrap();
    let since = chrono::Utc::now() - chrono::Duration::days(days);
    assert!(
        since <= oldest,
        "--since {days}d must reach back to {oldest}"
    );
    assert!(
        since > oldest - chrono::Duration::days(2),
        "and round up, not far: {days}d"
    );
}

#[test]
fn notify_test_sends_one_sample_and_shows_the_answer() {
    let a = Archive::new();
    let hook = Receiver::start();
    let id = add(&a, &hook.url, &["--format", "discord"]);
    hook.reply("{\"ok\":true}\u{1b}[2J");
    let out = a.cmd(["notify", "test", &id]).ok();
    assert!(out.contains("the receiver answered 200 OK"), "{out}");
    assert!(
        out.contains("{\"ok\":true}\\u{1b}[2J"),
        "shown, not sent: {out}"
    );
    assert!(!out.contains('\u{1b}'));
    let posts = hook.posts();
    assert_eq!(posts.len(), 1);
    let sent = &posts[0].1;
    assert!(
        sent["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .contains("healthfeed test notification"),
        "{sent}"
    );
    let key = out
        .split_whitespace()
        .find(|w| w.starts_with("(test@"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(key.ends_with("Z)"), "{key}");

    // The outbox is not touched.
    let events: i64 = a
        .conn()
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 0);

    // A json subscription gets the documented schema.
    let json = Receiver::start();
    let jid = add(&a, &json.url, &[]);
    a.cmd(["notify", "test", &jid]).ok();
    let sent = &json.posts()[0].1;
    assert_eq!(sent["healthfeed"], 1);
    assert_eq!(sent["events"][0]["title"], "healthfeed test notification");
    assert!(
        sent["events"][0]["key"]
            .as_str()
            .unwrap()
            .starts_with("test@")
    );

    // Anything but a 2xx: exit 7, with the answer shown; a long body is cut.
    hook.answer(404);
    hook.reply(&"x".repeat(2_000));
    let refused = a.cmd(["notify", "test", &id]).fails(7);
    assert!(
        refused.stdout.contains("answered 404 Not Found"),
        "{}",
        refused.stdout
    );
    assert!(
        refused
            .stdout
            .contains(&format!("{}… (first 500 bytes)", "x".repeat(500)))
    );
    assert!(!refused.stdout.contains(&"x".repeat(501)));
    let listed = a.cmd(["notify", "list", "--json"]).json();
    assert_eq!(
        listed[0]["failing"],
        Value::Null,
        "a test marks nothing: {listed}"
    );

    a.cmd(["notify", "test", "99"]).fails(1);
}

#[test]
fn notify_test_without_an_answer_exits_7() {
    let a = Archive::new();
    let id = add(
        &a,
        &crate::support::unreachable_posts_url(),
        &["--format", "teams"],
    );
    let failed = a.cmd(["notify", "test", &id]).fails(7);
    assert!(failed.stderr.contains("no answer"), "{}", failed.stderr);
}

/// Ten events whose every value from a post is long and full of what each
/// target escapes: what a hostile or broken feed could store.
fn oversized() -> Digest {
    let long = "長い*タイトル*&<>_\"".repeat(400);
    let link = format!("https://m365jp.net/index.php/{}", "a&b|c".repeat(1_000));
    let events = (0..12)
        .map(|i| Event {
            service: Some(long.clone()),
            status: Some(long.clone()),
            previous_status: Some(long.clone()),
            event: "update".into(),
            link: Some(link.clone()),
            ..event(&format!("EX{i}"), &long)
        })
        .collect();
    Digest {
        events,
        total: 2_000,
        since: Some("3d".into()),
        filters: Vec::new(),
    }
}

#[test]
fn slack_stays_within_its_limits() {
    // Slack refuses the whole message (400 invalid_blocks) when one section's
    // text passes 3,000 characters, and a refusal marks the subscription
    // failing with the same message waiting on every later run.
    let v = parsed(Format::Slack, &oversized());
    let blocks = v["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50, "{} blocks", blocks.len());
    for b in blocks {
        let text = b["text"]["text"].as_str().unwrap();
        let n = text.chars().count();
        assert!(n <= 3_000, "a section of {n} characters: {text}");
    }
    assert!(v["text"].as_str().unwrap().chars().count() <= 40_000);
}

#[test]
fn teams_stays_within_its_message_size() {
    // A Teams channel post carrying a card is refused over 28 KB.
    let text = body(Format::Teams, &oversized());
    assert!(text.len() <= 28 * 1024, "{} bytes", text.len());
    let v: Value = serde_json::from_str(&text).unwrap();
    let card = &v["attachments"][0]["content"];
    assert!(card["actions"].as_array().map_or(0, Vec::len) <= 6);
}

#[test]
fn the_summary_command_keeps_the_subscriptions_filters() {
    // "and 2 more: healthfeed list --since 3d" in a channel that hears only of
    // Defender would list every service: the command must narrow as the
    // subscription does, quoted for a shell.
    let a = Archive::new();
    let hook = Receiver::start();
    add(
        &a,
        &hook.url,
        &[
            "--format",
            "discord",
            "--service",
            "365 defender",
            "--kind",
            "health",
        ],
    );
    let wp = Wp::start();
    wp.site().publish_all(1..=12, |id| t(id as i64 * 60));
    let fields = "id,date,date_gmt,modified,modified_gmt,slug,link,title,content";
    a.import(a.write("twelve.json", wp.site().export(fields)));
    a.cmd(["notify", "send"]).ok();
    let body = &hook.posts()[0].1;
    let content = body["content"].as_str().unwrap();
    let (_, summary) = content.split_once('\n').unwrap_or_else(|| panic!("{body}"));
    assert!(
        summary.starts_with("and 2 more: `healthfeed list --since ")
            && summary.ends_with("d --service '365 defender' --kind health`"),
        "{summary}"
    );
}

#[test]
fn the_summary_command_is_shown_as_typed_in_its_code_span() {
    // Inside backticks chats show backslashes and zero-width spaces as they
    // are: an escaped command would not run when copied.
    let d = Digest {
        filters: vec!["--service".into(), "a_b (c)*".into()],
        ..digest()
    };
    let command = "healthfeed list --since 2h --service 'a_b (c)*'";
    for f in [Format::Slack, Format::Teams, Format::Discord] {
        let text = body(f, &d);
        let v: Value = serde_json::from_str(&text).unwrap();
        let shown = v.to_string();
        assert!(
            shown.contains(&format!("and 37 more: `{command}`")),
            "{f:?}: {shown}"
        );
    }
}
