//! CSV, JSON and NDJSON writers over any `io::Write`, with a stable column contract.
//!
//! An export feeds spreadsheets and scripts that outlive any one version, so the
//! columns are fixed here, in one place, for both CSV and JSON: the same names in
//! the same order. Rows are written as they arrive; nothing is collected, so an
//! export of any size runs in flat memory.
//!
//! CSV: a header row, UTF-8, absent values empty, lists `;`-joined, and a text
//! cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
//! leading `'` so a spreadsheet shows it instead of running it as a formula.
//! JSON: one array, one object per line. NDJSON: one object per line.
//! Timestamps are RFC 3339 UTC (`2023-03-29T07:00:00Z`) in every format, unless
//! the user chose a zone (`--tz`): then the same instant carries that zone's
//! offset (`2023-03-29T16:00:00+09:00`). [`stamp`] is the one formatter.

use std::io::{self, Write};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::Zone;

mod file;
mod reject_row;
mod rows;

pub use file::write_to_path;
pub use reject_row::RejectRow;
pub use rows::{HitRow, RecordRow, StatRow, UpdateRow, stat_rows};

/// An output format for rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
}

/// How rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The format.
    pub format: Format,
    /// Prefix CSV text cells that a spreadsheet would run as a formula with `'`.
    pub escape_formulas: bool,
    /// The zone times are written in (see [`stamp`]).
    pub zone: Zone,
}

impl Options {
    /// `format`, with formula escaping on and times in UTC.
    pub fn new(format: Format) -> Self {
        Options {
            format,
            escape_formulas: true,
            zone: Zone::utc(),
        }
    }

    /// The same, with times in `zone`.
    pub fn in_zone(self, zone: Zone) -> Self {
        Options { zone, ..self }
    }
}

/// A time as machine output writes it: RFC 3339 UTC with `Z` unless the
/// user chose the zone, then the wall-clock time with that zone's offset
/// (`Z` still where the offset is zero). Whole seconds: the archive keeps no finer.
pub fn stamp(t: DateTime<Utc>, zone: &Zone) -> String {
    if zone.explicit {
        zone.local(t).to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// Rewrites every UTC timestamp in serialized JSON (`query --json`, `status
/// --json`, rows) with [`stamp`], leaving every other byte as it was (key
/// order, layout); nothing changes unless the zone was chosen. A timestamp is
/// a string that is exactly what a `DateTime<Utc>` serializes to
/// (`"2023-03-29T07:00:00Z"`): free text is touched only if it is nothing but
/// such a time, and then it is one.
pub fn rezone(json: &str, zone: &Zone) -> String {
    if !zone.explicit {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + json.len() / 8);
    let mut rest = json;
    // WordPress's `date_gmt`/`modified_gmt` promise GMT by their names; they stay UTC.
    let mut key_says_gmt = false;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..open]);
        let body = &rest[open + 1..];
        // The closing quote is the first one no backslash escapes.
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            out.push_str(&rest[open..]);
            return out;
        };
        let literal = &body[..end];
        rest = &body[end + 1..];
        let is_key = rest.trim_start().starts_with(':');
        out.push('"');
        match utc_timestamp(literal) {
            Some(t) if !is_key && !key_says_gmt => out.push_str(&stamp(t, zone)),
            _ => out.push_str(literal),
        }
        out.push('"');
        if is_key {
            key_says_gmt = literal.ends_with("_gmt");
        }
    }
    out.push_str(rest);
    out
}

/// `text` as an instant when it has the exact shape `YYYY-MM-DDTHH:MM:SS[.f]Z`.
fn utc_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let shaped = b.len() >= 20
        && b.len() <= 30
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b.last() == Some(&b'Z');
    if !shaped {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
}

/// A row type with a fixed column contract: JSON keys and CSV columns are the same, in order.
pub trait Row: Serialize {
    /// The column names, in order.
    const COLUMNS: &'static [&'static str];
    /// Writes the row's CSV cells in [`Row::COLUMNS`] order.
    fn cells<W: Write>(&self, cells: &mut Cells<'_, W>) -> io::Result<()>;
}

/// Writes rows in one format, streaming. The rows should be of the type whose
/// columns [`Writer::new`] wrote as the CSV header.
pub struct Writer<W: Write> {
    out: Out<W>,
    escape: bool,
    rows: u64,
    /// The chosen columns as indexes into the row type's, in output order; none: all.
    pick: Option<Vec<usize>>,
    /// One row's cells before picking, reused.
    cells: Vec<String>,
    zone: Zone,
}

enum Out<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json(W),
    Ndjson(W),
}

impl<W: Write> Writer<W> {
    /// Starts writing rows of type `R` to `out` (for CSV, writes the header).
    pub fn new<R: Row>(out: W, options: Options) -> io::Result<Self> {
        Self::start::<R>(out, options, None)
    }

    /// Starts writing only the columns of `R` at `pick` (indexes into
    /// [`Row::COLUMNS`], in the order given); an index out of range is an error.
    pub fn picking<R: Row>(out: W, options: Options, pick: Vec<usize>) -> io::Result<Self> {
        if pick.iter().any(|&i| i >= R::COLUMNS.len()) {
            return Err(io::Error::other("a picked column is out of range"));
        }
        Self::start::<R>(out, options, Some(pick))
    }

    fn start<R: Row>(out: W, options: Options, pick: Option<Vec<usize>>) -> io::Result<Self> {
        let out = match options.format {
            Format::Csv => {
                let mut csv = csv::WriterBuilder::new()
                    .buffer_capacity(64 * 1024)
                    .from_writer(out);
                match &pick {
                    Some(pick) => csv.write_record(pick.iter().map(|&i| R::COLUMNS[i])),
                    None => csv.write_record(R::COLUMNS),
                }
                .map_err(csv_io)?;
                Out::Csv(Box::new(csv))
            }
            Format::Json => Out::Json(out),
            Format::Ndjson => Out::Ndjson(out),
        };
        Ok(Writer {
            out,
            escape: options.escape_formulas,
            rows: 0,
            pick,
            cells: Vec::new(),
            zone: options.zone,
        })
    }

    /// Writes one row.
    pub fn write<R: Row>(&mut self, row: &R) -> io::Result<()> {
        match &mut self.out {
            Out::Csv(csv) => {
                self.cells.clear();
                let mut cells = Cells {
                    csv,
                    escape: self.escape,
                    scratch: String::new(),
                    picked: self.pick.as_ref().map(|_| &mut self.cells),
                    zone: &self.zone,
                };
                row.cells(&mut cells)?;
                match &self.pick {
                    // Picked cells were collected, not written: write the chosen ones in order.
                    Some(pick) => csv
                        .write_record(pick.iter().map(|&i| self.cells.get(i).map_or("", |c| c)))
                        .map_err(csv_io)?,
                    None => csv.write_record(None::<&[u8]>).map_err(csv_io)?,
                }
            }
            Out::Json(out) => {
                out.write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
                json_row::<R>(out, row, self.pick.as_deref(), &self.zone)?;
            }
            Out::Ndjson(out) => {
                json_row::<R>(out, row, self.pick.as_deref(), &self.zone)?;
                out.write_all(b"\n")?;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Closes the output (the JSON array's end), flushes it, and says how many rows were written.
    pub fn finish(self) -> io::Result<u64> {
        match self.out {
            Out::Csv(mut csv) => csv.flush()?,
            Out::Json(mut out) => {
                out.write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Out::Ndjson(mut out) => out.flush()?,
        }
        Ok(self.rows)
    }
}

/// One JSON object: the whole row, or only the picked keys in the order picked
/// (serde_json's own maps would sort them, so the object is written here);
/// times in a chosen zone go through [`rezone`].
fn json_row<R: Row>(
    out: &mut impl Write,
    row: &R,
    pick: Option<&[usize]>,
    zone: &Zone,
) -> io::Result<()> {
    if !zone.explicit {
        return plain_json_row(out, row, pick);
    }
    let mut buf = Vec::new();
    plain_json_row(&mut buf, row, pick)?;
    out.write_all(rezone(&String::from_utf8_lossy(&buf), zone).as_bytes())
}

/// [`json_row`] in UTC.
fn plain_json_row<R: Row>(out: &mut impl Write, row: &R, pick: Option<&[usize]>) -> io::Result<()> {
    let Some(pick) = pick else {
        return Ok(serde_json::to_writer(out, row)?);
    };
    let value = serde_json::to_value(row)?;
    out.write_all(b"{")?;
    for (n, &i) in pick.iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        let key = R::COLUMNS[i];
        serde_json::to_writer(&mut *out, key)?;
        out.write_all(b":")?;
        serde_json::to_writer(
            &mut *out,
            value.get(key).unwrap_or(&serde_json::Value::Null),
        )?;
    }
    out.write_all(b"}")
}

/// The csv crate wraps I/O errors; unwrapping them keeps a closed pipe recognisable.
fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The cells of one CSV row, written as they come; the row ends in [`Writer::write`].
pub struct Cells<'a, W: Write> {
    csv: &'a mut csv::Writer<W>,
    escape: bool,
    scratch: String,
    /// Where cells go when only some columns are written: all are collected, then picked.
    picked: Option<&'a mut Vec<String>>,
    zone: &'a Zone,
}

impl<W: Write> Cells<'_, W> {
    /// One cell as it is: to the CSV row, or collected for picking.
    fn field(&mut self, value: &str) -> io::Result<()> {
        match &mut self.picked {
            Some(cells) => {
                cells.push(value.to_owned());
                Ok(())
            }
            None => self.csv.write_field(value).map_err(csv_io),
        }
    }

    /// A text cell, formula-escaped when that is on.
    pub fn text(&mut self, value: &str) -> io::Result<()> {
        if self.escape && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            self.scratch.clear();
            self.scratch.push('\'');
            self.scratch.push_str(value);
            let cell = std::mem::take(&mut self.scratch);
            let written = self.field(&cell);
            self.scratch = cell;
            return written;
        }
        self.field(value)
    }

    /// An optional text cell: empty when absent.
    pub fn opt(&mut self, value: Option<&str>) -> io::Result<()> {
        self.text(value.unwrap_or(""))
    }

    /// A number (never escaped: a negative number is not a formula).
    pub fn number(&mut self, value: Option<i64>) -> io::Result<()> {
        match value {
            Some(n) => self.field(&n.to_string()),
            None => self.field(""),
        }
    }

    /// A timestamp as [`stamp`] writes it; empty when absent.
    pub fn time(&mut self, value: Option<DateTime<Utc>>) -> io::Result<()> {
        match value {
            Some(t) => {
                let cell = stamp(t, self.zone);
                self.field(&cell)
            }
            None => self.field(""),
        }
    }

    /// A list, `;`-joined.
    pub fn list<'s>(&mut self, values: impl IntoIterator<Item = &'s str>) -> io::Result<()> {
        let joined = values.into_iter().collect::<Vec<_>>().join(";");
        self.text(&joined)
    }

    /// `true` or `false`.
    pub fn flag(&mut self, value: bool) -> io::Result<()> {
        self.field(if value { "true" } else { "false" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Record, RecordId};

    /// The shared test record, with a formula title, two mentions and a link.
    fn record() -> Record {
        let mut r = rows::tests::record();
        r.fields.title = "=HYPERLINK(\"x\")".into();
        r.related_ids.push(RecordId::parse("MC883199").unwrap());
        r.link = Some("https://m365jp.net/p".into());
        r
    }

    fn write(format: Format, escape: bool) -> String {
        let r = record();
        let mut buf = Vec::new();
        let options = Options {
            format,
            escape_formulas: escape,
            zone: Zone::utc(),
        };
        let mut w = Writer::new::<RecordRow<'_>>(&mut buf, options).unwrap();
        w.write(&RecordRow::new(&r)).unwrap();
        w.write(&RecordRow::new(&r)).unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn a_chosen_zone_rewrites_timestamps_and_nothing_else() {
        let tokyo = Zone::named("Asia/Tokyo").unwrap();
        let t = DateTime::parse_from_rfc3339("2023-03-30T19:02:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(stamp(t, &Zone::utc()), "2023-03-30T19:02:00Z");
        assert_eq!(stamp(t, &tokyo), "2023-03-31T04:02:00+09:00");
        assert_eq!(
            stamp(t, &Zone::named("UTC").unwrap()),
            "2023-03-30T19:02:00Z"
        );
        let json = r#"{"b":"2023-03-30T19:02:00Z","a":["x \"2023-03-30T19:02:00Z\" y","2023-03-30T19:02:00Z\\"],"t":"2023-03-30T19:02:00.5Z","n":1}"#;
        assert_eq!(rezone(json, &Zone::utc()), json);
        assert_eq!(
            rezone(json, &tokyo),
            r#"{"b":"2023-03-31T04:02:00+09:00","a":["x \"2023-03-30T19:02:00Z\" y","2023-03-30T19:02:00Z\\"],"t":"2023-03-31T04:02:00+09:00","n":1}"#
        );
        let post = r#"{"date_gmt":"2023-03-30T19:02:00Z","seen":"2023-03-30T19:02:00Z"}"#;
        assert_eq!(
            rezone(post, &tokyo),
            r#"{"date_gmt":"2023-03-30T19:02:00Z","seen":"2023-03-31T04:02:00+09:00"}"#
        );
        let rows = {
            let mut buf = Vec::new();
            let options = Options::new(Format::Ndjson).in_zone(tokyo);
            let r = record();
            let mut w = Writer::picking::<RecordRow<'_>>(&mut buf, options, vec![9, 0]).unwrap();
            w.write(&RecordRow::new(&r)).unwrap();
            w.finish().unwrap();
            String::from_utf8(buf).unwrap()
        };
        assert_eq!(
            rows,
            "{\"last_updated\":\"2023-03-30T03:23:04+09:00\",\"id\":\"DZ534539\"}\n"
        );
    }

    #[test]
    fn csv_escapes_formulas_unless_told_not_to() {
        let csv = write(Format::Csv, true);
        let mut lines = csv.lines();
        assert_eq!(lines.next().unwrap(), RecordRow::COLUMNS.join(","));
        let row = lines.next().unwrap();
        assert!(row.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{row}");
        assert!(row.contains(",2023-03-29T07:00:00Z,2023-03-29T17:15:00Z,"));
        assert!(row.contains(",615,3,DZ534548;MC883199,"), "{row}");
        let raw = write(Format::Csv, false);
        assert!(raw.contains("\"=HYPERLINK(\"\"x\"\")\""));
    }

    #[test]
    fn json_is_one_array_and_ndjson_one_object_per_line() {
        let json: serde_json::Value = serde_json::from_str(&write(Format::Json, true)).unwrap();
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["related_ids"][1], "MC883199");
        assert_eq!(rows[0]["user_impact"], serde_json::Value::Null);
        assert_eq!(rows[0]["end_time"], "2023-03-29T17:15:00Z");
        let nd = write(Format::Ndjson, true);
        assert_eq!(nd.lines().count(), 2);
        for line in nd.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
        let empty = Writer::new::<RecordRow<'_>>(Vec::new(), Options::new(Format::Json)).unwrap();
        assert_eq!(empty.finish().unwrap(), 0);
    }

    #[test]
    fn picked_columns_keep_the_formula_guard_and_the_order_asked() {
        let r = record();
        let mut buf = Vec::new();
        let mut w =
            Writer::picking::<RecordRow<'_>>(&mut buf, Options::new(Format::Csv), vec![14, 3, 0])
                .unwrap();
        w.write(&RecordRow::new(&r)).unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "closed,title,id\ntrue,\"'=HYPERLINK(\"\"x\"\")\",DZ534539\n"
        );
        let mut buf = Vec::new();
        let mut w =
            Writer::picking::<RecordRow<'_>>(&mut buf, Options::new(Format::Ndjson), vec![3, 0])
                .unwrap();
        w.write(&RecordRow::new(&r)).unwrap();
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\"title\":\"=HYPERLINK(\\\"x\\\")\",\"id\":\"DZ534539\"}\n"
        );
        assert!(
            Writer::picking::<RecordRow<'_>>(Vec::new(), Options::new(Format::Csv), vec![99])
                .is_err()
        );
    }
}
