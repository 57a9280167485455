//! The incremental walk over a posts route, as an iterator of pages.
//!
//! The design (keyset paging on modified time, tie groups paged by id) and why
//! it is needed are in the [`fetch`](super) module docs. Each page carries the
//! cursor that is safe to commit together with it, so an interrupted walk
//! resumes after the last committed page.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::Url;

use super::discover::PostsUrl;
use super::error::FetchError;
use super::http::{Client, Mode, Reply};
use super::{Cursor, FIELDS};
use crate::model::{Post, PostShapeError};

/// One answer of the walk: posts to store, and the cursor to commit with them.
#[derive(Debug, Clone)]
pub struct Page {
    /// Each post's exact JSON text as the server sent it. A post may come
    /// again in a later page (the store dedupes); one without a numeric `id`
    /// or a `modified_gmt` is delivered too, for the store to record as a reject.
    pub posts: Vec<Box<str>>,
    /// Each post of `posts`, in the same order, as the walk decoded it to read
    /// its modified time: handed on so that no one decodes it again.
    pub decoded: Vec<Result<Post, PostShapeError>>,
    /// The cursor that is safe to commit once these posts (and all earlier pages) are stored.
    pub cursor_after: Cursor,
    /// `X-WP-Total` of the walk's first answer: posts modified after the starting cursor.
    pub total: Option<u64>,
    /// The URL that answered with this page.
    pub url: String,
}

/// Where the walk stands between requests.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Asking for the first page after `pos`.
    Keyset,
    /// Paging through the posts modified exactly at `at`, by id.
    Ties {
        at: DateTime<Utc>,
        page: u64,
        /// `X-WP-Total` of this pass's first page.
        group: Option<u64>,
        pass: u32,
        /// Whether the page before held fewer posts than asked for.
        after_short: bool,
    },
    Done,
}

/// The walk from a cursor to the newest post; see [`Client::walk`].
#[derive(Debug)]
pub struct Walk<'c> {
    client: &'c Client,
    base: PostsUrl,
    per_page: u32,
    /// Posts modified after this are still to come (the query's mark).
    pos: Option<DateTime<Utc>>,
    /// The cursor last handed out; never moves back.
    committed: Option<DateTime<Utc>>,
    total: Option<u64>,
    state: State,
    /// Ids of the last keyset page: a short page bringing none but these is the end.
    last_keyset: BTreeSet<u64>,
    /// Ids received in the current pass over a tie group.
    tie_seen: BTreeSet<u64>,
    /// Ids received in the previous pass over the same tie group.
    tie_previous: Option<BTreeSet<u64>>,
    /// Requests since the mark last advanced (see [`MAX_REQUESTS_WITHOUT_PROGRESS`]).
    stalled: u32,
    /// Whether an unbelievable server clock was already noted in the request log.
    clock_noted: bool,
}

/// Requests a walk makes without its mark advancing before it gives up: a
/// tie group of 100,000 posts at 100 a page, walked three times, stays below.
const MAX_REQUESTS_WITHOUT_PROGRESS: u32 = 5_000;

impl Client {
    /// Walks the posts modified after `cursor`, oldest first, one page per item.
    ///
    /// The iterator ends after the newest post, or after the first error (the
    /// pages before it stay valid: commit each page's cursor as it is stored).
    /// With nothing new it makes one request and yields nothing.
    pub fn walk(&self, posts: &PostsUrl, cursor: Cursor) -> Walk<'_> {
        Walk {
            client: self,
            base: posts.clone(),
            per_page: self.config.per_page.clamp(1, 100),
            pos: cursor.modified_after,
            committed: cursor.modified_after,
            total: None,
            state: State::Keyset,
            last_keyset: BTreeSet::new(),
            tie_seen: BTreeSet::new(),
            tie_previous: None,
            stalled: 0,
            clock_noted: false,
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = Result<Page, FetchError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let step = match self.state {
                State::Done => return None,
                State::Keyset => self.keyset(),
                State::Ties {
                    at,
                    page,
                    group,
                    pass,
                    after_short,
                } => self.ties(at, page, group, pass, after_short),
            };
            match step {
                Err(e) => {
                    self.state = State::Done;
                    return Some(Err(e));
                }
                Ok(Some(page)) => return Some(Ok(page)),
                // An empty answer that moved nothing: ask the next question, or end.
                Ok(None) => continue,
            }
        }
    }
}

impl Walk<'_> {
    /// One request for the first page after `pos`.
    fn keyset(&mut self) -> Result<Option<Page>, FetchError> {
        let url = self.keyset_url();
        self.count_request(&url, None)?;
        let Reply {
            url,
            total,
            date,
            posts,
            ..
        } = self.client.get_posts(&url, Mode::Walk)?;
        if self.total.is_none() {
            self.total = total;
        }
        let url_text = url.to_string();
        let posts = Posts::decode(posts.unwrap_or_default());
        let times: Vec<DateTime<Utc>> = posts.decoded.iter().filter_map(modified).collect();
        if !ascending(&times) {
            return Err(FetchError::IgnoredFilter {
                url: url_text,
                param: "orderby=modified&order=asc",
            });
        }
        if let Some(pos) = self.pos
            && times.iter().any(|&t| t <= pos)
        {
            return Err(FetchError::IgnoredFilter {
                url: url_text,
                param: "modified_after",
            });
        }
        let newest = times.iter().copied().max();
        let ids = posts.ids();
        // A short page is "full" only by the server's count (a server capping
        // per_page); one that brings no post the last page did not is the end,
        // whatever the count says: an inflated X-WP-Total must not keep the walk going.
        let nothing_new = ids.is_subset(&self.last_keyset);
        let short = posts.raw.len() < self.per_page as usize;
        self.last_keyset = ids;
        if !is_full(total, posts.raw.len(), self.per_page) || (short && nothing_new) {
            // Everything after the mark is in this page.
            self.state = State::Done;
            if newest.is_some() {
                self.pos = newest;
            }
            return Ok(self.page(posts, self.pos, date, url_text));
        }
        let Some(newest) = newest else {
            return Err(FetchError::NoProgress { url: url_text });
        };
        if times.iter().any(|&t| t < newest) {
            // Sorted ascending and ending at `newest`: every post older than it is here.
            let next = newest - TimeDelta::seconds(1);
            if self.pos.is_some_and(|pos| next <= pos) {
                return Err(FetchError::NoProgress { url: url_text });
            }
            self.pos = Some(next);
            return Ok(self.page(posts, self.pos, date, url_text));
        }
        // A whole page at one second: page that second by id.
        self.tie_seen.clear();
        self.tie_previous = None;
        self.state = State::Ties {
            at: newest,
            page: 1,
            group: None,
            pass: 1,
            after_short: false,
        };
        Ok(self.page(posts, self.committed, date, url_text))
    }

    /// One page of the tie group at `at`, ordered by id.
    fn ties(
        &mut self,
        at: DateTime<Utc>,
        page: u64,
        group: Option<u64>,
        pass: u32,
        after_short: bool,
    ) -> Result<Option<Page>, FetchError> {
        let url = self.ties_url(at, page);
        self.count_request(&url, Some(at))?;
        let Reply {
            url,
            total,
            total_pages,
            date,
            posts,
        } = self.client.get_posts(&url, Mode::Walk)?;
        let url_text = url.to_string();
        let past_end = posts.is_none();
        let posts = Posts::decode(posts.unwrap_or_default());
        if posts.decoded.iter().filter_map(modified).any(|t| t != at) {
            return Err(FetchError::IgnoredFilter {
                url: url_text,
                param: "modified_after or modified_before",
            });
        }
        let group = group.or(total);
        if !past_end && total.is_some() && total != group {
            // The group changed under us: offsets shifted, so walk it again.
            return self.again(at, pass, posts, date, url_text);
        }
        // Progress is judged from the posts received, never from the server's
        // counts: a page must bring a post this pass has not seen.
        let len = posts.raw.len();
        let fresh = posts
            .ids()
            .into_iter()
            .filter(|&id| self.tie_seen.insert(id))
            .count();
        if len > 0 && fresh == 0 {
            return Err(FetchError::RepeatedPage {
                url: url_text,
                page,
            });
        }
        let received = self.tie_seen.len() as u64;
        let short = len < self.per_page as usize;
        // A short page followed by an empty one ends the group as WordPress
        // pages it, whatever the count says: an inflated X-WP-Total must not
        // fail the walk. (A short page is followed at all only because a
        // server capping per_page sends short pages and a count.)
        let promised = group
            .filter(|&g| g > received)
            .filter(|_| !(after_short && len == 0));
        let ended = past_end
            || len == 0
            || (short && promised.is_none())
            || (group.is_some()
                && promised.is_none()
                && total_pages.is_some_and(|pages| page >= pages));
        if !ended {
            self.state = State::Ties {
                at,
                page: page + 1,
                group,
                pass,
                after_short: short,
            };
            return Ok(self.page(posts, self.committed, date, url_text));
        }
        if let Some(promised) = promised {
            // The pages ended before the count. WordPress answers a page past
            // the end of a group that shrank (a post edited out of it) this way,
            // so walk it again; the same posts twice, or an empty page with the
            // count unchanged, is the server's doing.
            let same_again = self.tie_previous.as_ref() == Some(&self.tie_seen);
            if !past_end || same_again {
                return Err(FetchError::Shortfall {
                    url: url_text,
                    at: at.to_rfc3339(),
                    promised,
                    received,
                });
            }
            return self.again(at, pass, posts, date, url_text);
        }
        self.pos = Some(at);
        self.state = State::Keyset;
        Ok(self.page(posts, self.pos, date, url_text))
    }

    /// Starts another pass over the tie group at `at`, or fails when passes run out.
    fn again(
        &mut self,
        at: DateTime<Utc>,
        pass: u32,
        posts: Posts,
        date: Option<DateTime<Utc>>,
        url: String,
    ) -> Result<Option<Page>, FetchError> {
        if pass >= self.client.config.max_tie_passes.max(1) {
            return Err(FetchError::Unstable {
                url,
                at: at.to_rfc3339(),
                passes: pass,
            });
        }
        self.tie_previous = Some(std::mem::take(&mut self.tie_seen));
        self.state = State::Ties {
            at,
            page: 1,
            group: None,
            pass: pass + 1,
            after_short: false,
        };
        Ok(self.page(posts, self.committed, date, url))
    }

    /// Counts a request against the cap on requests that do not advance the mark.
    fn count_request(&mut self, url: &Url, at: Option<DateTime<Utc>>) -> Result<(), FetchError> {
        self.stalled += 1;
        if self.stalled > MAX_REQUESTS_WITHOUT_PROGRESS {
            return Err(FetchError::Endless {
                url: url.to_string(),
                at: at.map(|t| t.to_rfc3339()),
                requests: MAX_REQUESTS_WITHOUT_PROGRESS,
            });
        }
        Ok(())
    }

    /// A page to hand out with the cursor safe to commit after it, or `None`
    /// when it has no posts and moves no cursor.
    fn page(
        &mut self,
        posts: Posts,
        candidate: Option<DateTime<Utc>>,
        server_now: Option<DateTime<Utc>>,
        url: String,
    ) -> Option<Page> {
        let before = self.committed;
        if let Some(candidate) = candidate {
            let newest = posts.decoded.iter().filter_map(modified).max();
            let local = Utc::now();
            let present = match believed(server_now, newest, local) {
                Ok(present) => present,
                Err(why) => {
                    if !self.clock_noted {
                        self.clock_noted = true;
                        self.client.note(&format!(
                            "{url}: the server's clock ({}) is {why}: the sync mark follows this machine's clock instead",
                            server_now.map_or_else(|| "none".to_owned(), |t| t.to_rfc3339())
                        ));
                    }
                    local
                }
            };
            // Hold the mark back from the present: a post saved in the last
            // moments may not be visible yet although its time is older. A
            // post dated ahead never takes the mark past the present either.
            let horizon = present
                - TimeDelta::from_std(self.client.config.settle).unwrap_or(TimeDelta::zero());
            let safe = candidate.min(horizon);
            if self.committed.is_none_or(|c| safe > c) {
                self.committed = Some(safe);
            }
            if candidate > before.unwrap_or(DateTime::<Utc>::MIN_UTC) {
                self.stalled = 0;
            }
        }
        if posts.raw.is_empty() && self.committed == before {
            return None;
        }
        Some(Page {
            posts: posts.raw,
            decoded: posts.decoded,
            cursor_after: Cursor {
                modified_after: self.committed,
            },
            total: self.total,
            url,
        })
    }

    fn keyset_url(&self) -> Url {
        let mut pairs = vec![
            ("per_page", self.per_page.to_string()),
            ("orderby", "modified".into()),
            ("order", "asc".into()),
            ("_fields", FIELDS.into()),
        ];
        if let Some(pos) = self.pos {
            pairs.push(("modified_after", wp_time(pos)));
        }
        with_query(self.base.url(), &pairs)
    }

    fn ties_url(&self, at: DateTime<Utc>, page: u64) -> Url {
        let second = TimeDelta::seconds(1);
        with_query(
            self.base.url(),
            &[
                ("per_page", self.per_page.to_string()),
                ("orderby", "id".into()),
                ("order", "asc".into()),
                ("_fields", FIELDS.into()),
                ("modified_after", wp_time(at - second)),
                ("modified_before", wp_time(at + second)),
                ("page", page.to_string()),
            ],
        )
    }
}

/// How far the server's clock may stray before it is no longer believed.
const CLOCK_SKEW: TimeDelta = TimeDelta::hours(1);

/// The server's present (its `Date`), when it can be believed; otherwise why not.
///
/// A clock ahead of ours would let one post dated ahead carry the mark into
/// the future, where every later walk finds nothing; a clock far behind would
/// hold the mark back forever. A clock behind ours but not behind its own posts
/// is consistent (a site in a test, or one whose clock drifted) and is kept:
/// settling is about the server's own commit order.
fn believed(
    server: Option<DateTime<Utc>>,
    newest: Option<DateTime<Utc>>,
    local: DateTime<Utc>,
) -> Result<DateTime<Utc>, &'static str> {
    let Some(server) = server else {
        return Ok(local);
    };
    if server > local + CLOCK_SKEW {
        return Err("more than an hour ahead of this machine's");
    }
    if server < local - CLOCK_SKEW && newest.is_some_and(|n| n > server + CLOCK_SKEW) {
        return Err("more than an hour behind this machine's and behind its own posts");
    }
    Ok(server)
}

/// `base` with `pairs` appended to its query. Values are ours and plain
/// (digits, letters, `,:-_`), so only `+` needs escaping: unescaped, a query
/// string reads it as a space. Commas and colons stay readable in `-v` logs.
fn with_query(base: &Url, pairs: &[(&str, String)]) -> Url {
    let mut query: Vec<String> = base.query().map(str::to_owned).into_iter().collect();
    query.extend(
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B"))),
    );
    let mut url = base.clone();
    url.set_query(Some(&query.join("&")));
    url
}

/// Whether a page came sorted by modified time, oldest first, as asked. The
/// server sorts by its local time, so an hour of slack lets a daylight-saving
/// autumn hour through; a server that ignores `orderby` is caught.
fn ascending(times: &[DateTime<Utc>]) -> bool {
    let slack = TimeDelta::hours(1);
    let mut newest = None;
    for &t in times {
        if newest.is_some_and(|n| t + slack < n) {
            return false;
        }
        newest = newest.max(Some(t));
    }
    true
}

/// Whether more posts than this page may follow its mark.
fn is_full(total: Option<u64>, len: usize, per_page: u32) -> bool {
    // A server that caps per_page lower than asked still reports the total.
    // An empty page is the end whatever the count says: nothing follows the mark.
    len > 0 && (len >= per_page as usize || total.is_some_and(|total| total > len as u64))
}

/// A page's posts as received, each beside its decoding.
struct Posts {
    raw: Vec<Box<str>>,
    decoded: Vec<Result<Post, PostShapeError>>,
}

impl Posts {
    fn decode(raw: Vec<Box<str>>) -> Self {
        let decoded = raw.iter().map(|p| Post::from_json(p)).collect();
        Posts { raw, decoded }
    }

    /// The ids of the posts that have one.
    fn ids(&self) -> BTreeSet<u64> {
        self.decoded
            .iter()
            .filter_map(|p| p.as_ref().ok().map(|p| p.meta.id))
            .collect()
    }
}

/// A post's modified time, read as the store reads it; `None` if it has no id or time.
fn modified(post: &Result<Post, PostShapeError>) -> Option<DateTime<Utc>> {
    post.as_ref().ok()?.meta.modified_gmt
}

/// A time as WordPress reads it: whole seconds with an explicit UTC offset
/// (without one, WordPress would take the site's own time zone).
fn wp_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_an_explicit_offset_that_survives_the_query_string() {
        let t: DateTime<Utc> = "2023-03-29T19:00:43Z".parse().unwrap();
        assert_eq!(wp_time(t), "2023-03-29T19:00:43+00:00");
        let posts = PostsUrl::parse("http://127.0.0.1:1/wp-json/wp/v2/posts").unwrap();
        let client = Client::new(super::super::Config {
            env_proxy: false,
            ..Default::default()
        })
        .unwrap();
        let walk = client.walk(
            &posts,
            Cursor {
                modified_after: Some(t),
            },
        );
        let url = walk.keyset_url();
        assert!(
            url.as_str()
                .ends_with("&modified_after=2023-03-29T19:00:43%2B00:00"),
            "{url}"
        );
        let ties = walk.ties_url(t, 2).to_string();
        assert!(ties.contains("orderby=id&order=asc"), "{ties}");
        assert!(
            ties.contains("modified_after=2023-03-29T19:00:42%2B00:00"),
            "{ties}"
        );
        assert!(
            ties.contains("modified_before=2023-03-29T19:00:44%2B00:00"),
            "{ties}"
        );
        assert!(ties.ends_with("&page=2"), "{ties}");
    }

    #[test]
    fn pages_out_of_order_are_caught_with_an_hour_of_slack() {
        let t = |s: i64| DateTime::from_timestamp(1_680_000_000 + s, 0).unwrap();
        assert!(ascending(&[t(0), t(0), t(5), t(9)]));
        assert!(
            ascending(&[t(0), t(3600), t(1), t(7200)]),
            "a repeated DST hour"
        );
        assert!(
            !ascending(&[t(90_000), t(50_000), t(10_000)]),
            "newest first"
        );
        assert!(ascending(&[]));
    }

    fn modified(raw: &str) -> Option<DateTime<Utc>> {
        super::modified(&Post::from_json(raw))
    }

    #[test]
    fn the_servers_clock_is_believed_only_near_ours_or_its_own_posts() {
        let local = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let h = TimeDelta::hours;
        assert_eq!(believed(Some(local - h(0)), None, local), Ok(local));
        assert_eq!(
            believed(Some(local + TimeDelta::minutes(59)), None, local),
            Ok(local + TimeDelta::minutes(59))
        );
        assert!(believed(Some(local + h(2)), None, local).is_err(), "ahead");
        assert_eq!(believed(None, None, local), Ok(local), "no Date: ours");
        let old = local - h(24 * 365 * 3);
        assert_eq!(
            believed(Some(old), Some(old - h(1)), local),
            Ok(old),
            "behind ours but not behind its posts"
        );
        assert!(
            believed(Some(DateTime::UNIX_EPOCH), Some(local - h(5)), local).is_err(),
            "1970 with posts of today"
        );
    }

    #[test]
    fn an_empty_page_is_never_full() {
        assert!(!is_full(Some(1_000), 0, 20));
        assert!(is_full(Some(1_000), 5, 20), "a server capping per_page");
        assert!(is_full(None, 20, 20));
        assert!(!is_full(Some(5), 5, 20));
    }

    #[test]
    fn posts_without_id_or_time_have_no_modified() {
        assert!(modified(r#"{"id":1,"modified_gmt":"2023-03-29T19:00:43"}"#).is_some());
        assert!(modified(r#"{"modified_gmt":"2023-03-29T19:00:43"}"#).is_none());
        assert!(modified(r#"{"id":1}"#).is_none());
        assert!(modified("[]").is_none());
    }
}
