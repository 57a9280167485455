//! Notification payloads: pure functions from events to the JSON body a
//! receiver takes.
//!
//! No HTTP and no archive here, so every format can be checked byte for byte
//! without a network or a database. `json` is the documented machine schema;
//! `slack`, `teams` and `discord` are one chat message per run, where every
//! value from a post is escaped for the target's markup.

mod discord;
mod slack;
mod teams;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::json_body;

/// The version of the `json` payload's schema (`{"healthfeed": 1, ...}`).
pub const PAYLOAD_VERSION: u32 = 1;

/// Most events a chat message writes out; the rest are summed up in one line.
pub const SHOWN: usize = 10;

/// The body a subscription's receiver takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{"healthfeed": 1, "events": [...]}`, in chunks.
    Json,
    /// A Slack incoming webhook: `text` and section blocks.
    Slack,
    /// A Teams Workflows webhook: a message carrying an Adaptive Card.
    Teams,
    /// A Discord webhook: `content` and embeds.
    Discord,
}

impl Format {
    /// Every format, in the order README lists them.
    pub const ALL: [Format; 4] = [Format::Json, Format::Slack, Format::Teams, Format::Discord];

    /// The name `notify add --format` takes and the archive stores.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Slack => "slack",
            Format::Teams => "teams",
            Format::Discord => "discord",
        }
    }

    /// The format a stored name means; `None` for a name this version does not know.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// True for the chat formats, which send one message per run, not chunks.
    pub fn is_chat(self) -> bool {
        self != Format::Json
    }
}

/// One event as the outbox keeps it (the `json` schema's object).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Event {
    /// `ID@last_updated`: the same on every resend.
    pub key: String,
    /// `health` or `message`.
    pub kind: String,
    /// The record id.
    pub id: String,
    /// `new` or `update`.
    pub event: String,
    /// The status after the change.
    pub status: Option<String>,
    /// The status before (none for a new record).
    pub previous_status: Option<String>,
    /// The record's classification.
    pub classification: Option<String>,
    /// The service (Message Center records have none).
    pub service: Option<String>,
    /// The title.
    pub title: Option<String>,
    /// Start Time, RFC 3339.
    pub start_time: Option<String>,
    /// End Time, RFC 3339.
    pub end_time: Option<String>,
    /// Last Updated, RFC 3339.
    pub last_updated: Option<String>,
    /// The post's URL.
    pub link: Option<String>,
}

impl Event {
    /// The event `notify test` sends: clearly a test, with a key no real record has.
    pub fn sample(now: DateTime<Utc>) -> Event {
        let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        Event {
            key: format!("test@{at}"),
            kind: "health".into(),
            id: "TEST".into(),
            event: "new".into(),
            status: Some("serviceOperational".into()),
            previous_status: None,
            classification: Some("advisory".into()),
            service: Some("healthfeed".into()),
            title: Some("healthfeed test notification".into()),
            start_time: Some(at.clone()),
            end_time: None,
            last_updated: Some(at),
            link: None,
        }
    }
}

/// What one chat message tells: the first events written out, and how many in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Digest {
    /// The events written out, oldest first (at most [`SHOWN`]).
    pub events: Vec<Event>,
    /// Every pending event, these included.
    pub total: u64,
    /// An age for `healthfeed list --since` that covers the oldest pending event (see [`since`]).
    pub since: Option<String>,
    /// The subscription's filters as `list` flags ([`crate::model::Topics::args`]),
    /// so the summary's command lists what the subscription hears of, not everything.
    pub filters: Vec<String>,
}

impl Digest {
    /// The events written out: the first [`SHOWN`], whatever the caller passed.
    fn shown(&self) -> &[Event] {
        &self.events[..self.events.len().min(SHOWN)]
    }

    /// Events not written out.
    pub fn more(&self) -> u64 {
        self.total
            .max(self.events.len() as u64)
            .saturating_sub(self.shown().len() as u64)
    }

    /// "and 37 more: healthfeed list --since 2h", when some are not written out.
    pub fn summary(&self) -> Option<(u64, String)> {
        let more = self.more();
        (more > 0).then(|| {
            let mut command = match &self.since {
                Some(age) => format!("healthfeed list --since {age}"),
                None => "healthfeed list".to_owned(),
            };
            let words: Vec<String> = self.filters.iter().map(|w| shell_word(w)).collect();
            let narrowed = words.join(" ");
            // Filters that do not fit a chat line are left out: the list is
            // then longer than the count, never shorter.
            // A backtick would end the code span the command is shown in.
            let fits = narrowed.chars().count() <= FILTERS && !narrowed.contains('`');
            if !narrowed.is_empty() && fits {
                command.push(' ');
                command.push_str(&narrowed);
            }
            (more, command)
        })
    }

    /// "healthfeed: 1 change" / "healthfeed: 12 changes".
    fn count(&self) -> String {
        let n = self.total.max(self.events.len() as u64);
        let s = if n == 1 { "" } else { "s" };
        format!("{n} change{s}")
    }
}

/// Most characters of filters the summary's command repeats.
const FILTERS: usize = 300;

/// `word` as one shell word: as it is when it has nothing a shell reads
/// specially, else single-quoted (on one line, whatever it held).
pub fn shell_word(word: &str) -> String {
    let word = one_line(word);
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c));
    if plain {
        word
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The age, rounded up, from `oldest` to `now` in the forms `--since` takes
/// (`45m`, `2h`, `3d`), so `list --since` shows at least every pending event.
pub fn since(oldest: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - oldest).num_seconds().max(1);
    let up = |unit: i64| (secs + unit - 1) / unit;
    if secs <= 3600 {
        format!("{}m", up(60))
    } else if secs <= 48 * 3600 {
        format!("{}h", up(3600))
    } else {
        format!("{}d", up(86_400))
    }
}

/// The body of one message in `format`. For `json` it holds the digest's
/// events (delivery sends `json` in chunks through [`json_body`] instead).
pub fn body(format: Format, digest: &Digest) -> String {
    match format {
        Format::Json => {
            let events: Vec<String> = digest
                .events
                .iter()
                .filter_map(|e| serde_json::to_string(e).ok())
                .collect();
            json_body(&events)
        }
        Format::Slack => slack::body(digest),
        Format::Teams => teams::body(digest),
        Format::Discord => discord::body(digest),
    }
}

/// The parts of an event every chat format shows, as plain text (not escaped yet).
struct Shown<'a> {
    /// "New" or "Update".
    what: &'static str,
    /// "DZ534539: title".
    headline: String,
    /// "investigating → serviceRestored", or the status of a new record.
    change: String,
    /// The service, or "Message Center".
    service: String,
    /// Last Updated as "2023-03-29 18:23 UTC".
    when: String,
    /// Last Updated as RFC 3339, when it is one.
    timestamp: Option<String>,
    /// The link, when it is an http(s) URL.
    link: Option<url::Url>,
    /// The event itself.
    event: &'a Event,
}

impl<'a> Shown<'a> {
    fn of(e: &'a Event) -> Shown<'a> {
        // Message Center posts have no status: their classification says what they are.
        let status = e
            .status
            .as_deref()
            .or(e.classification.as_deref())
            .map(one_line)
            .unwrap_or_else(|| "no status".into());
        let change = match (e.event.as_str(), e.previous_status.as_deref()) {
            ("update", Some(before)) if one_line(before) != status => {
                format!("{} → {status}", one_line(before))
            }
            _ => status,
        };
        let service = match (&e.service, e.kind.as_str()) {
            (Some(s), _) if !s.trim().is_empty() => one_line(s),
            (_, "message") => "Message Center".into(),
            _ => "no service".into(),
        };
        let parsed = e
            .last_updated
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc());
        let when = match (parsed, &e.last_updated) {
            (Some(t), _) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
            (None, Some(raw)) => one_line(raw),
            (None, None) => "unknown".into(),
        };
        let title = e.title.as_deref().map(one_line).unwrap_or_default();
        let headline = if title.is_empty() {
            one_line(&e.id)
        } else {
            format!("{}: {title}", one_line(&e.id))
        };
        Shown {
            what: if e.event == "update" { "Update" } else { "New" },
            headline,
            change,
            service,
            when,
            timestamp: parsed.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            link: e.link.as_deref().and_then(web_link),
            event: e,
        }
    }
}

/// `text` on one line: newlines, tabs and other controls become single spaces,
/// so a value can never start a line (a list, a quote, a heading) of its own.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `text` cut to at most `max` UTF-16 units (how chat services count), with
/// "…" when cut. `escaped` text never loses half of a `\x` escape.
fn clip(text: &str, max: usize) -> String {
    if text.encode_utf16().count() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + c.len_utf16() + 1 > max {
            break;
        }
        used += c.len_utf16();
        out.push(c);
    }
    // An odd run of trailing backslashes would escape the ellipsis instead.
    let trailing = out.chars().rev().take_while(|&c| c == '\\').count();
    if trailing % 2 == 1 {
        out.pop();
    }
    out.push('…');
    out
}

/// Longest link a chat message carries, in bytes: a real post's is a few
/// hundred, and a longer one would push a message past its target's limits.
const LINK: usize = 500;

/// `link` when it is an absolute http(s) URL of at most [`LINK`] bytes,
/// normalised (spaces and the like percent-encoded); chats refuse or mangle
/// anything else, and a URL cannot be cut short.
fn web_link(link: &str) -> Option<url::Url> {
    url::Url::parse(link.trim()).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https") && u.has_host() && u.as_str().len() <= LINK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_since_age_covers_the_oldest_event_rounded_up() {
        let now = at("2023-03-31T12:00:00Z");
        assert_eq!(since(at("2023-03-31T11:59:30Z"), now), "1m");
        assert_eq!(since(at("2023-03-31T11:00:00Z"), now), "60m");
        assert_eq!(since(at("2023-03-31T10:50:00Z"), now), "2h");
        assert_eq!(since(at("2023-03-29T12:00:00Z"), now), "48h");
        assert_eq!(since(at("2023-03-29T11:00:00Z"), now), "3d");
        assert_eq!(
            since(at("2023-04-01T00:00:00Z"), now),
            "1m",
            "a clock ahead"
        );
    }

    #[test]
    fn clipping_counts_utf16_and_keeps_escapes_whole() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefghij", 5), "abcd…");
        assert_eq!(clip("ab\\*cd", 4), "ab…");
        assert_eq!(clip("😀😀😀", 5), "😀😀…");
    }

    #[test]
    fn filters_are_shell_words() {
        assert_eq!(shell_word("exchange"), "exchange");
        assert_eq!(shell_word("exchange online"), "'exchange online'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$(rm)"), "'$(rm)'");
    }

    #[test]
    fn values_stay_on_one_line() {
        assert_eq!(one_line("  a\n# b\t\u{1b}c  "), "a # b c");
    }

    #[test]
    fn no_more_than_ten_are_written_out_whatever_is_passed() {
        let now = at("2023-03-31T12:00:00Z");
        let d = Digest {
            events: vec![Event::sample(now); 12],
            total: 0,
            since: None,
            filters: Vec::new(),
        };
        assert_eq!(d.more(), 2);
        for f in [Format::Slack, Format::Teams, Format::Discord] {
            let text = body(f, &d);
            assert!(text.contains("and 2 more: `healthfeed list`"), "{text}");
            assert_eq!(
                text.matches("healthfeed test notification").count(),
                10 + usize::from(f == Format::Slack),
                "{text}"
            );
        }
    }

    #[test]
    fn formats_round_trip_their_names() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(Format::from_name("xml"), None);
    }
}
