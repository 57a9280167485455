//! The two facts about time a command takes from its surroundings, read once
//! at the edge: the zone a person reads times in (`--tz`, `--local`,
//! `HEALTHFEED_TZ`) and the moment "now" is (`HEALTHFEED_NOW`, else the clock).

use chrono::{DateTime, Utc};

use super::args::ZoneArg;
use crate::commands::Error;
use crate::model::Zone;

/// The variable naming a zone when neither `--tz` nor `--local` is given.
const TZ_VAR: &str = "HEALTHFEED_TZ";

/// The hidden variable that fixes "now" (RFC 3339), for tests and reproducible reports.
const NOW_VAR: &str = "HEALTHFEED_NOW";

impl ZoneArg {
    /// The zone asked for: `--tz`, else `--local`, else `HEALTHFEED_TZ`, else
    /// UTC (the only one not "chosen": machine output then stays `Z`).
    pub fn zone(&self) -> Result<Zone, Error> {
        let named = |name: &str| Zone::named(name).map_err(|e| Error::Usage(e.to_string()));
        if let Some(name) = &self.tz {
            return named(name);
        }
        if self.local {
            return local_zone();
        }
        match std::env::var(TZ_VAR) {
            Ok(name) if !name.trim().is_empty() => {
                named(&name).map_err(|e| Error::Usage(format!("{TZ_VAR}: {e}")))
            }
            _ => Ok(Zone::utc()),
        }
    }
}

/// This process's zone: `TZ` when set, as the C library reads it (a name,
/// `:name`, or a path into the zoneinfo folder), since that is how a session
/// or a container says its zone while /etc/localtime often stays UTC; else
/// the system's own zone.
fn local_zone() -> Result<Zone, Error> {
    if let Ok(tz) = std::env::var("TZ") {
        let name = tz.trim().trim_start_matches(':');
        // A path is a zone file: /usr/share/zoneinfo/Asia/Tokyo names Asia/Tokyo,
        // and /etc/localtime (set to spare the C library a stat) is a link to one.
        let file = name
            .starts_with('/')
            .then(|| std::fs::canonicalize(name).ok())
            .flatten();
        let name = match &file {
            Some(path) => path.to_str().unwrap_or(name),
            None => name,
        };
        let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, n)| {
            // zoneinfo/posix/ and zoneinfo/right/ hold the same zones by name.
            n.trim_start_matches("posix/").trim_start_matches("right/")
        });
        // Any other path says nothing a name does: the system's zone follows.
        if !name.is_empty() && !name.starts_with('/') {
            return Zone::named(name).map_err(|_| {
                Error::Usage(format!(
                    "--local: TZ={tz:?} is not a zone name healthfeed knows \
                     (a POSIX rule like JST-9 is not one); name the zone with --tz, \
                     like --tz Asia/Tokyo"
                ))
            });
        }
    }
    let name = iana_time_zone::get_timezone().map_err(|e| {
        Error::Usage(format!(
            "--local: cannot tell this system's time zone ({e}); name it with --tz"
        ))
    })?;
    Zone::named(&name).map_err(|e| Error::Usage(e.to_string()))
}

/// "Now" for every answer that depends on it (ages in `--since`, whether a
/// Message Center record is over, status ages): `HEALTHFEED_NOW` when set,
/// so two runs can be asked at the same moment; else the clock.
pub fn now() -> Result<DateTime<Utc>, Error> {
    match std::env::var(NOW_VAR) {
        Ok(text) if !text.trim().is_empty() => DateTime::parse_from_rfc3339(text.trim())
            .map(|t| t.to_utc())
            .map_err(|_| {
                Error::Usage(format!(
                    "{NOW_VAR}={text:?} is not a time: use RFC 3339, like 2024-04-01T00:00:00Z"
                ))
            }),
        _ => Ok(Utc::now()),
    }
}
