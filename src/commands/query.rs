//! `healthfeed query ID…`: everything the archive knows about some records.

use chrono::{DateTime, Utc};
use serde::Serialize;

use std::path::Path;

use super::Error;
use crate::model::{Kind, RecordDetail, RecordId, Section};
use crate::parse;
use crate::store::Store;

/// One record's answer: its detail plus what is derived on read.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The record, its timeline and its related records.
    #[serde(flatten)]
    pub detail: RecordDetail,
    /// How long it lasted, or has lasted so far, in minutes.
    pub duration_minutes: Option<i64>,
    /// True while a service-health record is open without an End Time.
    pub ongoing: bool,
    /// The latest message split at its headings.
    pub sections: Vec<Section>,
}

/// The answer for one asked ID.
#[derive(Debug, Clone)]
pub enum Found {
    /// The archive holds it.
    Record(Box<Answer>),
    /// The archive does not hold it.
    Missing {
        /// The ID asked for.
        id: RecordId,
        /// How many records the archive does hold.
        archive_records: u64,
    },
}

/// Looks up each ID in order in the archive at `db`. The machine translation
/// is kept only when `translation` is set; durations of ongoing records run to
/// `now`, and whether a Message Center record is over is judged at it.
pub fn run(
    db: &Path,
    ids: &[RecordId],
    translation: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Found>, Error> {
    let store = Store::open_read_only(db)?;
    ids.iter()
        .map(|id| {
            Ok(match store.detail(id, now)? {
                None => Found::Missing {
                    id: id.clone(),
                    archive_records: store.record_count()?,
                },
                Some(mut detail) => {
                    if !translation {
                        detail.machine_translation = None;
                    }
                    let kind: Kind = detail.record.kind;
                    Found::Record(Box::new(Answer {
                        duration_minutes: detail.record.duration_minutes(now),
                        ongoing: detail.record.is_ongoing(),
                        sections: parse::sections_of(&detail.message, kind),
                        detail,
                    }))
                }
            })
        })
        .collect()
}
