//! Aggregates over many records: what `healthfeed stats` reports.

use serde::Serialize;

/// Counts and durations over the records a filter selects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Records counted.
    pub records: u64,
    /// Records per service (none: Message Center), most first.
    pub by_service: Vec<Count>,
    /// Records per current status (Message Center: `active` or `ended`), most first.
    pub by_status: Vec<Count>,
    /// Records per classification, most first.
    pub by_classification: Vec<Count>,
    /// Records per month of their Start Time (`2023-03`, in the zone asked; UTC by default), oldest first.
    pub by_month: Vec<Count>,
    /// For closed service-health records with an End Time: durations per service, by name.
    pub durations: Vec<Durations>,
}

/// How many records share one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The value; none when the records have no such field.
    pub key: Option<String>,
    /// How many records have it.
    pub records: u64,
}

/// How long closed incidents of one service lasted (End − Start).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Durations {
    /// The service.
    pub service: String,
    /// Closed records with an End Time.
    pub records: u64,
    /// Median duration in minutes (the mean of the two middle values for an even count).
    pub median_minutes: f64,
    /// 90th percentile in minutes, interpolated between closest ranks.
    pub p90_minutes: f64,
}
