//! `notify test`: one POST, tried once, and the receiver's answer as it came,
//! so a person setting up a webhook sees what the receiver says.

use std::io::Read as _;

use serde::Serialize;

use super::Sender;
use crate::describe::describe;

/// Most bytes of a receiver's answer kept to show.
pub const ANSWER_BYTES: usize = 500;

/// What a receiver answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Its standard reason phrase, when it has one.
    pub reason: Option<String>,
    /// The start of the body (at most [`ANSWER_BYTES`] bytes, invalid UTF-8 replaced).
    pub body: String,
    /// True when the body was longer.
    pub cut: bool,
}

impl Answer {
    /// True for a 2xx: the receiver took it.
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Sender {
    /// POSTs `body` (JSON) to `url` once, without retries; `Err` says why no
    /// answer came (the network's words).
    pub fn probe(&self, url: &str, body: &str) -> Result<Answer, String> {
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_owned())
            .send()
            .map_err(|e| describe(&e.without_url()))?;
        let status = response.status();
        let mut bytes = Vec::new();
        // A body that breaks off midway still shows what came.
        let _ = response
            .take(ANSWER_BYTES as u64 + 1)
            .read_to_end(&mut bytes);
        let cut = bytes.len() > ANSWER_BYTES;
        bytes.truncate(ANSWER_BYTES);
        Ok(Answer {
            status: status.as_u16(),
            reason: status.canonical_reason().map(str::to_owned),
            body: String::from_utf8_lossy(&bytes).into_owned(),
            cut,
        })
    }
}
