//! The incremental walk over a posts route, as an iterator of pages.
//!
//! The design (keyset paging on modified time, tie groups paged by id) and why
//! it is needed are in the [`fetch`](super) module docs. Each page carries the
//! cursor that is safe to commit together with it, so an interrupted walk
//! resumes after the last committed page.

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
}

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
                } => self.ties(at, page, group, pass),
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
        if !is_full(total, posts.raw.len(), self.per_page) {
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
        self.state = State::Ties {
            at: newest,
            page: 1,
            group: None,
            pass: 1,
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
    ) -> Result<Option<Page>, FetchError> {
        let url = self.ties_url(at, page);
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
            if pass >= self.client.config.max_tie_passes.max(1) {
                return Err(FetchError::Unstable {
                    url: url_text,
                    at: at.to_rfc3339(),
                    passes: pass,
                });
            }
            self.state = State::Ties {
                at,
                page: 1,
                group: None,
                pass: pass + 1,
            };
            return Ok(self.page(posts, self.committed, date, url_text));
        }
        let last = past_end
            || match total_pages {
                Some(pages) => page >= pages,
                None => posts.raw.len() < self.per_page as usize,
            };
        if last {
            self.pos = Some(at);
            self.state = State::Keyset;
            return Ok(self.page(posts, self.pos, date, url_text));
        }
        self.state = State::Ties {
            at,
            page: page + 1,
            group,
            pass,
        };
        Ok(self.page(posts, self.committed, date, url_text))
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
            // Hold the mark back from the server's present: a post saved in the
            // last moments may not be visible yet although its time is older.
            let horizon = server_now.unwrap_or_else(Utc::now)
                - TimeDelta::from_std(self.client.config.settle).unwrap_or(TimeDelta::zero());
            let safe = candidate.min(horizon);
            if self.committed.is_none_or(|c| safe > c) {
                self.committed = Some(safe);
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
    len >= per_page as usize || total.is_some_and(|total| total > len as u64)
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
    fn posts_without_id_or_time_have_no_modified() {
        assert!(modified(r#"{"id":1,"modified_gmt":"2023-03-29T19:00:43"}"#).is_some());
        assert!(modified(r#"{"modified_gmt":"2023-03-29T19:00:43"}"#).is_none());
        assert!(modified(r#"{"id":1}"#).is_none());
        assert!(modified("[]").is_none());
    }
}
