//! Helpers shared by the benchmarks that time the real binary.

use std::path::Path;
use std::process::Command;

/// `program` run under GNU time (Debian's `time` package) when it is installed,
/// so that [`peak_rss_mib`] can read the child's own peak RSS from `report`.
pub fn measured(program: &str, report: &Path) -> Command {
    if Path::new("/usr/bin/time").exists() {
        let mut cmd = Command::new("/usr/bin/time");
        cmd.args(["-f", "%M", "-o"]).arg(report).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// The peak RSS that [`measured`] recorded, in MiB; `None` without GNU time.
pub fn peak_rss_mib(report: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(report).ok()?;
    let kb: f64 = text.lines().last()?.trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// [`peak_rss_mib`] for a report line: `57.5 MiB`, or why it is missing.
pub fn rss_text(report: &Path) -> String {
    peak_rss_mib(report).map_or("n/a (install GNU time)".to_owned(), |m| {
        format!("{m:.1} MiB")
    })
}
