//! Reading an answer's body within limits, and judging what it holds.
//!
//! Kept apart from the retry loop so the rules are plain functions: how big a
//! body may be, what counts as a post list, what a WordPress error says, and
//! how the `Date` and `Retry-After` headers read.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::blocking::Response;
use reqwest::header::HeaderMap;

use crate::describe::describe;
use crate::input::PostReader;

/// A response whose body fails once its try's time is up, checked before each
/// read: a server sending a byte every few seconds cannot stretch one request
/// past the timeout (each read is also bounded by the client's own timeout).
pub(super) struct Deadline<'r> {
    pub inner: &'r mut Response,
    pub deadline: Instant,
    pub limit: Duration,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if Instant::now() >= self.deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the whole answer took longer than the {} s timeout",
                    self.limit.as_secs_f64()
                ),
            ));
        }
        self.inner.read(buf)
    }
}

pub(super) enum Capped {
    TooLarge { read: u64, declared: Option<u64> },
    Broken { read: u64, detail: String },
}

/// The whole body, refused past `cap` bytes: up front when `Content-Length`
/// says so, otherwise by counting (gzip and chunked bodies announce no length).
pub(super) fn read_capped(response: &mut Deadline<'_>, cap: u64) -> Result<Vec<u8>, Capped> {
    let declared = response.inner.content_length();
    if declared.is_some_and(|len| len > cap) {
        return Err(Capped::TooLarge { read: 0, declared });
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(64 * 1024).min(cap) as usize);
    match (&mut *response)
        .take(cap.saturating_add(1))
        .read_to_end(&mut body)
    {
        Ok(_) if body.len() as u64 > cap => Err(Capped::TooLarge {
            read: body.len() as u64,
            declared,
        }),
        Ok(_) => Ok(body),
        Err(e) => Err(Capped::Broken {
            read: body.len() as u64,
            // The client's own timeout on a read also ends the whole answer's time.
            detail: if Instant::now() >= response.deadline {
                format!(
                    "the whole answer took longer than the {} s timeout",
                    response.limit.as_secs_f64()
                )
            } else {
                describe(&e)
            },
        }),
    }
}

/// Up to `cap` bytes of a body that is only read for its error message.
pub(super) fn read_some(response: &mut Deadline<'_>, cap: u64) -> Vec<u8> {
    let mut body = Vec::new();
    // A broken error body still tells the status; what was read is enough.
    let _ = response.take(cap).read_to_end(&mut body);
    body
}

pub(super) enum Shape {
    NotJson,
    NotList,
}

/// The posts of a JSON array, each as its exact text.
pub(super) fn post_list(body: &[u8]) -> Result<Vec<Box<str>>, Shape> {
    let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let trimmed = text.trim_ascii();
    match (trimmed.first(), trimmed.last()) {
        (Some(b'['), Some(b']')) => {}
        (Some(b'{'), Some(b'}'))
            if serde_json::from_slice::<serde_json::Value>(trimmed).is_ok() =>
        {
            return Err(Shape::NotList);
        }
        _ => return Err(Shape::NotJson),
    }
    PostReader::new(trimmed)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Shape::NotJson)
}

/// WordPress's `{"code": …, "message": …}` error body, when it is one.
pub(super) fn wp_error(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct WpError {
        code: Option<serde_json::Value>,
        message: Option<serde_json::Value>,
    }
    let text = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    };
    match serde_json::from_slice::<WpError>(body) {
        Ok(e) => (text(e.code), text(e.message)),
        Err(_) => (None, None),
    }
}

/// The first characters of a body, on one line, for messages.
pub(super) fn snippet(body: &[u8]) -> String {
    const CHARS: usize = 80;
    let head = &body[..body.len().min(4 * CHARS)];
    let text = String::from_utf8_lossy(head);
    let line: Vec<char> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let mut out: String = line.iter().take(CHARS).collect();
    if line.len() > CHARS || body.len() > head.len() {
        out.push('…');
    }
    out
}

pub(super) fn number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// An HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`).
pub(super) fn http_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `Retry-After` as seconds or as an HTTP date, relative to `now`.
pub fn retry_after(text: &str, now: DateTime<Utc>) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = http_date(text)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: DateTime<Utc> = "2015-10-21T07:27:30Z".parse().unwrap();
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn only_a_json_array_is_a_post_list() {
        assert_eq!(
            post_list(b" [{\"id\":1}, {\"id\":2}]\n")
                .ok()
                .map(|v| v.len()),
            Some(2)
        );
        assert_eq!(post_list(b"\xEF\xBB\xBF[]").ok().map(|v| v.len()), Some(0));
        assert!(matches!(post_list(b"<!DOCTYPE html>"), Err(Shape::NotJson)));
        assert!(matches!(
            post_list(b"[{\"id\":1},{\"id\""),
            Err(Shape::NotJson)
        ));
        assert!(matches!(
            post_list(b"[{\"id\":1},{\"id\":2]"),
            Err(Shape::NotJson)
        ));
        assert!(matches!(
            post_list(b"{\"code\":\"x\"}"),
            Err(Shape::NotList)
        ));
        assert!(matches!(post_list(b""), Err(Shape::NotJson)));
    }

    #[test]
    fn wordpress_error_bodies_are_read() {
        assert_eq!(
            wp_error(br#"{"code":"rest_no_route","message":"No route","data":{"status":404}}"#),
            (Some("rest_no_route".into()), Some("No route".into()))
        );
        assert_eq!(wp_error(b"<html>"), (None, None));
    }

    #[test]
    fn snippets_are_short_and_on_one_line() {
        let s = snippet(b"<!DOCTYPE html>\n<html>\n  <head><title>Just a moment...</title>");
        assert_eq!(
            s,
            "<!DOCTYPE html> <html> <head><title>Just a moment...</title>"
        );
        assert!(snippet(&[b'x'; 1000]).ends_with('…'));
    }
}
