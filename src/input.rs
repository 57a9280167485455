//! Saved REST JSON → one raw post at a time, without holding the whole input.
//!
//! Accepts what people save from `/wp/v2/posts`: one post object, an array of
//! posts (one page), NDJSON, or several of these one after another (`cat`
//! of pages). Each post comes out as its exact JSON text, so the archive can
//! keep it byte for byte; an array of 100,000 posts streams in constant memory.

use std::io::{self, BufRead};

use serde::Deserialize;
use serde_json::value::RawValue;

/// Why the input stopped being readable JSON.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The underlying reader failed.
    #[error("read failed: {0}")]
    Io(#[from] io::Error),
    /// The bytes at this point are not JSON.
    #[error("invalid JSON in item {item}: {source}")]
    Json {
        /// 1-based count of the post being read when it failed.
        item: u64,
        /// What serde_json saw.
        source: serde_json::Error,
    },
    /// One post is larger than any real post could be.
    #[error("item {item} is larger than {limit} bytes; it is not a post")]
    TooLarge {
        /// 1-based number of the oversized item.
        item: u64,
        /// The limit.
        limit: usize,
    },
    /// A byte where JSON cannot continue (between array elements, say).
    #[error("invalid JSON after item {item}: unexpected {found:?}")]
    Syntax {
        /// Posts read before the fault.
        item: u64,
        /// The character found.
        found: char,
    },
}

/// The largest post accepted: real posts are a few kilobytes; this bounds memory on garbage.
pub const MAX_POST_BYTES: usize = 64 * 1024 * 1024;

/// Streams raw post texts out of a reader. See the module docs for the forms.
pub struct PostReader<R> {
    reader: R,
    in_array: bool,
    /// Whether the next array element must be preceded by a comma.
    need_comma: bool,
    items: u64,
    failed: bool,
}

impl<R: BufRead> PostReader<R> {
    /// Wraps a buffered reader; nothing is read until the first `next()`.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            in_array: false,
            need_comma: false,
            items: 0,
            failed: false,
        }
    }

    /// Posts read so far.
    pub fn count(&self) -> u64 {
        self.items
    }

    /// The next non-whitespace byte, not consumed; `None` at end of input.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            // A UTF-8 byte-order mark, as some Windows tools write, is not content.
            let skip = if buf.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                buf.iter().take_while(|b| b.is_ascii_whitespace()).count()
            };
            if skip < buf.len() {
                let first = buf[skip];
                self.reader.consume(skip);
                return Ok(Some(first));
            }
            let len = buf.len();
            self.reader.consume(len);
        }
    }

    fn step(&mut self) -> Result<Option<Box<str>>, InputError> {
        loop {
            let Some(byte) = self.peek()? else {
                return if self.in_array {
                    Err(self.syntax_error('\u{0}'))
                } else {
                    Ok(None)
                };
            };
            if self.in_array {
                match byte {
                    b']' => {
                        self.reader.consume(1);
                        self.in_array = false;
                        continue;
                    }
                    b',' if self.need_comma => {
                        self.reader.consume(1);
                        self.need_comma = false;
                        continue;
                    }
                    _ if self.need_comma => return Err(self.syntax_error(byte as char)),
                    _ => {}
                }
            } else if byte == b'[' {
                self.reader.consume(1);
                self.in_array = true;
                self.need_comma = false;
                continue;
            }
            let item = self.value(byte)?;
            self.items += 1;
            self.need_comma = self.in_array;
            return Ok(Some(item));
        }
    }

    /// Reads one JSON value starting with `first`, returning its exact text.
    fn value(&mut self, first: u8) -> Result<Box<str>, InputError> {
        let item = self.items + 1;
        if first == b'-' || first.is_ascii_digit() {
            // serde_json would read one byte past a number and lose it; numbers
            // are never posts, so take their text by hand and let the caller reject it.
            let mut text = String::new();
            loop {
                let buf = self.reader.fill_buf()?;
                let n = buf
                    .iter()
                    .take_while(|b| b.is_ascii_digit() || b"+-.eE".contains(b))
                    .count();
                text.extend(buf[..n].iter().map(|&b| b as char));
                let end = n < buf.len() || buf.is_empty();
                self.reader.consume(n);
                if end {
                    return Ok(text.into_boxed_str());
                }
            }
        }
        if matches!(first, b'{' | b'[' | b'"') {
            let bytes = self.scan_value()?;
            let text = String::from_utf8(bytes).map_err(|e| InputError::Json {
                item,
                source: serde::de::Error::custom(format!("invalid UTF-8: {e}")),
            })?;
            // The scan found the value's extent; serde_json still checks every byte of it.
            serde_json::from_str::<&RawValue>(&text)
                .map_err(|source| InputError::Json { item, source })?;
            return Ok(text.into_boxed_str());
        }
        // Literals end on a byte of their own, so serde_json stops exactly at the value's end.
        let mut de = serde_json::Deserializer::from_reader(&mut self.reader);
        let raw = Box::<RawValue>::deserialize(&mut de)
            .map_err(|source| InputError::Json { item, source })?;
        Ok(raw.into())
    }

    /// Copies one object, array or string out of the reader by tracking nesting
    /// and string escapes; serde_json's reader goes byte by byte and was a fifth
    /// of import time. Most of a post is string content, so inside a string the
    /// scan jumps to the next quote or backslash.
    fn scan_value(&mut self) -> Result<Vec<u8>, InputError> {
        let mut out = Vec::new();
        let mut scan = Scan::default();
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Err(InputError::Json {
                    item: self.items + 1,
                    source: serde::de::Error::custom("the input ends inside a post"),
                });
            }
            let end = scan.feed(buf);
            let take = end.unwrap_or(buf.len());
            out.extend_from_slice(&buf[..take]);
            self.reader.consume(take);
            if out.len() > MAX_POST_BYTES {
                return Err(InputError::TooLarge {
                    item: self.items + 1,
                    limit: MAX_POST_BYTES,
                });
            }
            if end.is_some() {
                return Ok(out);
            }
        }
    }

    fn syntax_error(&self, found: char) -> InputError {
        InputError::Syntax {
            item: self.items,
            found,
        }
    }
}

/// Where a scan through one JSON value stands, carried across buffer refills.
#[derive(Default)]
struct Scan {
    depth: usize,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escaped: bool,
}

impl Scan {
    /// Reads `buf` on from the current state; `Some(n)` when the value ends after `n` bytes.
    fn feed(&mut self, buf: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < buf.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                i += memchr::memchr2(b'"', b'\\', &buf[i..])?;
                if buf[i] == b'\\' {
                    self.escaped = true;
                } else {
                    self.in_string = false;
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                i += 1;
                continue;
            }
            match buf[i] {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }
}

impl<R: BufRead> Iterator for PostReader<R> {
    type Item = Result<Box<str>, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let step = self.step();
        self.failed = step.is_err();
        step.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<String>, String> {
        PostReader::new(text.as_bytes())
            .map(|r| r.map(String::from).map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn every_saved_form() {
        assert_eq!(read(r#"{"id":1}"#).unwrap(), [r#"{"id":1}"#]);
        assert_eq!(
            read("[{\"id\":1} , {\"id\":2}]\n").unwrap(),
            ["{\"id\":1}", "{\"id\":2}"]
        );
        assert_eq!(read("{\"id\":1}\n{\"id\":2}\n").unwrap().len(), 2);
        assert_eq!(read("[{\"id\":1}][{\"id\":2}]").unwrap().len(), 2);
        assert_eq!(read("\u{feff}[]").unwrap().len(), 0);
        assert_eq!(read("  ").unwrap().len(), 0);
    }

    #[test]
    fn raw_text_is_kept_exactly() {
        let post = "{ \"id\" : 7, \"t\": \"caf\\u00e9 \u{2019}\" }";
        assert_eq!(read(&format!("[{post}]")).unwrap(), [post]);
    }

    #[test]
    fn scalars_are_items_for_the_caller_to_reject() {
        assert_eq!(
            read("[1, -2.5e3, \"x\", null]").unwrap(),
            ["1", "-2.5e3", "\"x\"", "null"]
        );
    }

    #[test]
    fn broken_json_stops_with_the_item_number() {
        let err = read("[{\"id\":1},{\"id\":").unwrap_err();
        assert!(err.contains("item 2"), "{err}");
        let err = read("[{\"id\":1} {\"id\":2}]").unwrap_err();
        assert!(err.contains("after item 1"), "{err}");
        assert!(read("[{\"id\":1}").is_err());
        assert!(read("<html>").is_err());
    }

    #[test]
    fn quotes_braces_and_escapes_split_across_refills_are_read_the_same() {
        // Every refill boundary lands somewhere inside an escape, a string or a brace.
        let text = r#"[{"a":"x\"}{\\","b":{"c":["]\\"]}},"\"",{"d":"\\\""}]"#;
        let whole = read(text).unwrap();
        assert_eq!(whole.len(), 3);
        for capacity in 1..=9 {
            let reader = io::BufReader::with_capacity(capacity, text.as_bytes());
            let items: Vec<String> = PostReader::new(reader).map(|r| r.unwrap().into()).collect();
            assert_eq!(items, whole, "refills of {capacity} bytes");
        }
    }

    #[test]
    fn good_posts_before_a_fault_still_come_out() {
        let mut reader = PostReader::new("[{\"id\":1},{\"id\":2},oops]".as_bytes());
        assert!(reader.next().unwrap().is_ok());
        assert!(reader.next().unwrap().is_ok());
        assert!(reader.next().unwrap().is_err());
        assert!(reader.next().is_none());
    }
}
