//! One WordPress post → one typed [`Update`], or a precise reason why not.
//!
//! Pure and panic-free: no I/O, no clock, no global state beyond compiled
//! selectors, so it can be fuzzed and snapshot-tested on files. The table is the
//! source of every typed field; the message text is kept as written.

mod guard;
mod sections;
mod text;

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use scraper::{ElementRef, Html, Selector};

use crate::model::{Classification, Kind, Post, PostShapeError, RecordId, Status, Update};

/// Bumped whenever the parser's output for some post may change, so rejects and
/// rows from an older parser can be told apart and rebuilt by `reparse`.
pub const PARSER_VERSION: u32 = 2;

/// Why a post did not become an update. Every variant names the post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The JSON is not a usable post (wrong shape, no id, no content string).
    #[error("{}: {reason}", post_label(*.post))]
    Malformed {
        /// The post id, when the JSON had one.
        post: Option<u64>,
        /// What is wrong with it.
        reason: String,
    },
    /// A post without the incident header table: a site notice, not a record.
    #[error("post {post}: not a record: {reason}")]
    NotARecord {
        /// The post id.
        post: u64,
        /// What was missing.
        reason: String,
    },
    /// The header names something that is not a record ID.
    #[error(
        "post {post}: header ID {value:?} is not a record ID (expected 2-4 letters then 4-9 digits)"
    )]
    BadId {
        /// The post id.
        post: u64,
        /// The header's first cell.
        value: String,
    },
    /// A row every record of its kind must have is absent or empty.
    #[error("post {post} ({id}): missing required field {field:?}")]
    MissingField {
        /// The post id.
        post: u64,
        /// The record the post is about.
        id: RecordId,
        /// The row or header part that is missing.
        field: &'static str,
    },
    /// A time cell that is not `MM/DD/YYYY HH:MM:SS`.
    #[error(
        "post {post} ({id}): bad timestamp in {field:?}: {value:?} (expected MM/DD/YYYY HH:MM:SS, UTC)"
    )]
    BadTimestamp {
        /// The post id.
        post: u64,
        /// The record the post is about.
        id: RecordId,
        /// The row.
        field: &'static str,
        /// The cell's text.
        value: String,
    },
}

fn post_label(post: Option<u64>) -> String {
    post.map_or_else(
        || "post without an id".to_owned(),
        |id| format!("post {id}"),
    )
}

impl ParseError {
    /// The WordPress post id the error is about, when known.
    pub fn post_id(&self) -> Option<u64> {
        match self {
            ParseError::Malformed { post, .. } => *post,
            ParseError::NotARecord { post, .. }
            | ParseError::BadId { post, .. }
            | ParseError::MissingField { post, .. }
            | ParseError::BadTimestamp { post, .. } => Some(*post),
        }
    }

    /// True for posts that are simply not records (site notices), as opposed to failures.
    pub fn is_not_record(&self) -> bool {
        matches!(self, ParseError::NotARecord { .. })
    }
}

impl From<PostShapeError> for ParseError {
    fn from(e: PostShapeError) -> Self {
        ParseError::Malformed {
            post: None,
            reason: e.to_string(),
        }
    }
}

/// The sections of a stored message: its paragraphs (split at blank lines) split at their headings.
pub fn sections_of(message: &str, kind: Kind) -> Vec<crate::model::Section> {
    let paragraphs: Vec<String> = message
        .split("\n\n")
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    sections::split(&paragraphs, kind)
}

/// Parses one post from its REST JSON text.
pub fn parse_json(json: &str) -> Result<Update, ParseError> {
    parse_post(&Post::from_json(json)?)
}

static SECTION: LazyLock<Selector> = LazyLock::new(|| selector("table#section"));
static HEADER_CELL: LazyLock<Selector> = LazyLock::new(|| selector("th, td"));
static DATA: LazyLock<Selector> = LazyLock::new(|| selector("table#data"));

fn selector(css: &str) -> Selector {
    // The selectors are constants of this file; a typo is caught by every test.
    Selector::parse(css).unwrap_or_else(|e| panic!("bad built-in selector {css:?}: {e}"))
}

/// The rows of `table#data`, found by their header text.
#[derive(Default)]
struct Rows<'a> {
    status: Option<ElementRef<'a>>,
    classification: Option<ElementRef<'a>>,
    user_impact: Option<ElementRef<'a>>,
    last_updated: Option<ElementRef<'a>>,
    start_time: Option<ElementRef<'a>>,
    end_time: Option<ElementRef<'a>>,
    message: Option<ElementRef<'a>>,
    translation: Option<ElementRef<'a>>,
}

/// Parses one decoded post, its message split into [`Update::sections`].
pub fn parse_post(post: &Post) -> Result<Update, ParseError> {
    parse(post, true)
}

/// [`parse_post`] leaving `sections` empty: the archive keeps only the
/// message and splits it again where it is shown ([`sections_of`]), so
/// splitting every stored post would be work nobody reads.
pub fn parse_post_unsplit(post: &Post) -> Result<Update, ParseError> {
    parse(post, false)
}

fn parse(post: &Post, split: bool) -> Result<Update, ParseError> {
    let pid = post.meta.id;
    let content = post
        .content
        .as_deref()
        .ok_or_else(|| ParseError::Malformed {
            post: Some(pid),
            reason: "content.rendered is missing or not a string".into(),
        })?;
    let not_record = |reason: &str| ParseError::NotARecord {
        post: pid,
        reason: reason.to_owned(),
    };
    if let Some(reason) = guard::check(content) {
        return Err(ParseError::Malformed {
            post: Some(pid),
            reason,
        });
    }
    let html = Html::parse_fragment(content);
    let header = html
        .select(&SECTION)
        .next()
        .and_then(|t| t.select(&HEADER_CELL).next())
        .map(text::one_line)
        .ok_or_else(|| not_record("no header table (table#section)"))?;
    if !header.contains('|') {
        return Err(not_record("the header cell is not `ID | Service | Title`"));
    }
    let mut parts = header.splitn(3, '|').map(str::trim);
    let first = parts.next().unwrap_or_default();
    let id = RecordId::parse(first).map_err(|_| ParseError::BadId {
        post: pid,
        value: first.to_owned(),
    })?;
    let kind = id.kind();
    let missing = |field| ParseError::MissingField {
        post: pid,
        id: id.clone(),
        field,
    };
    let (service, title) = match kind {
        // Message Center headers have no service, so the title keeps any later `|`.
        Kind::Message => (None, header.split_once('|').map(|(_, t)| t.trim())),
        Kind::Health => (Some(parts.next()), parts.next()),
    };
    let title = title.filter(|t| !t.is_empty()).ok_or(missing("Title"))?;
    let service = match service {
        Some(s) => Some(s.filter(|s| !s.is_empty()).ok_or(missing("Service"))?),
        None => None,
    };

    let data = html
        .select(&DATA)
        .next()
        .ok_or_else(|| not_record("no data table (table#data)"))?;
    let rows = rows(data);
    let cell_line =
        |cell: Option<ElementRef<'_>>| cell.map(text::one_line).filter(|s| !s.is_empty());
    let time = |cell: Option<ElementRef<'_>>,
                field: &'static str|
     -> Result<Option<DateTime<Utc>>, ParseError> {
        match cell_line(cell) {
            None => Ok(None),
            Some(value) => feed_time(&value).map(Some).ok_or(ParseError::BadTimestamp {
                post: pid,
                id: id.clone(),
                field,
                value,
            }),
        }
    };

    let status = match kind {
        Kind::Health => Some(Status::parse(
            &cell_line(rows.status).ok_or(missing("Status"))?,
        )),
        Kind::Message => None,
    };
    let classification =
        Classification::parse(&cell_line(rows.classification).ok_or(missing("Classification"))?);
    let last_updated = time(rows.last_updated, "Last Updated")?.ok_or(missing("Last Updated"))?;
    let start_time = time(rows.start_time, "Start Time")?.ok_or(missing("Start Time"))?;
    let end_time = time(rows.end_time, "End Time")?;
    let paragraphs = rows.message.map(text::paragraphs).unwrap_or_default();
    let message = paragraphs.join("\n\n");
    let related_ids = sections::related_ids(&message, &id);
    Ok(Update {
        kind,
        service: service.map(str::to_owned),
        title: title.to_owned(),
        status,
        classification,
        user_impact: rows.user_impact.map(text::render).filter(|s| !s.is_empty()),
        last_updated,
        start_time,
        end_time,
        sections: if split {
            sections::split(&paragraphs, kind)
        } else {
            Vec::new()
        },
        message,
        machine_translation: rows.translation.map(text::render).filter(|s| !s.is_empty()),
        related_ids,
        post: post.meta.clone(),
        id,
    })
}

/// Walks table → tbody → tr by hand so rows of a nested table are never mistaken for ours.
fn rows(table: ElementRef<'_>) -> Rows<'_> {
    let mut rows = Rows::default();
    let bodies = children(table);
    let trs = bodies.into_iter().flat_map(|b| match b.value().name() {
        "tr" => vec![b],
        _ => children(b)
            .into_iter()
            .filter(|r| r.value().name() == "tr")
            .collect(),
    });
    for tr in trs {
        let cells = children(tr);
        let (Some(head), Some(cell)) = (
            cells.iter().find(|c| c.value().name() == "th"),
            cells.iter().find(|c| c.value().name() == "td"),
        ) else {
            continue;
        };
        let key = text::one_line(*head).to_lowercase();
        let slot = match key.trim_end_matches(':').trim_end() {
            "status" => &mut rows.status,
            "classification" => &mut rows.classification,
            "user impact" => &mut rows.user_impact,
            "last updated" => &mut rows.last_updated,
            "start time" => &mut rows.start_time,
            "end time" => &mut rows.end_time,
            "latest message" | "message content" | "message" => &mut rows.message,
            "machine translation" => &mut rows.translation,
            _ => continue,
        };
        // The first row of a name wins; a repeated row cannot silently replace it.
        slot.get_or_insert(*cell);
    }
    rows
}

fn children(e: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    e.children().filter_map(ElementRef::wrap).collect()
}

/// The table's times: `MM/DD/YYYY HH:MM:SS`, UTC. RFC 3339 is accepted too.
fn feed_time(text: &str) -> Option<DateTime<Utc>> {
    if let Some(time) = padded_feed_time(text.as_bytes()) {
        return Some(time);
    }
    ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(text, fmt).ok())
        .map(|naive| naive.and_utc())
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|dt| dt.with_timezone(&Utc))
        })
}

/// The form every real post uses, read without chrono's format interpreter (a
/// measurable share of a parse). Anything else, and any value it refuses, goes
/// the slow way, so the result is chrono's in every case.
fn padded_feed_time(text: &[u8]) -> Option<DateTime<Utc>> {
    let [
        m1,
        m2,
        b'/',
        d1,
        d2,
        b'/',
        y1,
        y2,
        y3,
        y4,
        b' ',
        h1,
        h2,
        b':',
        n1,
        n2,
        b':',
        s1,
        s2,
    ] = *text
    else {
        return None;
    };
    let num = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(num(&[y1, y2, y3, y4])?).ok()?,
        num(&[m1, m2])?,
        num(&[d1, d2])?,
    )?;
    let time = NaiveTime::from_hms_opt(num(&[h1, h2])?, num(&[n1, n2])?, num(&[s1, s2])?)?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_fast_path_agrees_with_chrono() {
        for text in [
            "03/29/2023 18:23:04",
            "02/29/2024 00:00:00",
            "02/29/2023 00:00:00",
            "12/31/9999 23:59:59",
            "00/10/2023 10:00:00",
            "13/45/2023 07:00:00",
            "03/29/2023 24:00:00",
            "03/29/2023 23:59:60",
            "03/29/2023 1a:00:00",
            "03/29/0000 10:00:00",
        ] {
            let slow = NaiveDateTime::parse_from_str(text, "%m/%d/%Y %H:%M:%S")
                .ok()
                .map(|naive| naive.and_utc());
            assert_eq!(feed_time(text), slow, "{text}");
            if let Some(fast) = padded_feed_time(text.as_bytes()) {
                assert_eq!(Some(fast), slow, "{text}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn padded_fast_path_agrees_with_chrono_everywhere(
            m in 0..14u32, d in 0..33u32, y in 0..10000u32, h in 0..26u32, n in 0..62u32, s in 0..62u32,
        ) {
            let text = format!("{m:02}/{d:02}/{y:04} {h:02}:{n:02}:{s:02}");
            let slow = NaiveDateTime::parse_from_str(&text, "%m/%d/%Y %H:%M:%S")
                .ok()
                .map(|naive| naive.and_utc());
            proptest::prop_assert_eq!(feed_time(&text), slow);
        }
    }

    #[test]
    fn stored_message_gives_back_the_parsed_sections() {
        let seed = include_str!("../../fixtures/seed-dz534539-servicerestored.json");
        let update = parse_json(seed).unwrap();
        assert_eq!(sections_of(&update.message, update.kind), update.sections);
        assert_eq!(update.sections.len(), 9);
    }

    #[test]
    fn feed_times_are_utc() {
        assert_eq!(
            feed_time("03/29/2023 18:23:04").unwrap().to_rfc3339(),
            "2023-03-29T18:23:04+00:00"
        );
        assert!(feed_time("13/45/2023 00:00:00").is_none());
        assert!(feed_time("12/31/9999 23:59:59").is_some());
        assert!(feed_time("").is_none());
    }

    #[test]
    fn content_that_is_not_a_string_is_malformed() {
        let err = parse_json(r#"{"id":3,"content":{"rendered":7}}"#).unwrap_err();
        assert_eq!(err.post_id(), Some(3));
        assert!(!err.is_not_record());
    }

    #[test]
    fn nesting_hidden_from_the_guard_is_refused_before_parsing() {
        // Found reviewing the guard while fuzzing: 20,000 `<div/>` took 54 s
        // in the fuzz build (html5ever ignores the slash; the guard did not).
        for unit in ["<div/>", "<div></x>"] {
            let post = serde_json::json!({"id": 9, "content": {"rendered": unit.repeat(20_000)}});
            let started = std::time::Instant::now();
            let err = parse_json(&post.to_string()).unwrap_err();
            assert!(err.to_string().contains("nested more than 512"), "{err}");
            assert!(started.elapsed() < std::time::Duration::from_secs(5));
        }
    }

    #[test]
    fn no_table_is_not_a_record() {
        let err =
            parse_json(r#"{"id":4,"content":{"rendered":"<p>Site maintenance</p>"}}"#).unwrap_err();
        assert!(err.is_not_record(), "{err}");
        assert!(err.to_string().contains("post 4"));
    }
}
