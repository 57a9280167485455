//! Helpers shared by the benchmarks that time the real binary.

use std::path::Path;
use std::process::Command;

/// `program` run under GNU time (Debian's `time` package) when it is installed,
/// so that [`peak_rss_mib`] and [`cpu_seconds`] can read the child's own figures from `report`.
pub fn measured(program: &str, report: &Path) -> Command {
    if Path::new("/usr/bin/time").exists() {
        let mut cmd = Command::new("/usr/bin/time");
        cmd.args(["-f", "%U %S %M", "-o"]).arg(report).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// [`measured`], with every thread of the child held to CPU 0 (`taskset`, util-linux);
/// `None` when `taskset` is missing.
pub fn measured_on_one_core(program: &str, report: &Path) -> Option<Command> {
    let taskset = ["/usr/bin/taskset", "/bin/taskset"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let timed = measured(program, report);
    let mut cmd = Command::new(taskset);
    cmd.args(["-c", "0"])
        .arg(timed.get_program())
        .args(timed.get_args());
    Some(cmd)
}

/// The last line of a [`measured`] report, as numbers: user s, system s, peak KB.
fn report_fields(report: &Path) -> Option<Vec<f64>> {
    let text = std::fs::read_to_string(report).ok()?;
    let fields: Vec<f64> = text
        .lines()
        .last()?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    (fields.len() == 3).then_some(fields)
}

/// The peak RSS that [`measured`] recorded, in MiB; `None` without GNU time.
pub fn peak_rss_mib(report: &Path) -> Option<f64> {
    report_fields(report).map(|f| f[2] / 1024.0)
}

/// The CPU time (user + system) that [`measured`] recorded; `None` without GNU time.
pub fn cpu_seconds(report: &Path) -> Option<f64> {
    report_fields(report).map(|f| f[0] + f[1])
}

/// [`peak_rss_mib`] for a report line: `57.5 MiB`, or why it is missing.
pub fn rss_text(report: &Path) -> String {
    peak_rss_mib(report).map_or("n/a (install GNU time)".to_owned(), |m| {
        format!("{m:.1} MiB")
    })
}
