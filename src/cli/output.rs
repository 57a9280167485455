//! The output contract every data command shares: `--format` with the formats
//! that make sense for the command, `--json` as its short form, and
//! `-o/--output FILE` (`-` is standard output) written atomically, the format
//! following the file's extension when `--format` is not given.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, ValueEnum};

use super::table::Paint;
use super::visible::Visible;
use crate::commands::{self, Error, Format};
use crate::model::Zone;

/// What a format is, whatever command offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text laid out for a person.
    Table,
    /// Rows or one document for a program.
    Machine(Format),
}

/// A command's set of formats.
pub trait Formats: ValueEnum + Clone + Copy + PartialEq + Send + Sync + 'static {
    /// The format when neither `--format` nor the file's extension says.
    const DEFAULT: Self;
    /// What `--json` means.
    const JSON: Self;
    /// `--format`'s help: this command's default and the extensions it reads.
    const HELP: &'static str = "Output format [default: table, or what FILE's extension names: .csv, .json, .ndjson, .txt]";
    /// What this format is.
    fn kind(self) -> Kind;
    /// A format of this command's own that a file extension names (`.html`
    /// for a report), looked up before the shared extensions.
    fn by_extension(_ext: &str) -> Option<Self> {
        None
    }
    /// The format a file extension names, when this command offers it.
    fn from_kind(kind: Kind) -> Option<Self> {
        Self::value_variants()
            .iter()
            .copied()
            .find(|f| f.kind() == kind)
    }
}

/// `--format`, `--json` and `-o` of one command, whose formats are `F`.
#[derive(Debug, Args)]
pub struct Output<F: Formats> {
    /// Output format (the help text is the command's [`Formats::HELP`]).
    #[arg(long, value_name = "FORMAT", help = F::HELP, long_help = F::HELP)]
    pub format: Option<F>,

    /// Short for --format json (one JSON document).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Write to FILE instead of standard output (`-`: standard output); a file is replaced when complete.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where output goes, decided once.
pub struct Target<'a> {
    /// The format.
    pub kind: Kind,
    file: Option<&'a Path>,
    paged: bool,
}

/// Whether a pager may be used at all (`--no-pager` turns it off).
static PAGER: AtomicBool = AtomicBool::new(true);

/// Allows or forbids the pager for this run.
pub fn set_pager(on: bool) {
    PAGER.store(on, Ordering::Relaxed);
}

/// The pager to run, when output goes to a terminal and one is wanted:
/// `HEALTHFEED_PAGER`, else `PAGER`, else `less`; empty or `cat` means none.
fn pager() -> Option<String> {
    if !PAGER.load(Ordering::Relaxed) || !io::stdout().is_terminal() {
        return None;
    }
    let command = std::env::var("HEALTHFEED_PAGER")
        .or_else(|_| std::env::var("PAGER"))
        .unwrap_or_else(|_| "less".to_owned());
    let command = command.trim();
    (!command.is_empty() && command != "cat").then(|| command.to_owned())
}

/// Starts `pager` reading its input from a pipe; `None` when it cannot start.
fn spawn_pager(pager: &str) -> Option<(Child, ChildStdin)> {
    let mut command = Command::new("sh");
    command.args(["-c", pager]).stdin(Stdio::piped());
    // As git does: quit at once when the text fits the screen, keep colours, do not clear.
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    let mut child = command.spawn().ok()?;
    let stdin = child.stdin.take()?;
    Some((child, stdin))
}

impl<F: Formats> Output<F> {
    /// The format and destination, or a usage error when the two disagree.
    pub fn resolve(&self) -> Result<(F, Target<'_>), Error> {
        let file = self.output.as_deref().filter(|p| *p != Path::new("-"));
        let named = file.and_then(extension_kind);
        let given = if self.json {
            Some(F::JSON)
        } else {
            self.format
        };
        let own = file
            .and_then(|p| p.extension()?.to_str())
            .and_then(|ext| F::by_extension(&ext.to_ascii_lowercase()));
        let format = match (given, named) {
            _ if own.is_some_and(|o| given.is_some_and(|f| f != o)) => {
                return Err(Error::Usage(format!(
                    "--format {} conflicts with the extension of {}: drop --format, or name the file for it",
                    given.map(name).unwrap_or_default(),
                    file.map_or_else(String::new, |p| p.display().to_string())
                )));
            }
            (given, _) if own.is_some() => given.or(own).unwrap_or(F::DEFAULT),
            (Some(f), Some(kind)) if f.kind() != kind => {
                return Err(Error::Usage(format!(
                    "--format {} conflicts with the extension of {}: drop --format, or name the file for it",
                    name(f),
                    file.map_or_else(String::new, |p| p.display().to_string())
                )));
            }
            (Some(f), _) => f,
            (None, Some(kind)) => F::from_kind(kind).ok_or_else(|| {
                Error::Usage(format!(
                    "{} names a format this command does not write: pass --format ({})",
                    file.map_or_else(String::new, |p| p.display().to_string()),
                    F::value_variants()
                        .iter()
                        .map(|f| name(*f))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?,
            (None, None) => F::DEFAULT,
        };
        Ok((
            format,
            Target {
                kind: format.kind(),
                file,
                paged: false,
            },
        ))
    }
}

fn name<F: Formats>(f: F) -> String {
    f.to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_owned())
}

/// The format a file's extension names, if any.
fn extension_kind(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "csv" => Kind::Machine(Format::Csv),
        "json" => Kind::Machine(Format::Json),
        "ndjson" | "jsonl" => Kind::Machine(Format::Ndjson),
        "txt" => Kind::Table,
        _ => return None,
    })
}

impl Target<'_> {
    /// This output may be long: at a terminal, it goes through the pager.
    pub fn paged(mut self) -> Self {
        self.paged = true;
        self
    }

    /// Runs `write` on the destination: standard output (coloured only at a
    /// terminal that takes colour; machine rows at a terminal show controls as
    /// escapes) or the file, replaced atomically when `write` succeeds.
    pub fn write<T>(
        &self,
        write: impl FnOnce(&mut dyn Write, Paint) -> Result<T, Error>,
    ) -> Result<T, Error> {
        match self.file {
            Some(path) => commands::write_file(path, |out| write(out, Paint::for_file())),
            None => {
                let paged = self.paged.then(pager).flatten();
                if let Some((mut child, stdin)) = paged.as_deref().and_then(spawn_pager) {
                    let mut input = io::BufWriter::new(stdin);
                    let result = if self.kind == Kind::Table {
                        write(&mut input, Paint::for_stdout())
                    } else {
                        let mut shown = Visible::new(&mut input);
                        write(&mut shown, Paint::off()).and_then(|value| {
                            shown.flush()?;
                            Ok(value)
                        })
                    };
                    let result = result.and_then(|value| {
                        input.flush()?;
                        Ok(value)
                    });
                    drop(input);
                    // The pager's own exit status (the reader quit early) is no failure of ours.
                    let _ = child.wait();
                    return result;
                }
                let mut out = super::stdout();
                let value = if self.kind != Kind::Table && io::stdout().is_terminal() {
                    let mut shown = Visible::new(&mut out);
                    let value = write(&mut shown, Paint::off())?;
                    shown.flush()?;
                    value
                } else {
                    write(&mut out, Paint::for_stdout())?
                };
                out.flush()?;
                Ok(value)
            }
        }
    }

    /// The width to fit tables to: the terminal's for standard output, none for a file.
    pub fn width(&self) -> Option<usize> {
        match self.file {
            Some(_) => None,
            None => super::table::width(),
        }
    }

    /// Whether the output is a file (and a note on stderr may say where it went).
    pub fn file(&self) -> Option<&Path> {
        self.file
    }
}

/// Writes `value` as the machine format `kind` asks: one pretty JSON
/// document, or the same on one line for NDJSON.
pub fn doc(out: &mut dyn Write, kind: Kind, value: &impl serde::Serialize) -> Result<(), Error> {
    match kind {
        Kind::Machine(Format::Ndjson) => json_line(out, value),
        _ => json(out, value),
    }
}

/// Writes `value` as one pretty JSON document.
pub fn json(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes `value` as one line of JSON.
pub fn json_line(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<(), Error> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// [`doc`], its times in `zone` when the zone was chosen (see [`commands::rezone`]).
pub fn doc_in(
    out: &mut dyn Write,
    kind: Kind,
    value: &impl serde::Serialize,
    zone: &Zone,
) -> Result<(), Error> {
    match kind {
        Kind::Machine(Format::Ndjson) => json_line_in(out, value, zone),
        _ => json_in(out, value, zone),
    }
}

/// [`json`], its times in `zone` when the zone was chosen.
pub fn json_in(
    out: &mut dyn Write,
    value: &impl serde::Serialize,
    zone: &Zone,
) -> Result<(), Error> {
    if !zone.explicit {
        return json(out, value);
    }
    let text = serde_json::to_string_pretty(value).map_err(io::Error::from)?;
    writeln!(out, "{}", commands::rezone(&text, zone))?;
    Ok(())
}

/// [`json_line`], its times in `zone` when the zone was chosen.
pub fn json_line_in(
    out: &mut dyn Write,
    value: &impl serde::Serialize,
    zone: &Zone,
) -> Result<(), Error> {
    if !zone.explicit {
        return json_line(out, value);
    }
    let text = serde_json::to_string(value).map_err(io::Error::from)?;
    writeln!(out, "{}", commands::rezone(&text, zone))?;
    Ok(())
}

/// Formats of commands whose rows are records or hits: `list`, `search`, `rejects`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    /// Columns fitted to the terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Formats for RowFormat {
    const DEFAULT: Self = RowFormat::Table;
    const JSON: Self = RowFormat::Json;
    fn kind(self) -> Kind {
        match self {
            RowFormat::Table => Kind::Table,
            RowFormat::Csv => Kind::Machine(Format::Csv),
            RowFormat::Json => Kind::Machine(Format::Json),
            RowFormat::Ndjson => Kind::Machine(Format::Ndjson),
        }
    }
}

/// `export` formats: rows for programs and spreadsheets only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Formats for ExportFormat {
    const DEFAULT: Self = ExportFormat::Csv;
    const JSON: Self = ExportFormat::Json;
    const HELP: &'static str =
        "Output format [default: csv, or what FILE's extension names: .csv, .json, .ndjson]";
    fn kind(self) -> Kind {
        match self {
            ExportFormat::Csv => Kind::Machine(Format::Csv),
            ExportFormat::Json => Kind::Machine(Format::Json),
            ExportFormat::Ndjson => Kind::Machine(Format::Ndjson),
        }
    }
}

/// Formats of one document or a few: `query`, `status`, `import`, `reparse`, `sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    /// Text for a person.
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Formats for DocFormat {
    const DEFAULT: Self = DocFormat::Table;
    const JSON: Self = DocFormat::Json;
    const HELP: &'static str =
        "Output format [default: table, or what FILE's extension names: .json, .ndjson, .txt]";
    fn kind(self) -> Kind {
        match self {
            DocFormat::Table => Kind::Table,
            DocFormat::Json => Kind::Machine(Format::Json),
            DocFormat::Ndjson => Kind::Machine(Format::Ndjson),
        }
    }
}

/// `parse` formats: the records for programs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParseFormat {
    /// One JSON array, pretty-printed.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Formats for ParseFormat {
    const DEFAULT: Self = ParseFormat::Json;
    const JSON: Self = ParseFormat::Json;
    const HELP: &'static str =
        "Output format [default: json, or what FILE's extension names: .json, .ndjson]";
    fn kind(self) -> Kind {
        match self {
            ParseFormat::Json => Kind::Machine(Format::Json),
            ParseFormat::Ndjson => Kind::Machine(Format::Ndjson),
        }
    }
}

/// `stats` formats: tables, one document, or rows of (dimension, value, counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// Tables for a terminal.
    Table,
    /// One JSON object.
    Json,
    /// The JSON object on one line.
    Ndjson,
    /// CSV: dimension, value, records, median_minutes, p90_minutes.
    Csv,
}

impl Formats for StatsFormat {
    const DEFAULT: Self = StatsFormat::Table;
    const JSON: Self = StatsFormat::Json;
    fn kind(self) -> Kind {
        match self {
            StatsFormat::Table => Kind::Table,
            StatsFormat::Json => Kind::Machine(Format::Json),
            StatsFormat::Ndjson => Kind::Machine(Format::Ndjson),
            StatsFormat::Csv => Kind::Machine(Format::Csv),
        }
    }
}
