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
use std::time::Duration;

use reqwest::StatusCode;

use crate::describe::describe;

/// Most events in one POST.
pub const CHUNK: usize = 100;

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
}

/// What went wrong setting up the client.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client for notifications: {0}")]
pub struct SetupError(String);

impl Sender {
    /// A client that tries each POST `tries` times, waiting `backoff`, then
    /// twice that, between tries.
    pub fn new(tries: u32, backoff: Duration) -> Result<Self, SetupError> {
        let http = reqwest::blocking::Client::builder()
            .user_agent(format!(
                "healthfeed/{} (+https://github.com/healthfeed/healthfeed)",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            // A webhook that redirects is misconfigured: a POST must not wander.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| SetupError(describe(&e)))?;
        Ok(Sender {
            http,
            tries: tries.max(1),
            backoff,
        })
    }

    /// POSTs `body` (JSON) to `url`: `Ok` on a 2xx.
    pub fn post(&self, url: &str, body: &str) -> Result<(), Refused> {
        let mut wait = self.backoff;
        let mut last = Refused::Later(String::new());
        for attempt in 0..self.tries {
            if attempt > 0 {
                thread::sleep(wait);
                wait = wait.saturating_mul(2);
            }
            last = match self.try_once(url, body) {
                Ok(()) => return Ok(()),
                Err(Refused::Rejected(why)) => return Err(Refused::Rejected(why)),
                Err(later) => later,
            };
        }
        Err(last)
    }

    fn try_once(&self, url: &str, body: &str) -> Result<(), Refused> {
        let answer = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned())
            .send();
        let response = match answer {
            Ok(r) => r,
            Err(e) => return Err(Refused::Later(describe(&e))),
        };
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let why = format!("the receiver answered {status}");
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Err(Refused::Later(why))
        } else {
            Err(Refused::Rejected(why))
        }
    }
}

/// The `json` payload around events that are each a JSON object already.
pub fn json_body(events: &[String]) -> String {
    format!(
        "{{\"healthfeed\":{PAYLOAD_VERSION},\"events\":[{}]}}",
        events.join(",")
    )
}
