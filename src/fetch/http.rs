//! One GET of a posts URL, made to hold up on a real network: timeouts, a size
//! cap, redirects kept within one host, and retries with backoff for whatever
//! is likely to pass (timeouts, broken connections, 429, 5xx, and a 200 that
//! is not the JSON WordPress sends).
//!
//! Redirects are followed here rather than by reqwest so that every hop can be
//! checked (same host, no loop) and reported to the observer like any request.

use std::time::{Duration, Instant};
use std::{fmt, thread};

use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::blocking::Response;
use reqwest::header::{self, HeaderMap};

use super::Config;
use super::body::{
    Capped, Deadline, Shape, http_date, number, post_list, read_capped, read_some, retry_after,
    snippet, wp_error,
};
use super::error::{Failure, FetchError, RedirectProblem, status_text};
use crate::describe::{count, describe};

/// Largest error body read for its WordPress `{code, message}`.
const ERROR_BODY_CAP: u64 = 64 * 1024;

/// One HTTP exchange, reported to the observer (the CLI prints these for `-v`).
#[derive(Debug, Clone, Copy)]
pub struct RequestEvent<'a> {
    /// The URL requested (one redirect hop is one event).
    pub url: &'a Url,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// What went wrong with this exchange, if anything.
    pub error: Option<&'a str>,
    /// Body bytes read (after gzip decoding).
    pub bytes: u64,
    /// From sending the request to the end of its body.
    pub elapsed: Duration,
    /// 0 for a first try, then 1, 2… for retries of the same request.
    pub retry: u32,
}

impl fmt::Display for RequestEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GET {} → ", self.url)?;
        match self.status {
            Some(s) => f.write_str(&status_text(s))?,
            None => f.write_str("no answer")?,
        }
        write!(
            f,
            ", {}, {} ms",
            count(self.bytes, "byte", "bytes"),
            self.elapsed.as_millis()
        )?;
        if self.retry > 0 {
            write!(f, ", retry {}", self.retry)?;
        }
        if let Some(e) = self.error {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

type Observer = Box<dyn Fn(&RequestEvent<'_>) + Send + Sync>;
type Notes = Box<dyn Fn(&str) + Send + Sync>;

/// The WordPress REST client: one per run, reused for every request (it pools connections).
pub struct Client {
    pub(super) http: reqwest::blocking::Client,
    pub(super) config: Config,
    observer: Option<Observer>,
    notes: Option<Notes>,
    /// When `Config::max_time` runs out.
    deadline: Option<Instant>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("observer", &self.observer.is_some())
            .field("notes", &self.notes.is_some())
            .finish()
    }
}

/// A successful answer to a posts request.
#[derive(Debug)]
pub(super) struct Reply {
    /// The URL that answered, after redirects.
    pub url: Url,
    /// `X-WP-Total`.
    pub total: Option<u64>,
    /// `X-WP-TotalPages`.
    pub total_pages: Option<u64>,
    /// The server's clock (`Date`).
    pub date: Option<DateTime<Utc>>,
    /// The posts, or `None` for WordPress's "page past the end" (400 `rest_post_invalid_page_number`).
    pub posts: Option<Vec<Box<str>>>,
}

/// How one try ended when it did not succeed.
enum Tried {
    /// Worth another try, after `retry_after` if the server named a wait.
    Again(Failure, Option<Duration>),
    /// Final: trying again would get the same answer.
    Final(FetchError),
}

/// Whether a 2xx answer that is not a post list is retried (a walk) or final (probing a route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Walk,
    Probe,
}

impl Client {
    /// Builds a client from `config`. Fails only when TLS or proxy settings cannot be loaded.
    pub fn new(config: Config) -> Result<Self, FetchError> {
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            // In the blocking client this bounds the wait for the headers and
            // each body read; each try sets its own, and the body reader below
            // holds the whole answer to it.
            .timeout(config.read_timeout)
            .gzip(true)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false);
        if !config.env_proxy {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| FetchError::Setup {
            reason: describe(&e),
        })?;
        Ok(Client {
            http,
            observer: None,
            notes: None,
            deadline: config.max_time.and_then(|t| Instant::now().checked_add(t)),
            config,
        })
    }

    /// Calls `observer` after every HTTP exchange (each try and each redirect hop).
    pub fn observe(mut self, observer: impl Fn(&RequestEvent<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// Calls `notes` with what the walk noticed and worked around (a server
    /// clock not believed): lines for the request log.
    pub fn observe_notes(mut self, notes: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.notes = Some(Box::new(notes));
        self
    }

    /// Tells the notes observer, if any.
    pub(super) fn note(&self, text: &str) {
        if let Some(notes) = &self.notes {
            notes(text);
        }
    }

    /// The settings this client runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// GETs a posts URL, retrying what may pass, and returns its posts.
    pub(super) fn get_posts(&self, url: &Url, mode: Mode) -> Result<Reply, FetchError> {
        let tries = self.config.max_tries.max(1);
        let mut retry = 0;
        loop {
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(FetchError::TimeLimit {
                    url: url.to_string(),
                    limit: self.config.max_time.unwrap_or_default(),
                });
            }
            match self.try_once(url, retry, mode) {
                Ok(reply) => return Ok(reply),
                Err(Tried::Final(e)) => return Err(e),
                Err(Tried::Again(last, retry_after)) => {
                    retry += 1;
                    if retry >= tries {
                        return Err(FetchError::GaveUp {
                            url: url.to_string(),
                            tries,
                            last,
                        });
                    }
                    let mut wait = self.wait(retry, retry_after);
                    if let Some(deadline) = self.deadline {
                        wait = wait.min(deadline.saturating_duration_since(Instant::now()));
                    }
                    thread::sleep(wait);
                }
            }
        }
    }

    /// How long to wait before retry number `retry` (1-based).
    fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.config.retry_after_cap);
        }
        let doubling = 1u32 << retry.saturating_sub(1).min(20);
        let full = self
            .config
            .backoff_base
            .saturating_mul(doubling)
            .min(self.config.backoff_max);
        // "Equal jitter": at least half the wait, so clients spread out but still back off.
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }

    fn try_once(&self, url: &Url, retry: u32, mode: Mode) -> Result<Reply, Tried> {
        let mut current = url.clone();
        let mut visited = vec![url.clone()];
        // The whole try, redirect hops and body included, ends by this time.
        let deadline = Instant::now() + self.config.read_timeout;
        loop {
            let started = Instant::now();
            let left = deadline.saturating_duration_since(started);
            let sent = self
                .http
                .get(current.clone())
                .header(header::ACCEPT, "application/json")
                .timeout(left.max(Duration::from_millis(1)))
                .send();
            let mut response = match sent {
                Ok(r) => r,
                Err(e) => {
                    let failure = transport_failure(e);
                    self.emit(
                        &current,
                        None,
                        Some(&failure.to_string()),
                        0,
                        started,
                        retry,
                    );
                    return Err(Tried::Again(failure, None));
                }
            };
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                self.emit(&current, Some(status), None, 0, started, retry);
                let next = self
                    .redirect_target(url, &current, status, response.headers(), &visited)
                    .map_err(Tried::Final)?;
                visited.push(next.clone());
                current = next;
                continue;
            }
            // A posts URL that redirects to something not JSON is not a posts
            // route (plain permalinks send it to the home page): no use retrying.
            let redirected = visited.len() > 1;
            let mode = if redirected { Mode::Probe } else { mode };
            let outcome = self.answer(url, &current, &mut response, status, mode, deadline);
            let (bytes, result) = match outcome {
                Ok((bytes, posts)) => (bytes, Ok(posts)),
                Err((bytes, e)) => (bytes, Err(e)),
            };
            let note = match &result {
                Ok(_) => None,
                Err(Tried::Again(f, _)) => Some(f.to_string()),
                Err(Tried::Final(e)) => Some(e.to_string()),
            };
            self.emit(
                &current,
                Some(status),
                note.as_deref(),
                bytes,
                started,
                retry,
            );
            let posts = result?;
            let headers = response.headers();
            return Ok(Reply {
                url: current,
                total: number(headers, "x-wp-total"),
                total_pages: number(headers, "x-wp-totalpages"),
                date: headers
                    .get(header::DATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(http_date),
                posts,
            });
        }
    }

    /// Reads and judges a non-redirect answer: posts, past-the-end, or why not.
    #[allow(clippy::type_complexity)]
    fn answer(
        &self,
        url: &Url,
        current: &Url,
        response: &mut Response,
        status: u16,
        mode: Mode,
        deadline: Instant,
    ) -> Result<(u64, Option<Vec<Box<str>>>), (u64, Tried)> {
        let limit = self.config.read_timeout;
        let mut response = Deadline {
            inner: response,
            deadline,
            limit,
        };
        let response = &mut response;
        let retry_after = response
            .inner
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, Utc::now()));
        let content_type = response
            .inner
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type")
            .to_owned();
        if !(200..300).contains(&status) {
            let body = read_some(response, ERROR_BODY_CAP);
            let bytes = body.len() as u64;
            let tried = match status {
                429 | 500..=599 => Tried::Again(Failure::Status { status }, retry_after),
                _ => {
                    let (code, message) = wp_error(&body);
                    if status == 400 && code.as_deref() == Some("rest_post_invalid_page_number") {
                        return Ok((bytes, None));
                    }
                    Tried::Final(FetchError::Rejected {
                        url: url.to_string(),
                        status,
                        code,
                        message,
                    })
                }
            };
            return Err((bytes, tried));
        }
        let body = match read_capped(response, self.config.max_response_bytes) {
            Ok(body) => body,
            Err(Capped::TooLarge { read, declared }) => {
                return Err((
                    read,
                    Tried::Final(FetchError::TooLarge {
                        url: url.to_string(),
                        status,
                        limit: self.config.max_response_bytes,
                        declared,
                    }),
                ));
            }
            Err(Capped::Broken { read, detail }) => {
                return Err((read, Tried::Again(Failure::Body { status, detail }, None)));
            }
        };
        let bytes = body.len() as u64;
        match post_list(&body) {
            Ok(posts) => Ok((bytes, Some(posts))),
            Err(Shape::NotJson) if mode == Mode::Walk => Err((
                bytes,
                Tried::Again(
                    Failure::NotJson {
                        status,
                        content_type,
                        start: snippet(&body),
                    },
                    retry_after,
                ),
            )),
            Err(shape) => {
                let mut what = match shape {
                    Shape::NotJson => format!("{content_type} starting {:?}", snippet(&body)),
                    Shape::NotList => format!("JSON starting {:?}", snippet(&body)),
                };
                if current != url {
                    what.push_str(&format!(", after a redirect to {current}"));
                }
                Err((
                    bytes,
                    Tried::Final(FetchError::NotPostList {
                        url: url.to_string(),
                        status,
                        what,
                    }),
                ))
            }
        }
    }

    /// Where a redirect leads, if healthfeed will follow it.
    fn redirect_target(
        &self,
        url: &Url,
        from: &Url,
        status: u16,
        headers: &HeaderMap,
        visited: &[Url],
    ) -> Result<Url, FetchError> {
        let location = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let refuse = |location: String, problem| FetchError::Redirect {
            url: url.to_string(),
            status,
            location,
            problem,
        };
        let Ok(to) = from.join(location) else {
            return Err(refuse(location.into(), RedirectProblem::BadLocation));
        };
        if location.is_empty() {
            return Err(refuse(location.into(), RedirectProblem::BadLocation));
        }
        if !same_site(from, &to) {
            return Err(refuse(to.to_string(), RedirectProblem::OtherHost));
        }
        if visited.contains(&to) {
            return Err(refuse(to.to_string(), RedirectProblem::Loop));
        }
        if visited.len() > self.config.max_redirects {
            return Err(refuse(to.to_string(), RedirectProblem::TooMany));
        }
        Ok(to)
    }

    pub(super) fn emit(
        &self,
        url: &Url,
        status: Option<u16>,
        error: Option<&str>,
        bytes: u64,
        started: Instant,
        retry: u32,
    ) {
        if let Some(observer) = &self.observer {
            observer(&RequestEvent {
                url,
                status,
                error,
                bytes,
                elapsed: started.elapsed(),
                retry,
            });
        }
    }
}

/// Same host and port, or the same host moving from http to https on default ports.
fn same_site(from: &Url, to: &Url) -> bool {
    if from.host_str() != to.host_str() {
        return false;
    }
    match (from.scheme(), to.scheme()) {
        (a, b) if a == b => from.port_or_known_default() == to.port_or_known_default(),
        ("http", "https") => from.port().is_none() && to.port().is_none(),
        _ => false,
    }
}

fn transport_failure(e: reqwest::Error) -> Failure {
    // The URL is already in every message; reqwest would repeat it.
    let e = e.without_url();
    let detail = describe(&e);
    if e.is_timeout() {
        Failure::Timeout { detail }
    } else if e.is_connect() {
        Failure::Connect { detail }
    } else {
        Failure::Other { detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(config: Config) -> Client {
        Client::new(config).unwrap()
    }

    #[test]
    fn backoff_doubles_with_jitter_and_honours_a_capped_retry_after() {
        let c = client(Config {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(350),
            retry_after_cap: Duration::from_secs(2),
            env_proxy: false,
            ..Config::default()
        });
        for _ in 0..50 {
            let first = c.wait(1, None);
            assert!((50..=100).contains(&first.as_millis()), "{first:?}");
            let second = c.wait(2, None);
            assert!((100..=200).contains(&second.as_millis()), "{second:?}");
            let capped = c.wait(9, None);
            assert!((175..=350).contains(&capped.as_millis()), "{capped:?}");
        }
        assert_eq!(
            c.wait(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            c.wait(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn redirects_stay_on_one_host() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_site(&u("https://a.net/x"), &u("https://a.net/y")));
        assert!(same_site(&u("http://a.net/x"), &u("https://a.net/x")));
        assert!(!same_site(&u("https://a.net/x"), &u("http://a.net/x")));
        assert!(!same_site(&u("https://a.net/x"), &u("https://www.a.net/x")));
        assert!(!same_site(
            &u("http://127.0.0.1:8080/"),
            &u("http://127.0.0.1:9090/")
        ));
    }
}
