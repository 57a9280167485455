//! Terminal layout: colours that appear only on a terminal (never with
//! `NO_COLOR`), display widths that count a Japanese character as two columns,
//! and row tables sized to the terminal from the first rows, then streamed.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use chrono::{DateTime, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::visible::{clean, clean_line};
use crate::model::{MESSAGE_CENTER, MessageState, Record, Status, Zone};

/// Whether to colour, decided once from standard output.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Colours when stdout is a terminal that takes them, unless `NO_COLOR` is set
    /// (anstream's rules, which also honour `CLICOLOR` and `CLICOLOR_FORCE`).
    pub fn for_stdout() -> Self {
        let choice = anstream::AutoStream::choice(&io::stdout());
        Paint {
            on: choice != anstream::ColorChoice::Never,
        }
    }

    /// No colour at all.
    pub fn off() -> Self {
        Paint { on: false }
    }

    /// For a file: colour only when `--color always` asked for it everywhere.
    pub fn for_file() -> Self {
        Paint {
            on: anstream::ColorChoice::global() == anstream::ColorChoice::Always,
        }
    }

    /// `text` in `style`, or plain when colours are off; controls in `text`
    /// are shown as escapes either way (see [`clean`]).
    pub fn style(&self, style: Style, text: &str) -> String {
        let text = clean(text);
        if self.on {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.into_owned()
        }
    }

    /// Bold.
    pub fn bold(&self, text: &str) -> String {
        self.style(Style::new().bold(), text)
    }

    /// Dimmed, for secondary facts.
    pub fn dim(&self, text: &str) -> String {
        self.style(Style::new().dimmed(), text)
    }

    /// A status coloured by what it means: green when over, yellow while open, red when down.
    pub fn status(&self, status: Option<&Status>, closed: bool, text: &str) -> String {
        let colour = match status {
            None => return self.dim(text),
            Some(Status::ServiceInterruption) => AnsiColor::Red,
            Some(_) if closed => AnsiColor::Green,
            Some(_) => AnsiColor::Yellow,
        };
        self.style(Style::new().fg_color(Some(colour.into())), text)
    }

    /// The marks that wrap matched words in search snippets.
    pub fn marks(&self) -> (String, String) {
        if self.on {
            let style = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
            (style.render().to_string(), style.render_reset().to_string())
        } else {
            ("[".to_owned(), "]".to_owned())
        }
    }
}

/// The width to fit tables to: the terminal's, or `COLUMNS`; none when neither is known.
pub fn width() -> Option<usize> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    columns.or_else(|| terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| w.0 as usize))
}

/// Display columns `text` takes.
pub fn cols(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to at most `max` display columns, with `…` when cut.
pub fn cut(text: &str, max: usize) -> String {
    if cols(text) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` (already cut) padded with spaces to `width` display columns.
pub fn pad(text: &str, shown: &str, width: usize) -> String {
    let fill = width.saturating_sub(cols(text));
    format!("{shown}{}", " ".repeat(fill))
}

/// A time as the tables show it: `2023-03-29 07:00` on the wall clock of
/// `zone` (whose name the table says once, in a header or heading).
pub fn minute(t: DateTime<Utc>, zone: &Zone) -> String {
    zone.local(t).format("%Y-%m-%d %H:%M").to_string()
}

/// [`minute`] with the zone's abbreviation (`2023-03-29 16:00 JST`), for
/// lines no header explains; daylight-saving time shows (`CEST`, `EDT`).
pub fn minute_marked(t: DateTime<Utc>, zone: &Zone) -> String {
    zone.local(t).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// A column header for times, naming the zone: `LAST UPDATED (Asia/Tokyo)`.
pub fn time_header(name: &str, zone: &Zone) -> String {
    format!("{name} ({})", zone.name())
}

/// A duration in minutes as `3d 4h`, `10h 15m` or `45m`.
pub fn human_minutes(minutes: f64) -> String {
    let total = minutes.round().max(0.0) as i64;
    let (d, h, m) = (total / 1440, total % 1440 / 60, total % 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h {m:02}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// The text cells of a record row in `list`: id, status, service, start, last updated, title.
pub fn record_cells(r: &Record, zone: &Zone) -> [String; 6] {
    let status = match &r.status {
        Some(s) => clean_line(s.as_str()).into_owned(),
        None => MessageState::of(r.closed).as_str().to_owned(),
    };
    [
        r.id.to_string(),
        status,
        r.service
            .as_deref()
            .map_or_else(|| MESSAGE_CENTER.to_owned(), |s| clean_line(s).into_owned()),
        minute(r.start_time, zone),
        minute(r.last_updated, zone),
        clean_line(&r.title).into_owned(),
    ]
}

/// Rows buffered to size the columns before the first line is written.
const SIZING_ROWS: usize = 200;

/// The `list` headers; the two times name the zone they are in.
fn headers(zone: &Zone) -> [String; 6] {
    [
        "ID".to_owned(),
        "STATUS".to_owned(),
        "SERVICE".to_owned(),
        time_header("START", zone),
        time_header("LAST UPDATED", zone),
        "TITLE".to_owned(),
    ]
}

/// The `list` table: sized from its first rows, then streamed.
pub struct RecordTable<W: Write> {
    out: W,
    paint: Paint,
    width: Option<usize>,
    pending: Vec<Record>,
    layout: Option<Layout>,
    zone: Zone,
}

/// Which columns show, and how wide each is (the last column takes what is left).
struct Layout {
    show: [bool; 6],
    widths: [usize; 6],
}

impl<W: Write> RecordTable<W> {
    /// A table written to `out`, fitted to `width` columns when known, times in `zone`.
    pub fn new(out: W, paint: Paint, width: Option<usize>, zone: Zone) -> Self {
        RecordTable {
            out,
            paint,
            width,
            pending: Vec::new(),
            layout: None,
            zone,
        }
    }

    /// Adds one record.
    pub fn push(&mut self, record: Record) -> io::Result<()> {
        if self.layout.is_some() {
            return self.line(&record);
        }
        self.pending.push(record);
        if self.pending.len() == SIZING_ROWS {
            self.start()?;
        }
        Ok(())
    }

    /// Writes what is buffered and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        if self.layout.is_none() {
            self.start()?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn start(&mut self) -> io::Result<()> {
        let headers = headers(&self.zone);
        let mut widths = headers.each_ref().map(|h| cols(h));
        for r in &self.pending {
            for (w, cell) in widths.iter_mut().zip(record_cells(r, &self.zone)) {
                *w = (*w).max(cols(&cell));
            }
        }
        let layout = fit(widths, self.width);
        let header: Vec<String> = (0..6)
            .filter(|&i| layout.show[i])
            .map(|i| headers[i].clone())
            .collect();
        self.layout = Some(layout);
        if !self.pending.is_empty() {
            let line = self.join(&header.iter().map(String::as_str).collect::<Vec<_>>(), true);
            writeln!(self.out, "{line}")?;
        }
        for r in std::mem::take(&mut self.pending) {
            self.line(&r)?;
        }
        Ok(())
    }

    /// Pads and cuts visible cells; styles are applied after measuring.
    fn join(&self, cells: &[&str], header: bool) -> String {
        let Some(layout) = &self.layout else {
            return String::new();
        };
        let visible: Vec<usize> = (0..6).filter(|&i| layout.show[i]).collect();
        let mut parts = Vec::new();
        for (n, (&i, cell)) in visible.iter().zip(cells).enumerate() {
            let last = n + 1 == visible.len();
            let text = if last && self.width.is_none() {
                (*cell).to_owned()
            } else {
                cut(cell, layout.widths[i])
            };
            let shown = if header {
                self.paint.bold(&text)
            } else {
                text.clone()
            };
            parts.push(if last {
                shown
            } else {
                pad(&text, &shown, layout.widths[i])
            });
        }
        parts.join("  ")
    }

    fn line(&mut self, r: &Record) -> io::Result<()> {
        let Some(layout) = &self.layout else {
            return Ok(());
        };
        let cells = record_cells(r, &self.zone);
        let visible: Vec<usize> = (0..6).filter(|&i| layout.show[i]).collect();
        let mut parts = Vec::new();
        for (n, &i) in visible.iter().enumerate() {
            let last = n + 1 == visible.len();
            let text = if last && self.width.is_none() {
                cells[i].clone()
            } else {
                cut(&cells[i], layout.widths[i])
            };
            let shown = match i {
                0 => self.paint.bold(&text),
                1 => self.paint.status(r.status.as_ref(), r.closed, &text),
                3 | 4 => self.paint.dim(&text),
                _ => text.clone(),
            };
            parts.push(if last {
                shown
            } else {
                pad(&text, &shown, layout.widths[i])
            });
        }
        writeln!(self.out, "{}", parts.join("  "))
    }
}

/// Fits natural column widths into `width`: the title shrinks first (to 20),
/// then START, SERVICE and LAST UPDATED go, in that order.
fn fit(natural: [usize; 6], width: Option<usize>) -> Layout {
    const TITLE_MIN: usize = 20;
    let mut layout = Layout {
        show: [true; 6],
        widths: natural,
    };
    let Some(width) = width else {
        return layout;
    };
    for drop in [None, Some(3), Some(2), Some(4)] {
        if let Some(i) = drop {
            layout.show[i] = false;
        }
        let others: usize = (0..5)
            .filter(|&i| layout.show[i])
            .map(|i| layout.widths[i] + 2)
            .sum();
        if others + TITLE_MIN <= width || drop == Some(4) {
            layout.widths[5] = width.saturating_sub(others).max(TITLE_MIN).min(natural[5]);
            return layout;
        }
    }
    layout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_counts_wide_characters_twice() {
        assert_eq!(cut("Exchange Online", 40), "Exchange Online");
        assert_eq!(cut("Exchange Online", 9), "Exchange…");
        assert_eq!(cut("メールボックス", 7), "メール…");
        assert!(cols(&cut("メールボックス", 7)) <= 7);
    }

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(human_minutes(45.0), "45m");
        assert_eq!(human_minutes(615.0), "10h 15m");
        assert_eq!(human_minutes(3.0 * 1440.0 + 250.0), "3d 4h");
    }

    #[test]
    fn narrow_terminals_drop_columns_before_the_title_vanishes() {
        let natural = [9, 27, 22, 16, 16, 90];
        let wide = fit(natural, Some(200));
        assert_eq!(wide.show, [true; 6]);
        assert_eq!(wide.widths[5], 90);
        let mid = fit(natural, Some(120));
        assert_eq!(mid.show, [true; 6]);
        assert_eq!(mid.widths[5], 120 - (9 + 27 + 22 + 16 + 16 + 10));
        let narrow = fit(natural, Some(80));
        assert_eq!(narrow.show, [true, true, false, false, true, true]);
        let tiny = fit(natural, Some(40));
        assert_eq!(tiny.show, [true, true, false, false, false, true]);
        assert_eq!(tiny.widths[5], 20);
    }
}
