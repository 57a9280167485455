//! The column contract of `healthfeed rejects --format json|csv`: one rejected post per row.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Cells, Row};
use crate::model::{Reject, Verdict};

/// One rejected post per row; JSON keys and CSV columns in the same order.
#[derive(Debug, Serialize)]
pub struct RejectRow<'a> {
    /// Origin the post came from.
    pub source: &'a str,
    /// WordPress post id.
    pub post_id: Option<u64>,
    /// URL of the post.
    pub link: Option<&'a str>,
    /// When WordPress last modified the post.
    pub modified_gmt: Option<DateTime<Utc>>,
    /// `not-a-record` or `failed`.
    pub verdict: Verdict,
    /// Why the parser made no record of it.
    pub reason: &'a str,
    /// The parser version that judged it.
    pub parser_version: u32,
}

impl<'a> RejectRow<'a> {
    /// The row for `reject`.
    pub fn new(reject: &'a Reject) -> Self {
        RejectRow {
            source: &reject.source,
            post_id: reject.post_id,
            link: reject.link.as_deref(),
            modified_gmt: reject.modified_gmt,
            verdict: reject.verdict,
            reason: &reject.reason,
            parser_version: reject.parser_version,
        }
    }
}

impl Row for RejectRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "source",
        "post_id",
        "link",
        "modified_gmt",
        "verdict",
        "reason",
        "parser_version",
    ];

    fn cells<W: Write>(&self, c: &mut Cells<'_, W>) -> io::Result<()> {
        c.text(self.source)?;
        c.number(self.post_id.and_then(|p| i64::try_from(p).ok()))?;
        c.opt(self.link)?;
        c.time(self.modified_gmt)?;
        c.text(self.verdict.as_str())?;
        c.text(self.reason)?;
        c.number(Some(i64::from(self.parser_version)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Format, Options, Writer};

    fn reject() -> Reject {
        Reject {
            source: "https://m365jp.net".into(),
            post_id: Some(868),
            link: Some("https://m365jp.net/index.php/x".into()),
            modified_gmt: Some(DateTime::from_timestamp(1_679_976_010, 0).unwrap()),
            verdict: Verdict::Failed,
            reason: "-post 868: bad timestamp, \"x\"".into(),
            parser_version: 3,
        }
    }

    fn write(format: Format) -> String {
        let r = reject();
        let mut buf = Vec::new();
        let mut w = Writer::new::<RejectRow<'_>>(&mut buf, Options::new(format)).unwrap();
        w.write(&RejectRow::new(&r)).unwrap();
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn json_keys_are_the_csv_columns_in_order() {
        let json = write(Format::Json);
        let at: Vec<usize> = RejectRow::COLUMNS
            .iter()
            .map(|c| json.find(&format!("\"{c}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{json}");
        let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(rows[0].as_object().unwrap().len(), RejectRow::COLUMNS.len());
        assert_eq!(rows[0]["verdict"], "failed");
        assert_eq!(rows[0]["modified_gmt"], "2023-03-28T04:00:10Z");
    }

    #[test]
    fn csv_has_a_header_and_escapes_formulas() {
        let csv = write(Format::Csv);
        let mut lines = csv.lines();
        assert_eq!(lines.next().unwrap(), RejectRow::COLUMNS.join(","));
        assert_eq!(
            lines.next().unwrap(),
            "https://m365jp.net,868,https://m365jp.net/index.php/x,2023-03-28T04:00:10Z,failed,\"'-post 868: bad timestamp, \"\"x\"\"\",3"
        );
    }
}
