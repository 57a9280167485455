//! Delivering notifications: one POST of a JSON body to a subscriber's URL,
//! retried a few times within the run when trying again may help.
//!
//! Knows HTTP and nothing of the archive: [`crate::commands::notify`] reads
//! the outbox, hands bodies here and marks what a receiver accepted. The
//! bodies themselves are [`payload`]'s, which knows no HTTP either.

pub mod payload;
mod probe;

pub use payload::PAYLOAD_VERSION;
pub use probe::{ANSWER_BYTES, Answer};

use std::thread;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;

use crate::describe::describe;
use crate::fetch::retry_after;

/// Most events in one POST.
pub const CHUNK: usize = 100;

/// Longest one try of a POST may take, answer included.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Longest `Retry-After` a receiver is obeyed for; a longer one is cut to this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// How a delivery ended when the receiver did not take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Worth trying again on a later run (5xx, 429, a timeout, no connection).
    Later(String),
    /// The receiver refused the request itself (a 4xx other than 429):
    /// sending it again would get the same answer.
    Rejected(String),
}

impl Refused {
    /// Why, in words.
    pub fn reason(&self) -> &str {
        match self {
            Refused::Later(r) | Refused::Rejected(r) => r,
        }
    }
}

/// An HTTP client for receivers.
#[derive(Debug)]
pub struct Sender {
    http: reqwest::blocking::Client,
    tries: u32,
    backoff: Duration,
    deadline: Option<Instant>,
}

/// What went wrong setting up the client.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client for notifications: {0}")]
pub struct SetupError(String);

impl Sender {
    /// A client that tries each POST `tries` times, waiting `backoff`, then
    /// twice that, between tries (or as long as a 429 or 5xx's `Retry-After` asks).
    pub fn new(tries: u32, backoff: Duration) -> Result<Self, SetupError> {
        let http = reqwest::blocking::Client::builder()
            .user_agent(format!(
                "healthfeed/{} (+https://github.com/healthfeed/healthfeed)",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(Duration::from_secs(10))
            .timeout(TIMEOUT)
            // A webhook that redirects is misconfigured: a POST must not wander.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| SetupError(describe(&e)))?;
        Ok(Sender {
            http,
            tries: tries.max(1),
            backoff,
            deadline: None,
        })
    }

    /// The same client, never waiting for a retry past `deadline` (a sync's
    /// `--max-time`): a try that would start later is left to the next run.
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }

    /// POSTs `body` (JSON) to `url`: `Ok` on a 2xx.
    pub fn post(&self, url: &str, body: &str) -> Result<(), Refused> {
        let mut backoff = self.backoff;
        let mut tried = 0;
        loop {
            // No request starts after the run's time limit, and none outlasts it.
            let left = match self.deadline {
                None => None,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => {
                        return Err(Refused::Later(
                            "not sent: the run's time limit (--max-time) was reached first".into(),
                        ));
                    }
                },
            };
            let (why, asked) = match self.try_once(url, body, left) {
                Ok(()) => return Ok(()),
                Err(Tried::Rejected(why)) => return Err(Refused::Rejected(why)),
                Err(Tried::Later(why, asked)) => (why, asked),
            };
            tried += 1;
            if tried >= self.tries {
                return Err(Refused::Later(why));
            }
            // A receiver that names its wait knows its load better than our
            // backoff does; a very long wait is cut, as a feed's is.
            let wait = asked.map_or(backoff, |w| w.min(RETRY_AFTER_CAP));
            backoff = backoff.saturating_mul(2);
            if self.deadline.is_some_and(|d| Instant::now() + wait > d) {
                return Err(Refused::Later(format!(
                    "{why}; waiting {} s to try again would pass the run's time limit",
                    wait.as_secs_f64().ceil()
                )));
            }
            thread::sleep(wait);
        }
    }

    /// One POST, cut short when `left` (the time to the run's limit) is
    /// shorter than the client's own timeout.
    fn try_once(&self, url: &str, body: &str, left: Option<Duration>) -> Result<(), Tried> {
        let mut request = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned());
        let cut = left.filter(|l| *l < TIMEOUT);
        if let Some(left) = cut {
            request = request.timeout(left);
        }
        let response = match request.send() {
            Ok(r) => r,
            Err(e) if e.is_timeout() && cut.is_some() => {
                let why = format!(
                    "no answer before the run's time limit (--max-time): {}",
                    describe(&e.without_url())
                );
                return Err(Tried::Later(why, None));
            }
            // reqwest names the URL in its message: a webhook's holds its secret.
            Err(e) => return Err(Tried::Later(describe(&e.without_url()), None)),
        };
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let why = format!("the receiver answered {status}");
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let asked = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, Utc::now()));
            Err(Tried::Later(why, asked))
        } else {
            Err(Tried::Rejected(why))
        }
    }
}

/// One try's failure: worth another (with the wait the receiver asked for, if
/// it named one), or not.
enum Tried {
    Later(String, Option<Duration>),
    Rejected(String),
}

/// The `json` payload around events that are each a JSON object already.
pub fn json_body(events: &[String]) -> String {
    format!(
        "{{\"healthfeed\":{PAYLOAD_VERSION},\"events\":[{}]}}",
        events.join(",")
    )
}
