//! The rejected posts, with what a reader needs to go and look at each one.

use chrono::{DateTime, Utc};

use super::{Store, StoreError};
use crate::model::{Reject, Verdict};

impl Store {
    /// Every rejected post, most recently modified first (ties: the higher post id first).
    pub fn rejects(&self) -> Result<Vec<Reject>, StoreError> {
        let fail = |e| self.err("reading the rejected posts", e);
        // `posts` has a row only for posts with an id; `raw_posts.modified_gmt` is '' when unknown.
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.site, r.post_id, p.link, raw.modified_gmt, r.not_record, r.reason,
                        r.parser_version
                 FROM rejects r
                 JOIN raw_posts raw ON raw.id = r.raw_id
                 JOIN sources s ON s.id = r.source_id
                 LEFT JOIN posts p ON p.source_id = r.source_id AND p.post_id = r.post_id
                 ORDER BY raw.modified_gmt DESC, r.post_id DESC, r.raw_id DESC",
            )
            .map_err(fail)?;
        let rows = stmt
            .query_map([], |r| {
                let post_id: Option<i64> = r.get(1)?;
                let modified: Option<String> = r.get(3)?;
                let not_record: bool = r.get(4)?;
                let version: i64 = r.get(6)?;
                Ok(Reject {
                    source: r.get(0)?,
                    post_id: post_id.and_then(|p| u64::try_from(p).ok()),
                    link: r.get(2)?,
                    modified_gmt: modified.as_deref().and_then(time),
                    verdict: if not_record {
                        Verdict::NotARecord
                    } else {
                        Verdict::Failed
                    },
                    reason: r.get(5)?,
                    parser_version: u32::try_from(version).unwrap_or_default(),
                })
            })
            .and_then(Iterator::collect)
            .map_err(fail)?;
        Ok(rows)
    }
}

/// A stored RFC 3339 time; none for the '' that stands for "unknown".
fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
