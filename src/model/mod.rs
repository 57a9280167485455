//! The domain types every other module speaks: IDs, statuses, one parsed update, one raw post.
//!
//! This module depends on nothing else in the crate, so `parse`, `store` and
//! `export` can all build on it without reaching into each other.

mod enums;
mod filter;
mod id;
mod post;
mod record;
mod reject;
mod site;
mod stats;
mod subscription;
mod vocab;
mod zone;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use enums::{Classification, Status};
pub use filter::{Filter, Order, SortKey};
pub(crate) use id::is_id_shape;
pub use id::{BadId, RecordId};
pub use post::{Post, PostShapeError};
pub use record::{
    ArchivedUpdate, Change, FieldValue, Hit, Record, RecordDetail, Related, Step, Translation,
    changes, plausible_last_updated,
};
pub use reject::{Reject, Verdict};
pub use site::{site_name, site_of_link, site_of_route};
pub use stats::{Count, Durations, Stats};
pub use subscription::{Subscription, Topics, redact_url};
pub use vocab::{MESSAGE_CENTER, MessageState, UnknownWord, closest};
pub use zone::{BadMonth, BadZone, Month, Zone};

/// Which family of feed post a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A service-health incident or advisory (`DZ534539`).
    Health,
    /// A Message Center announcement (`MC883199`).
    Message,
}

impl Kind {
    /// The short name used in output and filters: `health` or `message`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Health => "health",
            Kind::Message => "message",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "health" => Ok(Kind::Health),
            "message" => Ok(Kind::Message),
            other => Err(format!("unknown kind {other:?}: use health or message")),
        }
    }
}

/// One headed part of a message: `Final status: …` or `[When this will happen:]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The heading without its colon or brackets; empty for text before the first heading.
    pub heading: String,
    /// The section's text, paragraphs separated by a blank line.
    pub text: String,
}

/// Where an update came from: the WordPress post that carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRef {
    /// WordPress post id, unique within one source.
    pub id: u64,
    /// The post's public URL.
    pub link: Option<String>,
    /// The post's slug (duplicates get `-2`, `-3`…).
    pub slug: Option<String>,
    /// When the post was published, UTC.
    pub date_gmt: Option<DateTime<Utc>>,
    /// When the post was last modified, UTC.
    pub modified_gmt: Option<DateTime<Utc>>,
}

/// An update's typed table fields: what `Update`, `Record`, `Step` and
/// `ArchivedUpdate` share, so a new field is added in one place.
///
/// The field order is the JSON key order wherever it is flattened (the
/// `parse` output is pinned by snapshots), and the store's column list follows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    /// Service health or Message Center.
    pub kind: Kind,
    /// The affected service; none for Message Center posts.
    pub service: Option<String>,
    /// The record's title at this update.
    pub title: String,
    /// The status at this update; none for Message Center posts.
    pub status: Option<Status>,
    /// Incident, advisory, or a Message Center class.
    pub classification: Classification,
    /// The User Impact row, if present and non-empty.
    pub user_impact: Option<String>,
    /// The table's Last Updated time: the update's identity together with the ID.
    pub last_updated: DateTime<Utc>,
    /// The table's Start Time.
    pub start_time: DateTime<Utc>,
    /// The table's End Time; none while the issue is ongoing. For Message
    /// Center, the date the announcement runs until (often months ahead).
    pub end_time: Option<DateTime<Utc>>,
    /// The Action Required By Date row (Message Center), when the post has one.
    pub action_required_by: Option<DateTime<Utc>>,
}

impl Fields {
    /// Whether the update says its record is over at `now`: a closed status
    /// for service health; for Message Center, an End Time that has passed
    /// (an announcement is active until then, and while it has none).
    pub fn is_over_at(&self, now: DateTime<Utc>) -> bool {
        match &self.status {
            Some(status) => status.is_closed(),
            None => self.end_time.is_some_and(|end| end <= now),
        }
    }
}

/// A data-table row the parser does not know (`Feature Group`, `Is Resolved`…),
/// kept as written so nothing in the table is silently dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraRow {
    /// The row's header cell, without a trailing colon.
    pub name: String,
    /// The row's cell as plain text.
    pub text: String,
}

/// Lets readers write `record.title` for `record.fields.title`: the fields
/// keep the names they had before they were shared, as they do in the JSON.
macro_rules! reads_fields {
    ($($owner:ty),+) => {$(
        impl std::ops::Deref for $owner {
            type Target = Fields;
            fn deref(&self) -> &Fields {
                &self.fields
            }
        }
    )+};
}

reads_fields!(Update, Record, Step, ArchivedUpdate);

/// One update of a record, as one feed post states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// The record's ID.
    pub id: RecordId,
    /// The table's fields.
    #[serde(flatten)]
    pub fields: Fields,
    /// The message as plain text: paragraphs split by a blank line.
    pub message: String,
    /// The message split at its headings, in order.
    pub sections: Vec<Section>,
    /// The Machine Translation row (Japanese), when the post has one.
    pub machine_translation: Option<String>,
    /// Rows of the data table the parser does not know, in table order;
    /// left out of the JSON when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_rows: Vec<ExtraRow>,
    /// Other record IDs the message mentions, in order of first mention.
    pub related_ids: Vec<RecordId>,
    /// The post that carried this update.
    pub post: PostRef,
}

impl Update {
    /// Whether this update says the issue is over at `now` (see [`Fields::is_over_at`]).
    pub fn is_closed(&self, now: DateTime<Utc>) -> bool {
        self.fields.is_over_at(now)
    }
}
