//! Counting records by service, status, classification and month, and how long
//! closed incidents lasted, in one pass over the records a filter selects.
//!
//! Counts need only a map per dimension; percentiles need the durations of each
//! service, which are a handful of bytes per closed record, so even a large
//! archive aggregates in a few megabytes.

use std::collections::{BTreeMap, HashMap};

use rusqlite::params_from_iter;

use super::columns::{opt_time, text, time};
use super::filter::{Filter, Target};
use super::state::{closed_sql, now_value};
use super::{Store, StoreError};
use crate::model::{Count, Durations, MessageState, Month, Stats, Zone};

impl Store {
    /// Counts and durations over the records `filter` selects; months of Start Time in UTC.
    pub fn stats(&self, filter: &Filter) -> Result<Stats, StoreError> {
        self.stats_in(filter, &Zone::utc())
    }

    /// Counts and durations over the records `filter` selects; a record's
    /// month of start is the month on the wall clock of `zone`.
    pub fn stats_in(&self, filter: &Filter, zone: &Zone) -> Result<Stats, StoreError> {
        let fail = |e| self.err("computing statistics", e);
        let clause = filter.clause(Target::Records);
        // Order matters only to pick the N most recent; a plain scan is cheaper.
        let order = if filter.limit.is_some() {
            "ORDER BY r.last_updated DESC, r.id"
        } else {
            ""
        };
        let sql = format!(
            "SELECT r.service, r.status, r.classification, substr(r.start_time, 1, 7),
               r.kind, {}, r.start_time, r.end_time
             FROM records r WHERE {} {order} LIMIT ?",
            closed_sql("r"),
            clause.sql
        );
        // The select list's `?` comes before the clause's.
        let mut values = vec![now_value(clause.now)];
        values.extend(clause.params);
        values.push(filter.limit_value());
        let mut stmt = self.conn.prepare(&sql).map_err(fail)?;
        let mut rows = stmt.query(params_from_iter(values)).map_err(fail)?;

        let mut records = 0;
        let mut service: HashMap<Option<String>, u64> = HashMap::new();
        let mut status: HashMap<Option<String>, u64> = HashMap::new();
        let mut class: HashMap<Option<String>, u64> = HashMap::new();
        let mut month: HashMap<Option<String>, u64> = HashMap::new();
        let mut minutes: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        while let Some(row) = rows.next().map_err(fail)? {
            records += 1;
            let svc: Option<String> = row.get(0).map_err(fail)?;
            let health = text(row, 4).map_err(fail)? == "health";
            let closed: bool = row.get(5).map_err(fail)?;
            // Message Center has no status: counted by its state, the word `--status` takes.
            let state: Option<String> = match health {
                true => row.get(1).map_err(fail)?,
                false => Some(MessageState::of(closed).as_str().to_owned()),
            };
            *status.entry(state).or_default() += 1;
            *class.entry(row.get(2).map_err(fail)?).or_default() += 1;
            // UTC months come from the text; another zone's need the instant.
            let of_start = match zone.tz {
                chrono_tz::Tz::UTC => row.get(3).map_err(fail)?,
                _ => Some(Month::of(time(row, 6).map_err(fail)?, zone).to_string()),
            };
            *month.entry(of_start).or_default() += 1;
            if health
                && closed
                && let Some(name) = &svc
                && let Some(end) = opt_time(row, 7).map_err(fail)?
            {
                let start = time(row, 6).map_err(fail)?;
                let lasted = (end - start).num_seconds() as f64 / 60.0;
                minutes.entry(name.clone()).or_default().push(lasted);
            }
            *service.entry(svc).or_default() += 1;
        }
        let mut by_month = counts(month);
        by_month.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Stats {
            records,
            by_service: counts(service),
            by_status: counts(status),
            by_classification: counts(class),
            by_month,
            durations: minutes
                .into_iter()
                .map(|(service, mut values)| {
                    values.sort_by(f64::total_cmp);
                    Durations {
                        service,
                        records: values.len() as u64,
                        median_minutes: percentile(&values, 0.5),
                        p90_minutes: percentile(&values, 0.9),
                    }
                })
                .collect(),
        })
    }
}

/// Most records first; ties by value so the output is stable.
fn counts(map: HashMap<Option<String>, u64>) -> Vec<Count> {
    let mut out: Vec<Count> = map
        .into_iter()
        .map(|(key, records)| Count { key, records })
        .collect();
    out.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.key.cmp(&b.key)));
    out
}

/// The `p` quantile of sorted `values`, linearly interpolated between closest
/// ranks (so the median of an even count is the mean of the middle two).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted {
        [] => 0.0,
        [only] => *only,
        _ => {
            let rank = p * (sorted.len() - 1) as f64;
            let low = rank.floor() as usize;
            let high = rank.ceil() as usize;
            let (a, b) = (sorted[low], sorted[high.min(sorted.len() - 1)]);
            a + (b - a) * (rank - low as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(percentile(&[7.0], 0.9), 7.0);
        assert_eq!(percentile(&[10.0, 20.0], 0.5), 15.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.5), 3.0);
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert!((percentile(&hundred, 0.9) - 90.1).abs() < 1e-9);
    }

    #[test]
    fn counts_sort_by_size_then_name() {
        let map = HashMap::from([
            (Some("b".to_owned()), 2),
            (Some("a".to_owned()), 2),
            (None, 5),
        ]);
        let keys: Vec<_> = counts(map).into_iter().map(|c| c.key).collect();
        assert_eq!(keys, [None, Some("a".into()), Some("b".into())]);
    }
}
