//! The filters `list`, `search`, `stats` and `export` share ([`Filter`]), turned into SQL.
//!
//! User text never becomes SQL text: every value is a bound parameter, and the
//! only SQL built here is fixed fragments and `?` placeholders, so a service
//! name like `'; DROP TABLE records` is just a service nobody has.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;

use super::state::{closed_sql, now_value};
use super::{Store, StoreError, ts};
pub use crate::model::Filter;
use crate::model::{
    Classification, MESSAGE_CENTER, MessageState, SortKey, Status, Topics, UnknownWord,
};

/// What a filter's columns belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `records r`: each record's current state.
    Records,
    /// `updates u`: each update's own values; open/closed still means the record's current state.
    Updates,
}

/// A `WHERE` clause (without the keyword; `1` when empty) and its parameters in order.
pub(super) struct Clause {
    pub sql: String,
    pub params: Vec<Value>,
    /// The time the question is asked at: what decides whether a Message
    /// Center record is over, in this clause and in the rows read with it.
    pub now: DateTime<Utc>,
}

impl Filter {
    /// The SQL condition selecting what this filter allows, on alias `r` or `u`.
    pub(super) fn clause(&self, target: Target) -> Clause {
        let t = match target {
            Target::Records => "r",
            Target::Updates => "u",
        };
        let now = self.now.unwrap_or_else(Utc::now);
        let mut parts: Vec<String> = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if let Some(service) = &self.service {
            // A Message Center record has no service; tables call it "Message Center",
            // and the same substring rule finds it by that name.
            let pattern = Value::Text(format!("%{}%", like_escape(service)));
            parts.push(format!(
                "({t}.service LIKE ? ESCAPE '\\' OR ({t}.kind = 'message' AND ? LIKE ? ESCAPE '\\'))"
            ));
            params.push(pattern.clone());
            params.push(Value::Text(MESSAGE_CENTER.to_owned()));
            params.push(pattern);
        }
        if !self.statuses.is_empty() || !self.message_states.is_empty() {
            let mut any: Vec<String> = Vec::new();
            if !self.statuses.is_empty() {
                any.push(format!(
                    "lower({t}.status) IN (SELECT lower(value) FROM json_each(?))"
                ));
                let names: Vec<&str> = self.statuses.iter().map(Status::as_str).collect();
                params.push(Value::Text(json_list(&names)));
            }
            let ended = self.message_states.contains(&MessageState::Ended);
            let active = self.message_states.contains(&MessageState::Active);
            if active && ended {
                any.push(format!("{t}.kind = 'message'"));
            } else if active || ended {
                // The same rule as --open/--closed: the record's state now, for an update too.
                any.push(match target {
                    Target::Records => format!("(r.kind = 'message' AND {} = ?)", closed_sql("r")),
                    Target::Updates => format!(
                        "(u.kind = 'message' AND EXISTS (SELECT 1 FROM records c \
                         WHERE c.id = u.record_id AND {} = ?))",
                        closed_sql("c")
                    ),
                });
                params.push(now_value(now));
                params.push(Value::Integer(i64::from(ended)));
            }
            parts.push(format!("({})", any.join(" OR ")));
        }
        if let Some(closed) = self.closed {
            parts.push(match target {
                Target::Records => format!("{} = ?", closed_sql("r")),
                Target::Updates => format!(
                    "EXISTS (SELECT 1 FROM records c WHERE c.id = u.record_id AND {} = ?)",
                    closed_sql("c")
                ),
            });
            params.push(now_value(now));
            params.push(Value::Integer(i64::from(closed)));
        }
        if let Some(kind) = self.kind {
            parts.push(format!("{t}.kind = ?"));
            params.push(Value::Text(kind.as_str().to_owned()));
        }
        if let Some(class) = &self.classification {
            parts.push(format!("{t}.classification = ? COLLATE NOCASE"));
            params.push(Value::Text(class.as_str().to_owned()));
        }
        if let Some(since) = self.since {
            parts.push(format!("{t}.last_updated >= ?"));
            params.push(Value::Text(ts(since)));
        }
        if let Some(until) = self.until {
            parts.push(format!("{t}.last_updated < ?"));
            params.push(Value::Text(ts(until)));
        }
        // Start Time rarely changes between updates; a window picks what started in it.
        if let Some(since) = self.started_since {
            parts.push(format!("{t}.start_time >= ?"));
            params.push(Value::Text(ts(since)));
        }
        if let Some(until) = self.started_until {
            parts.push(format!("{t}.start_time < ?"));
            params.push(Value::Text(ts(until)));
        }
        Clause {
            sql: if parts.is_empty() {
                "1".to_owned()
            } else {
                parts.join(" AND ")
            },
            params,
            now,
        }
    }

    /// The `ORDER BY` terms (without the keyword) for [`Filter::order`] and
    /// their parameters, which go after the clause's. Ties are broken by
    /// record ID and (for updates) then newest update first, so the sequence is
    /// the same on every run; rows without the key's value come last both ways.
    pub(super) fn order_sql(&self, target: Target) -> (String, Vec<Value>) {
        let t = match target {
            Target::Records => "r",
            Target::Updates => "u",
        };
        let id = match target {
            Target::Records => "r.id",
            Target::Updates => "u.record_id",
        };
        let mut params = Vec::new();
        // Each key in its reader-first direction: true for descending.
        let (key, descending) = match self.order.key {
            SortKey::LastUpdated => (format!("{t}.last_updated"), true),
            SortKey::Start => (format!("{t}.start_time"), true),
            SortKey::End => (format!("{t}.end_time"), true),
            SortKey::Duration => {
                // The exported duration (Record::closed_duration_minutes), in
                // whole minutes so rows that show the same value tie; an update
                // sorts by its record's.
                let duration = |a: &str| {
                    format!(
                        "(CASE WHEN {a}.kind = 'health' AND {a}.closed AND {a}.end_time IS NOT NULL \
                         THEN (CAST(strftime('%s', {a}.end_time) AS INTEGER) \
                             - CAST(strftime('%s', {a}.start_time) AS INTEGER)) / 60 END)"
                    )
                };
                let key = match target {
                    Target::Records => duration("r"),
                    Target::Updates => format!(
                        "(SELECT {} FROM records d WHERE d.id = u.record_id)",
                        duration("d")
                    ),
                };
                (key, true)
            }
            SortKey::Id => (id.to_owned(), false),
            SortKey::Service => {
                params.push(Value::Text(MESSAGE_CENTER.to_owned()));
                (
                    format!(
                        "(CASE WHEN {t}.kind = 'message' THEN ? ELSE {t}.service END) COLLATE NOCASE"
                    ),
                    false,
                )
            }
        };
        let direction = if descending != self.order.reverse {
            "DESC"
        } else {
            "ASC"
        };
        let nulls = match self.order.key {
            SortKey::End | SortKey::Duration | SortKey::Service => " NULLS LAST",
            SortKey::LastUpdated | SortKey::Start | SortKey::Id => "",
        };
        let ties = match target {
            Target::Records => "r.id".to_owned(),
            Target::Updates => "u.record_id, u.last_updated DESC, u.id".to_owned(),
        };
        (format!("{key} {direction}{nulls}, {ties}"), params)
    }

    /// The `LIMIT` parameter: SQLite reads a negative limit as none.
    pub(super) fn limit_value(&self) -> Value {
        Value::Integer(
            self.limit
                .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
        )
    }
}

impl Store {
    /// The first status or classification in `filter` that neither healthfeed
    /// nor this archive knows (a feed may bring new ones, which tables then
    /// print and filters must take), with the values that are known.
    pub fn unknown_word(&self, filter: &Filter) -> Result<Option<UnknownWord>, StoreError> {
        let status = filter
            .statuses
            .iter()
            .find(|s| matches!(s, Status::Other(_)));
        if let Some(status) = status {
            let mut known: Vec<String> = Status::KNOWN.iter().map(|s| s.to_string()).collect();
            known.extend(MessageState::KNOWN.iter().map(|s| s.to_string()));
            return self.unknown_in("status", "status", status.as_str(), known);
        }
        if let Some(class @ Classification::Other(_)) = &filter.classification {
            let known = Classification::KNOWN
                .iter()
                .map(|c| c.to_string())
                .collect();
            return self.unknown_in("classification", "classification", class.as_str(), known);
        }
        Ok(None)
    }

    /// The first status or classification of a subscription's `topics` that
    /// neither healthfeed nor this archive knows. Unlike [`Store::unknown_word`],
    /// `active`/`ended` are unknown: a subscription's `--status` is the status
    /// after a change, and Message Center records have none.
    pub fn unknown_topic_word(&self, topics: &Topics) -> Result<Option<UnknownWord>, StoreError> {
        for status in &topics.statuses {
            if !matches!(Status::parse(status), Status::Other(_)) {
                continue;
            }
            let known = Status::KNOWN.iter().map(|s| s.to_string()).collect();
            if let Some(word) = self.unknown_in("status", "status", status, known)? {
                return Ok(Some(word));
            }
        }
        for class in &topics.classifications {
            if !matches!(Classification::parse(class), Classification::Other(_)) {
                continue;
            }
            let known = Classification::KNOWN
                .iter()
                .map(|c| c.to_string())
                .collect();
            if let Some(word) = self.unknown_in("classification", "classification", class, known)? {
                return Ok(Some(word));
            }
        }
        Ok(None)
    }

    /// `given` as an unknown word unless the archive's `column` holds it (any case).
    fn unknown_in(
        &self,
        what: &'static str,
        column: &'static str,
        given: &str,
        mut known: Vec<String>,
    ) -> Result<Option<UnknownWord>, StoreError> {
        let fail = |e| self.err("reading the values a filter takes", e);
        let sql = format!("SELECT DISTINCT {column} FROM records WHERE {column} IS NOT NULL");
        let mut stmt = self.conn.prepare(&sql).map_err(fail)?;
        let stored = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        if stored.iter().any(|v| v.eq_ignore_ascii_case(given.trim())) {
            return Ok(None);
        }
        for value in stored {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(&value)) {
                known.push(value);
            }
        }
        Ok(Some(UnknownWord {
            what,
            given: given.to_owned(),
            known,
        }))
    }
}

/// Escapes `%`, `_` and the escape character itself for `LIKE … ESCAPE '\'`.
pub(super) fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn json_list(items: &[&str]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_filter_allows_everything() {
        let c = Filter::default().clause(Target::Records);
        assert_eq!(c.sql, "1");
        assert!(c.params.is_empty());
        assert_eq!(Filter::default().limit_value(), Value::Integer(-1));
    }

    #[test]
    fn user_text_only_ever_reaches_sql_as_parameters() {
        let f = Filter {
            service: Some("50%_off' OR 1=1 --".into()),
            statuses: vec![Status::parse("SERVICERESTORED"), Status::parse("odd\"one")],
            ..Filter::default()
        };
        let c = f.clause(Target::Records);
        assert!(!c.sql.contains("OR 1=1"));
        assert_eq!(c.params[0], Value::Text("%50\\%\\_off' OR 1=1 --%".into()));
        assert_eq!(
            c.params[3],
            Value::Text(r#"["serviceRestored","odd\"one"]"#.into())
        );
    }
}
