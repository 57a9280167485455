//! Announcements coming due: Message Center records whose Action Required By
//! date or End Time falls in a window, for the monthly report.

use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::filter::{Filter, Target};
use super::records::{record_at, record_columns};
use super::{Store, StoreError, ts};
use crate::model::Record;

impl Store {
    /// Streams the Message Center records `filter` selects whose Action
    /// Required By or End Time is in `[from, until)`, by record ID. Any Start
    /// Time: an announcement of last year may fall due next month.
    pub fn each_due<E: From<StoreError>>(
        &self,
        filter: &Filter,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        mut each: impl FnMut(Record) -> Result<(), E>,
    ) -> Result<(), E> {
        let fail = |e| self.err("listing announcements coming due", e);
        let clause = filter.clause(Target::Records);
        // Times are stored as RFC 3339 UTC text of one width, so text order is time order.
        let sql = format!(
            "SELECT {} FROM records r WHERE {} AND r.kind = 'message'
               AND ((r.action_required_by >= ? AND r.action_required_by < ?)
                 OR (r.end_time >= ? AND r.end_time < ?))
             ORDER BY r.id",
            record_columns(),
            clause.sql
        );
        let mut params = clause.params;
        for _ in 0..2 {
            params.push(Value::Text(ts(from)));
            params.push(Value::Text(ts(until)));
        }
        let mut stmt = self.conn.prepare(&sql).map_err(fail)?;
        let mut rows = stmt.query(params_from_iter(params)).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            each(record_at(row, 0, clause.now).map_err(fail)?)?;
        }
        Ok(())
    }
}
