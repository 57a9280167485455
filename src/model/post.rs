//! One WordPress post as the REST API returns it, read leniently.
//!
//! Every field is checked by hand rather than by a strict serde struct, so a post
//! of the wrong shape is reported for what is wrong with it (and its id, when it
//! has one) instead of failing the whole page it came in.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::PostRef;

/// What makes a JSON value unusable as a post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostShapeError {
    /// The text is not JSON at all.
    #[error("not valid JSON: {0}")]
    NotJson(String),
    /// The JSON is not an object with a numeric `id`.
    #[error("not a WordPress post: {0}")]
    NotAPost(String),
}

/// The fields of a REST post that healthfeed uses; the rest stays in the raw JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Where the post came from (id, link, slug, dates).
    pub meta: PostRef,
    /// `title.rendered`, HTML-escaped as WordPress sends it.
    pub title: Option<String>,
    /// `content.rendered`; `None` when missing or not a string.
    pub content: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    id: Option<Value>,
    link: Option<Value>,
    slug: Option<Value>,
    date_gmt: Option<Value>,
    modified_gmt: Option<Value>,
    title: Option<Value>,
    content: Option<Value>,
}

impl Post {
    /// Reads one post from its JSON text.
    pub fn from_json(json: &str) -> Result<Self, PostShapeError> {
        let wire: Wire = serde_json::from_str(json).map_err(|e| {
            if e.is_data() {
                PostShapeError::NotAPost(format!("expected a JSON object ({e})"))
            } else {
                PostShapeError::NotJson(e.to_string())
            }
        })?;
        let id = match wire.id {
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        }
        .ok_or_else(|| PostShapeError::NotAPost("no numeric \"id\" field".into()))?;
        Ok(Post {
            meta: PostRef {
                id,
                link: string(wire.link),
                slug: string(wire.slug),
                date_gmt: string(wire.date_gmt).and_then(|s| wp_gmt(&s)),
                modified_gmt: string(wire.modified_gmt).and_then(|s| wp_gmt(&s)),
            },
            title: rendered(wire.title),
            content: rendered(wire.content),
        })
    }
}

fn string(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// `{"rendered": "…"}` as WordPress sends it; a bare string is accepted too.
fn rendered(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(mut map)) => string(map.remove("rendered")),
        _ => None,
    }
}

/// WordPress's `*_gmt` fields are UTC without an offset (`2023-03-29T19:00:33`).
pub fn wp_gmt(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map(|naive| naive.and_utc())
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|dt| dt.with_timezone(&Utc))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_it_needs() {
        let post = Post::from_json(
            r#"{"id":907,"date_gmt":"2023-03-29T19:00:33","modified_gmt":"2023-03-29T19:00:43",
               "slug":"s","link":"https://x/p","title":{"rendered":"T &amp; U"},
               "content":{"rendered":"<p>x</p>","protected":false},"extra":[1,2]}"#,
        )
        .unwrap();
        assert_eq!(post.meta.id, 907);
        assert_eq!(
            post.meta.modified_gmt.unwrap().to_rfc3339(),
            "2023-03-29T19:00:43+00:00"
        );
        assert_eq!(post.title.as_deref(), Some("T &amp; U"));
        assert_eq!(post.content.as_deref(), Some("<p>x</p>"));
    }

    #[test]
    fn wrong_shapes_are_reported_not_fatal() {
        assert!(matches!(
            Post::from_json("[1,2]"),
            Err(PostShapeError::NotAPost(_))
        ));
        assert!(matches!(
            Post::from_json(r#"{"id":"907"}"#),
            Err(PostShapeError::NotAPost(_))
        ));
        assert!(matches!(
            Post::from_json("{\"id\":"),
            Err(PostShapeError::NotJson(_))
        ));
        let odd = Post::from_json(r#"{"id":5,"content":42,"date_gmt":"13/45/2023"}"#).unwrap();
        assert_eq!(odd.content, None);
        assert_eq!(odd.meta.date_gmt, None);
    }
}
