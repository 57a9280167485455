//! Full-text search: records ranked by their best-matching update, with a snippet.
//!
//! English words are indexed as their Porter stems (schema 6), so `mailbox`
//! finds "mailboxes" and `delays` "delayed", and snippets mark the form found.
//!
//! People type what they remember, not FTS5 syntax, so text that FTS5 refuses
//! (`"unbalanced`, `AND OR`, `foo*bar(`) is searched again as plain words rather
//! than failing. Japanese is not split into words by the default tokenizer, so a
//! query holding Japanese goes to the trigram index over machine translations
//! (and, for one- or two-character words, a substring scan), plus the titles.

use rusqlite::types::Value;
use std::collections::HashSet;

use rusqlite::{ErrorCode, OptionalExtension, params, params_from_iter};

use super::filter::{Filter, Target, like_escape};
use super::records::{RECORD_WIDTH, record_at, record_columns};
use super::{Store, StoreError};
use crate::model::Hit;

/// How a search went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchOutcome {
    /// Records found (after filters and limit).
    pub hits: u64,
    /// The text was not valid FTS5 syntax and was searched as plain words.
    pub plain_words: bool,
    /// The text holds Japanese and was searched in machine translations and titles.
    pub japanese: bool,
}

/// Why a search stopped: SQLite refused, or the caller's callback did.
enum Stop<E> {
    Sql(rusqlite::Error),
    Caller(E),
}

/// bm25 weights for `record_id, service, title, user_impact, message`: an ID or
/// title hit says more than a word deep in a message. Constants, not user text.
const WEIGHTS: &str = "10.0, 1.0, 5.0, 2.0, 1.0";

/// The longest a search may run before it is stopped.
pub const SEARCH_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Snippet length in tokens (words; trigrams for Japanese).
const SNIPPET_TOKENS: u32 = 14;

impl Store {
    /// Searches the archive for `text`, best match first, passing each hit to
    /// `each`. Matched words in snippets are wrapped in `marks` (open, close).
    ///
    /// A search that runs longer than [`SEARCH_TIME_LIMIT`] is stopped
    /// ([`StoreError::TimedOut`]): a hostile or mistaken query (thousands of
    /// prefix terms) must not hold a terminal or a script for minutes.
    pub fn search<E: From<StoreError>>(
        &self,
        text: &str,
        filter: &Filter,
        marks: (&str, &str),
        each: impl FnMut(Hit) -> Result<(), E>,
    ) -> Result<SearchOutcome, E> {
        let interrupt = self.conn.get_interrupt_handle();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                finished.recv_timeout(SEARCH_TIME_LIMIT)
            {
                interrupt.interrupt();
            }
        });
        let result = self.search_unbounded(text, filter, marks, each);
        drop(done);
        // The watchdog only waits on the channel; it cannot fail.
        let _ = watchdog.join();
        result
    }

    fn search_unbounded<E: From<StoreError>>(
        &self,
        text: &str,
        filter: &Filter,
        marks: (&str, &str),
        mut each: impl FnMut(Hit) -> Result<(), E>,
    ) -> Result<SearchOutcome, E> {
        let fail = |e| self.err("searching", e);
        if text.chars().any(is_japanese) {
            return match self.japanese(text, filter, marks, &mut each) {
                Ok(hits) => Ok(SearchOutcome {
                    hits,
                    plain_words: false,
                    japanese: true,
                }),
                Err(Stop::Sql(e)) => Err(fail(e).into()),
                Err(Stop::Caller(e)) => Err(e),
            };
        }
        let mut emitted = 0;
        match self.fts(text, filter, marks, &mut each, &mut emitted) {
            Ok(hits) => {
                return Ok(SearchOutcome {
                    hits,
                    ..SearchOutcome::default()
                });
            }
            // SQLITE_ERROR before any row: the MATCH text did not parse.
            Err(Stop::Sql(e)) if emitted == 0 && is_query_error(&e) => {}
            Err(Stop::Sql(e)) => return Err(fail(e).into()),
            Err(Stop::Caller(e)) => return Err(e),
        }
        match self.fts(&plain_words(text), filter, marks, &mut each, &mut emitted) {
            Ok(hits) => Ok(SearchOutcome {
                hits,
                plain_words: true,
                japanese: false,
            }),
            Err(Stop::Sql(e)) => Err(fail(e).into()),
            Err(Stop::Caller(e)) => Err(e),
        }
    }

    fn fts<E>(
        &self,
        query: &str,
        filter: &Filter,
        marks: (&str, &str),
        each: &mut impl FnMut(Hit) -> Result<(), E>,
        emitted: &mut u64,
    ) -> Result<u64, Stop<E>> {
        // Every match is scored from the index alone, without reading the updates
        // (SQLite's sorter orders them faster than FTS5's own `ORDER BY rank`);
        // only the best are then looked up, deduplicated per record and
        // filtered, until the limit is reached.
        let mut ranked = self
            .conn
            .prepare_cached(&format!(
                "SELECT rowid, bm25(updates_fts, {WEIGHTS}) AS score FROM updates_fts
                 WHERE updates_fts MATCH ?1 ORDER BY score"
            ))
            .map_err(Stop::Sql)?;
        let mut owner = self
            .conn
            .prepare_cached("SELECT record_id FROM updates WHERE id = ?1")
            .map_err(Stop::Sql)?;
        let clause = filter.clause(Target::Records);
        let mut record = self
            .conn
            .prepare(&format!(
                "SELECT {} FROM records r WHERE r.id = ? AND {}",
                record_columns(),
                clause.sql
            ))
            .map_err(Stop::Sql)?;
        let mut snippet = self
            .conn
            .prepare_cached(&format!(
                "SELECT snippet(updates_fts, -1, ?1, ?2, '…', {SNIPPET_TOKENS})
                 FROM updates_fts WHERE updates_fts MATCH ?3 AND rowid = ?4"
            ))
            .map_err(Stop::Sql)?;
        let limit = filter.limit.unwrap_or(u64::MAX);
        let mut seen: HashSet<String> = HashSet::new();
        let mut hits = 0;
        let mut rows = ranked.query([query]).map_err(Stop::Sql)?;
        while hits < limit {
            let Some(row) = rows.next().map_err(Stop::Sql)? else {
                break;
            };
            let uid: i64 = row.get(0).map_err(Stop::Sql)?;
            let score: f64 = row.get(1).map_err(Stop::Sql)?;
            let rid: String = owner.query_row([uid], |r| r.get(0)).map_err(Stop::Sql)?;
            // A record's first (best-ranked) update stands for it.
            if !seen.insert(rid.clone()) {
                continue;
            }
            let mut values = vec![Value::Text(rid)];
            values.extend(clause.params.iter().cloned());
            let found = record
                .query_row(params_from_iter(values), |r| record_at(r, 0, clause.now))
                .optional()
                .map_err(Stop::Sql)?;
            let Some(record) = found else {
                continue;
            };
            let snippet: String = snippet
                .query_row(params![marks.0, marks.1, query, uid], |r| r.get(0))
                .map_err(Stop::Sql)?;
            hits += 1;
            *emitted += 1;
            each(Hit {
                record,
                score,
                snippet: one_line(&snippet),
            })
            .map_err(Stop::Caller)?;
        }
        Ok(hits)
    }

    /// Japanese words: trigram matches in machine translations, substring matches in titles.
    fn japanese<E>(
        &self,
        text: &str,
        filter: &Filter,
        marks: (&str, &str),
        each: &mut impl FnMut(Hit) -> Result<(), E>,
    ) -> Result<u64, Stop<E>> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let clause = filter.clause(Target::Records);
        let mut values: Vec<Value> = Vec::new();
        let like_all = |column: &str, values: &mut Vec<Value>| -> String {
            words
                .iter()
                .map(|w| {
                    values.push(Value::Text(format!("%{}%", like_escape(w))));
                    format!("{column} LIKE ? ESCAPE '\\'")
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        // Trigrams need three characters; shorter words can only be found by scanning.
        let translated = if words.iter().all(|w| w.chars().count() >= 3) {
            values.push(Value::Text(plain_words(text)));
            "SELECT t.rowid AS uid, u.record_id AS rid, bm25(translation_fts) AS score
             FROM translation_fts t JOIN updates u ON u.id = t.rowid
             WHERE translation_fts MATCH ?"
                .to_owned()
        } else {
            format!(
                "SELECT u.id AS uid, u.record_id AS rid, 0.0 AS score FROM updates u
                 WHERE u.machine_translation IS NOT NULL AND {}",
                like_all("u.machine_translation", &mut values)
            )
        };
        let titled = like_all("u.title", &mut values);
        let sql = format!(
            "WITH m AS MATERIALIZED ({translated}
               UNION ALL SELECT u.id, u.record_id, 0.0 FROM updates u WHERE {titled}),
             best AS (SELECT rid, min(score) AS score, uid FROM m GROUP BY rid)
             SELECT {}, best.score, cu2.title, cu2.machine_translation
             FROM best JOIN records r ON r.id = best.rid
               JOIN updates cu2 ON cu2.id = best.uid
             WHERE {} ORDER BY best.score, r.last_updated DESC, r.id LIMIT ?",
            record_columns(),
            clause.sql
        );
        let now = clause.now;
        values.extend(clause.params);
        values.push(filter.limit_value());
        let mut stmt = self.conn.prepare(&sql).map_err(Stop::Sql)?;
        let mut rows = stmt.query(params_from_iter(values)).map_err(Stop::Sql)?;
        let mut hits = 0;
        while let Some(row) = rows.next().map_err(Stop::Sql)? {
            let record = record_at(row, 0, now).map_err(Stop::Sql)?;
            let score: f64 = row.get(RECORD_WIDTH).map_err(Stop::Sql)?;
            let title: String = row.get(RECORD_WIDTH + 1).map_err(Stop::Sql)?;
            let translation: Option<String> = row.get(RECORD_WIDTH + 2).map_err(Stop::Sql)?;
            let snippet = translation
                .as_deref()
                .and_then(|t| cut(t, &words, marks))
                .or_else(|| cut(&title, &words, marks))
                .unwrap_or(title);
            hits += 1;
            each(Hit {
                record,
                score,
                snippet,
            })
            .map_err(Stop::Caller)?;
        }
        Ok(hits)
    }
}

/// FTS5 reports unparsable MATCH text (and unknown column filters) as plain SQLITE_ERROR.
fn is_query_error(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::Unknown)
}

/// Each whitespace-separated word as an FTS5 string, so no character is syntax.
pub(super) fn plain_words(text: &str) -> String {
    text.split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Hiragana, katakana (full and half width), CJK ideographs and Japanese punctuation.
fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF66}'..='\u{FF9F}')
}

/// About 20 characters either side of the first word of `words` found in `text`, marked.
fn cut(text: &str, words: &[&str], marks: (&str, &str)) -> Option<String> {
    const RADIUS: usize = 20;
    let (at, word) = words
        .iter()
        .filter_map(|w| text.find(w).map(|at| (at, *w)))
        .min_by_key(|(at, _)| *at)?;
    let before: Vec<(usize, char)> = text[..at].char_indices().collect();
    let start = before.len().checked_sub(RADIUS).map_or(0, |i| before[i].0);
    let after_start = at + word.len();
    let end = text[after_start..]
        .char_indices()
        .nth(RADIUS)
        .map_or(text.len(), |(i, _)| after_start + i);
    Some(one_line(&format!(
        "{}{}{}{word}{}{}{}",
        if start > 0 { "…" } else { "" },
        &text[start..at],
        marks.0,
        marks.1,
        &text[after_start..end],
        if end < text.len() { "…" } else { "" },
    )))
}

/// Paragraph breaks and runs of spaces as single spaces: a snippet is one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Classification, Fields, Kind, PostRef, RecordId, Status, Update};
    use crate::store::{Batch, Incoming, Outcome};
    use chrono::{DateTime, Utc};

    /// An update of `id` titled `title`, carried by post `post`.
    fn update(id: &str, post: u64, title: &str) -> Update {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        Update {
            id: RecordId::parse(id).unwrap(),
            fields: Fields {
                kind: Kind::Health,
                service: Some("Exchange Online".into()),
                title: title.into(),
                status: Some(Status::parse("serviceDegradation")),
                classification: Classification::parse("incident"),
                user_impact: None,
                last_updated: t("2023-03-29T18:00:00Z"),
                start_time: t("2023-03-29T07:00:00Z"),
                end_time: None,
                action_required_by: None,
            },
            message: format!("Title: {title}"),
            sections: Vec::new(),
            machine_translation: None,
            extra_rows: Vec::new(),
            related_ids: Vec::new(),
            post: PostRef {
                id: post,
                link: None,
                slug: None,
                date_gmt: None,
                modified_gmt: None,
            },
        }
    }

    /// An archive holding three records, one word form each.
    fn archive(dir: &std::path::Path) -> Store {
        let mut store = Store::open(&dir.join("a.db")).unwrap();
        let updates = [
            update("EX100001", 1, "Users cannot open their mailboxes"),
            update("EX100002", 2, "Searching a mailbox is slow"),
            update("EX100003", 3, "Messages were delayed"),
        ];
        let jsons: Vec<String> = (1..=3).map(|i| format!("{{\"id\":{i}}}")).collect();
        let posts = updates
            .into_iter()
            .zip(&jsons)
            .map(|(u, json)| Incoming {
                json,
                meta: Some(u.post.clone()),
                outcome: Outcome::Update(Box::new(u)),
            })
            .collect();
        store
            .ingest(&Batch {
                site: "https://example.com",
                posts,
                parser_version: 1,
                fetched_at: Utc::now(),
                cursor: None,
            })
            .unwrap();
        store
    }

    /// Record IDs and snippets found for `text`, best first.
    fn found(store: &Store, text: &str) -> Vec<(String, String)> {
        let mut hits = Vec::new();
        store
            .search(text, &Filter::default(), ("[", "]"), |hit| {
                hits.push((hit.record.id.to_string(), hit.snippet));
                Ok::<_, StoreError>(())
            })
            .unwrap();
        hits
    }

    /// Record IDs found for `text`, sorted: which records, not in what order.
    fn ids(store: &Store, text: &str) -> Vec<String> {
        let mut ids: Vec<String> = found(store, text).into_iter().map(|h| h.0).collect();
        ids.sort();
        ids
    }

    #[test]
    fn a_word_finds_its_other_forms() {
        let dir = tempfile::tempdir().unwrap();
        let store = archive(dir.path());
        let mailbox = found(&store, "mailbox");
        assert_eq!(ids(&store, "mailbox"), ["EX100001", "EX100002"]);
        let (_, snippet) = mailbox.iter().find(|(id, _)| id == "EX100001").unwrap();
        assert!(snippet.contains("[mailboxes]"), "{mailbox:?}");
        assert_eq!(ids(&store, "mailboxes"), ["EX100001", "EX100002"]);
        let delays = found(&store, "delays");
        assert_eq!(delays.len(), 1);
        assert_eq!(delays[0].0, "EX100003");
        assert!(delays[0].1.contains("[delayed]"), "{delays:?}");
    }

    #[test]
    fn an_archive_with_the_unstemmed_index_is_stemmed_at_a_writer_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = archive(dir.path());
        // Schema 5 as it shipped: the English index as typed, no stems.
        store
            .conn
            .execute_batch(
                "DROP TABLE updates_fts;
                 CREATE VIRTUAL TABLE updates_fts USING fts5(
                     record_id, service, title, user_impact, message,
                     content='updates', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
                 INSERT INTO updates_fts(updates_fts) VALUES ('rebuild');
                 PRAGMA user_version = 5;",
            )
            .unwrap();
        drop(store);
        let path = dir.path().join("a.db");
        assert!(matches!(
            Store::open_read_only(&path),
            Err(StoreError::Old { found: 5, .. })
        ));
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 6);
        assert_eq!(ids(&store, "mailbox"), ["EX100001", "EX100002"]);
        store
            .conn
            .execute_batch(
                "INSERT INTO updates_fts(updates_fts, rank) VALUES ('integrity-check', 1);",
            )
            .unwrap();
    }

    #[test]
    fn plain_words_quote_every_character() {
        assert_eq!(plain_words("\"unbalanced"), r#""""unbalanced""#);
        assert_eq!(plain_words("AND  OR"), r#""AND" "OR""#);
        assert_eq!(plain_words("foo*bar("), r#""foo*bar(""#);
    }

    #[test]
    fn japanese_is_told_from_latin() {
        assert!("メールボックス".chars().all(is_japanese));
        assert!("管理者".chars().all(is_japanese));
        assert!(!"Exchange café".chars().any(is_japanese));
    }

    #[test]
    fn cut_marks_the_first_match_and_keeps_char_boundaries() {
        let text = "ユーザーは Outlook on the web を使用してメールボックスにアクセスできなかった可能性があります。詳細は後ほどお知らせします。";
        let got = cut(text, &["メールボックス"], ("[", "]")).unwrap();
        assert!(got.contains("[メールボックス]"), "{got}");
        assert!(got.ends_with('…'));
        assert_eq!(cut("abc", &["x"], ("[", "]")), None);
    }
}
