//! The WordPress REST client: finds a site's posts route, walks its posts
//! incrementally, and survives a flaky network. It hands out each post's exact
//! JSON text and knows nothing of HTML, parsing or storage; `commands` composes
//! fetch → parse → store.
//!
//! # Why the walk is keyset paging on modified time
//!
//! The obvious walk (`orderby=modified&page=1,2,3…`) loses posts. WordPress
//! orders only by the column asked for, so posts that share one modified time
//! come back in a different order at every request (25 posts with one modified
//! time, paged five at a time, came back as 11 distinct posts on a real
//! WordPress 6.1); and a post published or edited between two page requests
//! shifts every later offset by one, so one post is skipped.
//!
//! So the walk never asks for page 2 of a changing list. It always asks for the
//! first page after a mark: `orderby=modified&order=asc&modified_after=<mark>`.
//! WordPress compares `modified_after` strictly (`>`) at one-second resolution.
//!
//! - A short page (fewer posts than asked, or as many as `X-WP-Total`) holds
//!   everything after the mark: the new mark is its newest modified time.
//! - A full page whose newest time `Mx` is shared by fewer than all its posts
//!   holds every post modified before `Mx`, whatever the order among ties: the
//!   page is sorted ascending and ends at `Mx`. The next mark is `Mx − 1 s`, so
//!   the posts at `Mx` come again next request (duplicates are harmless; the
//!   store dedupes) and the mark strictly advances.
//! - A full page where every post has the same time `Mx` is a tie group at
//!   least a page long. Only there does the walk page by offset, through a
//!   window of exactly that second with a stable order:
//!   `modified_after=Mx−1s&modified_before=Mx+1s&orderby=id&order=asc&page=k`.
//!   An edit during that sub-walk moves a post out of the window and shifts the
//!   offsets, but also changes the window's `X-WP-Total`: the group is then
//!   walked again (a bounded number of times). The mark becomes `Mx` only once a
//!   pass saw a stable total.
//!
//! Progress is judged from the posts received, never from the server's counts:
//! each page of a tie group must bring a post its pass has not seen (a server
//! ignoring `page` is caught at page 2), the group ends at a short or empty
//! page whatever `X-WP-TotalPages` says, full pages followed by an empty one
//! while `X-WP-Total` promises more is an error, and a short page bringing
//! nothing new ends a keyset walk whatever `X-WP-Total` says. No walk makes
//! more than a fixed number of requests without its mark advancing.
//!
//! Posts published or edited mid-walk get a modified time newer than the mark,
//! so a later request of the same walk (or the next run) finds them. The first
//! walk sends no `modified_after`; a run with nothing new costs one request.
//!
//! The mark the walk hands out for committing (`Page::cursor_after`) is held
//! back to `settle` before the server's clock (its `Date` header): a post
//! saved in the same second as the newest one, but committed to the database
//! after our request, would otherwise sit at or below the mark forever. This
//! only matters for posts modified in the last few seconds; older marks are
//! committed as they are, so a quiet feed costs one request and yields nothing.
//! That clock is believed only up to an hour ahead of the local one (and when
//! behind it, only if not behind its own posts); otherwise the local clock
//! stands in. So the mark never passes the present: a post dated ahead comes
//! again each walk instead of hiding every post after it.
//!
//! Known limit: WordPress compares these dates in the site's local time; on a
//! site whose time zone has daylight saving, posts modified in the repeated
//! autumn hour sort out of UTC order. m365jp.net uses JST, which has none.

mod body;
mod discover;
mod error;
mod http;
mod walk;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

// Notification delivery reads a receiver's Retry-After the way a feed's is read.
pub use body::retry_after;
pub use discover::{Identity, PostsUrl, Source};
pub use error::{Failure, FetchError, RedirectProblem};
pub use http::{Client, RequestEvent};
pub use walk::{Page, Walk};

/// The fields of each post that the archive keeps; the rest is not requested.
pub const FIELDS: &str =
    "id,date,date_gmt,modified,modified_gmt,slug,status,type,link,title,content,excerpt";

/// Tunables of the client; `Default` is right for production, tests shrink the times.
#[derive(Debug, Clone)]
pub struct Config {
    /// Sent as `User-Agent` on every request.
    pub user_agent: String,
    /// How long to wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// How long one try of a request may take, from sending it to the end of
    /// its body (redirect hops included); a body still arriving then is dropped.
    pub read_timeout: Duration,
    /// Largest response body accepted, counted after gzip decoding.
    pub max_response_bytes: u64,
    /// Tries per request, the first included, before giving up.
    pub max_tries: u32,
    /// Wait before the first retry; doubled at each further retry, with jitter.
    pub backoff_base: Duration,
    /// Longest wait between two tries when the server names none.
    pub backoff_max: Duration,
    /// Longest `Retry-After` honoured; a longer one is cut to this.
    pub retry_after_cap: Duration,
    /// Redirects followed per request, all within one host.
    pub max_redirects: usize,
    /// Posts per page, 1–100 (WordPress's own bounds).
    pub per_page: u32,
    /// How far behind the server's clock a committed mark stays (see module docs).
    pub settle: Duration,
    /// Whether `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` are honoured.
    pub env_proxy: bool,
    /// How often a tie group is re-walked when it changes during its walk.
    pub max_tie_passes: u32,
    /// How long the client may be used, from its creation: past it no new
    /// request or retry starts ([`FetchError::TimeLimit`]); `None` is no limit.
    pub max_time: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            user_agent: format!(
                "healthfeed/{} (+https://github.com/healthfeed/healthfeed)",
                env!("CARGO_PKG_VERSION")
            ),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            max_response_bytes: 32 * 1024 * 1024,
            max_tries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(60),
            max_redirects: 5,
            per_page: 100,
            settle: Duration::from_secs(30),
            env_proxy: true,
            max_tie_passes: 3,
            max_time: None,
        }
    }
}

/// Where an incremental walk starts: posts modified strictly after this time.
///
/// The store keeps it per source as text (`Display` / `FromStr`): an empty
/// string is the start of the feed, otherwise an RFC 3339 UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    /// Posts modified after this (exclusive) are wanted; `None` means all posts.
    pub modified_after: Option<DateTime<Utc>>,
}

impl Cursor {
    /// The start of the feed: a full walk.
    pub fn start() -> Self {
        Cursor::default()
    }

    /// A first walk bounded below: posts modified at or after `time`.
    pub fn since(time: DateTime<Utc>) -> Self {
        // WordPress compares whole seconds strictly, so "at or after t" is
        // "after the second before t" (or after t's own second when t has a fraction).
        let floor = time.duration_trunc(TimeDelta::seconds(1)).unwrap_or(time);
        let after = if floor == time {
            time - TimeDelta::seconds(1)
        } else {
            floor
        };
        Cursor {
            modified_after: Some(after),
        }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.modified_after {
            None => Ok(()),
            Some(t) => f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        }
    }
}

/// A stored cursor that is neither empty nor an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad sync cursor {text:?}: expected an RFC 3339 time such as 2023-03-29T19:00:43Z, or nothing"
)]
pub struct BadCursor {
    /// The text that was read.
    pub text: String,
}

impl FromStr for Cursor {
    type Err = BadCursor;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Cursor::start());
        }
        DateTime::parse_from_rfc3339(text)
            .map(|t| Cursor {
                modified_after: Some(t.with_timezone(&Utc)),
            })
            .map_err(|_| BadCursor { text: text.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn cursor_round_trips_as_text() {
        let c = Cursor {
            modified_after: Some(t("2023-03-29T19:00:43Z")),
        };
        assert_eq!(c.to_string(), "2023-03-29T19:00:43Z");
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        assert_eq!(Cursor::start().to_string(), "");
        assert_eq!("".parse::<Cursor>().unwrap(), Cursor::start());
        assert_eq!(
            "2023-03-30T04:00:43+09:00".parse::<Cursor>().unwrap(),
            c,
            "offsets are read and turned into UTC"
        );
        assert!("yesterday".parse::<Cursor>().is_err());
    }

    #[test]
    fn since_includes_its_own_second() {
        assert_eq!(
            Cursor::since(t("2024-01-01T00:00:00Z")).modified_after,
            Some(t("2023-12-31T23:59:59Z"))
        );
        assert_eq!(
            Cursor::since(t("2024-01-01T00:00:00.5Z")).modified_after,
            Some(t("2024-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn default_user_agent_names_the_version_and_project() {
        let ua = Config::default().user_agent;
        assert!(ua.starts_with("healthfeed/0."), "{ua}");
        assert!(
            ua.ends_with("(+https://github.com/healthfeed/healthfeed)"),
            "{ua}"
        );
    }
}
