//! The filters `list`, `search`, `stats` and `export` share ([`Filter`]), turned into SQL.
//!
//! User text never becomes SQL text: every value is a bound parameter, and the
//! only SQL built here is fixed fragments and `?` placeholders, so a service
//! name like `'; DROP TABLE records` is just a service nobody has.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;

use super::state::{closed_sql, now_value};
use super::ts;
pub use crate::model::Filter;
use crate::model::Status;

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
            parts.push(format!("{t}.service LIKE ? ESCAPE '\\'"));
            params.push(Value::Text(format!("%{}%", like_escape(service))));
        }
        if !self.statuses.is_empty() {
            parts.push(format!(
                "lower({t}.status) IN (SELECT lower(value) FROM json_each(?))"
            ));
            let names: Vec<&str> = self.statuses.iter().map(Status::as_str).collect();
            params.push(Value::Text(json_list(&names)));
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

    /// The `LIMIT` parameter: SQLite reads a negative limit as none.
    pub(super) fn limit_value(&self) -> Value {
        Value::Integer(
            self.limit
                .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
        )
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
            c.params[1],
            Value::Text(r#"["serviceRestored","odd\"one"]"#.into())
        );
    }
}
