//! A post the archive keeps raw but made no record of, and why: what `rejects` lists.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Whether a rejected post is simply not a record or failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A site notice or other post without the record tables.
    NotARecord,
    /// A record-like post the parser could not read.
    Failed,
}

impl Verdict {
    /// `not-a-record` or `failed`, as every output writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotARecord => "not-a-record",
            Verdict::Failed => "failed",
        }
    }
}

/// One rejected post, as stored with its current raw version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// The site it came from (`https://m365jp.net`).
    pub source: String,
    /// The WordPress post id; none when the JSON had no usable id.
    pub post_id: Option<u64>,
    /// The post's URL, when it had one.
    pub link: Option<String>,
    /// When WordPress last modified the post (UTC).
    pub modified_gmt: Option<DateTime<Utc>>,
    /// Not a record, or failed.
    pub verdict: Verdict,
    /// Why, as the parser said it.
    pub reason: String,
    /// The parser version that judged it.
    pub parser_version: u32,
}
