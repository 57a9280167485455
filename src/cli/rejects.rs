//! `healthfeed rejects` at the terminal: a table fitted to the width, or machine rows.

use std::path::Path;

use clap::Args;

use super::output::{Kind, Output, RowFormat};
use super::table::{self, Paint, cols, cut, pad};
use super::{Error, Exit};
use crate::commands::{self, Rows};
use crate::model::Zone;
use crate::model::{Reject, Verdict};

/// Arguments of `healthfeed rejects`.
#[derive(Debug, Args)]
pub struct RejectsArgs {
    /// The archive.
    #[command(flatten)]
    pub archive: super::args::ArchiveArg,

    /// The zone times are shown in.
    #[command(flatten)]
    pub zone: super::args::ZoneArg,

    /// Format and destination.
    #[command(flatten)]
    pub out: Output<RowFormat>,

    /// Colour.
    #[command(flatten)]
    pub color: super::args::ColorArg,

    /// Paging.
    #[command(flatten)]
    pub pager: super::args::PagerArg,
}

pub(super) fn run(db: &Path, args: RejectsArgs) -> Result<Exit, Error> {
    let (_, target) = args.out.resolve()?;
    let target = target.paged();
    let zone = args.zone.zone()?;
    if let Kind::Machine(format) = target.kind {
        target.write(|out, _| commands::rejects::run(db, Rows::Machine { format, out, zone }))?;
        return Ok(Exit::Success);
    }
    let mut rejects = Vec::new();
    let count = commands::rejects::run(
        db,
        Rows::Each(&mut |r| {
            rejects.push(r);
            Ok(())
        }),
    )?;
    target.write(|out, paint| {
        Ok(out.write_all(render(&rejects, paint, target.width(), &zone).as_bytes())?)
    })?;
    if count == 0 {
        eprintln!("healthfeed: no rejected posts");
    }
    Ok(Exit::Success)
}

/// The headers; MODIFIED names the zone its times are in.
fn headers(zone: &Zone) -> [String; 5] {
    [
        table::time_header("MODIFIED", zone),
        "POST".to_owned(),
        "VERDICT".to_owned(),
        "SOURCE".to_owned(),
        "REASON".to_owned(),
    ]
}

/// The shortest a reason is cut to before columns are dropped instead.
const REASON_MIN: usize = 30;

/// The table: every column at its natural width, the reason taking what is
/// left; on a narrow terminal SOURCE goes first, then MODIFIED.
fn render(rejects: &[Reject], paint: Paint, width: Option<usize>, zone: &Zone) -> String {
    if rejects.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 5]> = rejects.iter().map(|r| cells(r, zone)).collect();
    let headers = headers(zone);
    let mut widths = headers.each_ref().map(|h| cols(h));
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cols(cell));
        }
    }
    let mut show = [true; 5];
    let reason_width = match width {
        None => None,
        Some(width) => {
            let others = |show: &[bool; 5]| -> usize {
                (0..4).filter(|&i| show[i]).map(|i| widths[i] + 2).sum()
            };
            for drop in [3, 0] {
                if others(&show) + REASON_MIN <= width {
                    break;
                }
                show[drop] = false;
            }
            Some(width.saturating_sub(others(&show)).max(REASON_MIN))
        }
    };
    let line = |row: &[String; 5], header: bool| -> String {
        let mut parts = Vec::new();
        for i in (0..5).filter(|&i| show[i]) {
            if i == 4 {
                let text = reason_width.map_or_else(|| row[i].clone(), |w| cut(&row[i], w));
                parts.push(if header { paint.bold(&text) } else { text });
                continue;
            }
            let shown = match i {
                _ if header => paint.bold(&row[i]),
                0 => paint.dim(&row[i]),
                2 if row[i] == Verdict::Failed.as_str() => paint.style(
                    anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into())),
                    &row[i],
                ),
                _ => row[i].clone(),
            };
            parts.push(pad(&row[i], &shown, widths[i]));
        }
        parts.join("  ")
    };
    let mut out = line(&headers, true);
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row, false));
        out.push('\n');
    }
    out
}

/// The text cells of one reject: modified, post id, verdict, source, reason.
fn cells(r: &Reject, zone: &Zone) -> [String; 5] {
    [
        r.modified_gmt
            .map_or_else(|| "-".to_owned(), |t| table::minute(t, zone)),
        r.post_id.map_or_else(|| "-".to_owned(), |p| p.to_string()),
        r.verdict.as_str().to_owned(),
        r.source.clone(),
        r.reason.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(post: u64, verdict: Verdict, reason: &str) -> Reject {
        Reject {
            source: "https://m365jp.net".into(),
            post_id: Some(post),
            link: None,
            modified_gmt: None,
            verdict,
            reason: reason.into(),
            parser_version: 3,
        }
    }

    #[test]
    fn narrow_terminals_drop_the_source_before_cutting_the_reason_short() {
        let long = "post 868 (SP529650): bad timestamp in \"Start Time\": \"13/45/2023 07:00:00\"";
        let rejects = [
            reject(868, Verdict::Failed, long),
            reject(901, Verdict::NotARecord, "post 901: not a record"),
        ];
        let paint = Paint::for_stdout();
        let wide = render(&rejects, paint, None, &Zone::utc());
        assert!(wide.contains("SOURCE") && wide.contains(long), "{wide}");
        let narrow = render(&rejects, paint, Some(70), &Zone::utc());
        assert!(!narrow.contains("SOURCE"), "{narrow}");
        assert!(narrow.lines().all(|l| cols(l) <= 70), "{narrow}");
        assert!(narrow.contains("not-a-record"), "{narrow}");
        assert_eq!(render(&[], paint, Some(80), &Zone::utc()), "");
    }
}
