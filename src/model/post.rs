//! One WordPress post as the REST API returns it, read leniently.
//!
//! Every field is checked by hand rather than by a strict serde struct, so a post
//! of the wrong shape is reported for what is wrong with it (and its id, when it
//! has one) instead of failing the whole page it came in.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

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

/// The fields read, each accepting any JSON value (see [`Field`]) so that a
/// wrong type is judged here, field by field, and never fails the decoding.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    id: Option<Field<'a>>,
    #[serde(borrow)]
    link: Option<Field<'a>>,
    #[serde(borrow)]
    slug: Option<Field<'a>>,
    #[serde(borrow)]
    date_gmt: Option<Field<'a>>,
    #[serde(borrow)]
    modified_gmt: Option<Field<'a>>,
    #[serde(borrow)]
    title: Option<Field<'a>>,
    #[serde(borrow)]
    content: Option<Field<'a>>,
}

/// One field's value, kept only as far as a post needs it. Strings borrow
/// from the JSON text when they hold no escapes; objects keep only their
/// `rendered` string, and everything else is skipped without being built.
enum Field<'a> {
    Str(Cow<'a, str>),
    Id(u64),
    Rendered(Option<Cow<'a, str>>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor(PhantomData))
    }
}

struct FieldVisitor<'a>(PhantomData<Field<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for FieldVisitor<'a> {
    type Value = Field<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Field::Str(Cow::Owned(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Field::Id(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        // serde_json hands non-negative integers to visit_u64; only negatives land here.
        Ok(u64::try_from(v).map_or(Field::Other, Field::Id))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Field::Other)
    }

    // Nested values are read as fields too, not skipped: skipping has no
    // depth limit, and a field nested too deep must stay "not valid JSON".
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Field<'a>>()?.is_some() {}
        Ok(Field::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // As a JSON object read into a map: the last `rendered` wins.
        let mut rendered = None;
        while let Some(key) = map.next_key::<Field<'a>>()? {
            let value = map.next_value::<Field<'a>>()?;
            if matches!(&key, Field::Str(k) if k == "rendered") {
                rendered = Some(value);
            }
        }
        Ok(Field::Rendered(rendered.and_then(Field::into_str)))
    }
}

impl<'a> Field<'a> {
    fn into_str(self) -> Option<Cow<'a, str>> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Post {
    /// Reads one post from its JSON text.
    pub fn from_json(json: &str) -> Result<Self, PostShapeError> {
        let wire: Wire<'_> = serde_json::from_str(json).map_err(|e| shape_error(json, &e))?;
        let id = match wire.id {
            Some(Field::Id(n)) => Some(n),
            _ => None,
        }
        .ok_or_else(|| PostShapeError::NotAPost("no numeric \"id\" field".into()))?;
        Ok(Post {
            meta: PostRef {
                id,
                link: string(wire.link),
                slug: string(wire.slug),
                date_gmt: time(wire.date_gmt),
                modified_gmt: time(wire.modified_gmt),
            },
            title: rendered(wire.title),
            content: rendered(wire.content),
        })
    }
}

/// Why `json` did not decode as a post. serde's text for a value of the wrong
/// type names the struct it reads into, so that case says what was found instead.
fn shape_error(json: &str, e: &serde_json::Error) -> PostShapeError {
    if !e.is_data() {
        return PostShapeError::NotJson(e.to_string());
    }
    match json_type(json) {
        "an object" => PostShapeError::NotAPost(format!("not a post object: {e}")),
        found => PostShapeError::NotAPost(format!(
            "expected a post object with a numeric \"id\", found {found}"
        )),
    }
}

/// What kind of JSON value `json` holds, by its first byte, for messages.
fn json_type(json: &str) -> &'static str {
    match json.trim_start().bytes().next() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'-' | b'0'..=b'9') => "a number",
        _ => "nothing",
    }
}

fn string(v: Option<Field<'_>>) -> Option<String> {
    v.and_then(Field::into_str).map(Cow::into_owned)
}

fn time(v: Option<Field<'_>>) -> Option<DateTime<Utc>> {
    v.and_then(Field::into_str).and_then(|s| wp_gmt(&s))
}

/// `{"rendered": "…"}` as WordPress sends it; a bare string is accepted too.
fn rendered(v: Option<Field<'_>>) -> Option<String> {
    match v {
        Some(Field::Str(s)) | Some(Field::Rendered(Some(s))) => Some(s.into_owned()),
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

    /// The decoding as it was before it skipped `serde_json::Value`: the new one must agree exactly.
    fn through_value(json: &str) -> Result<Post, PostShapeError> {
        use serde_json::Value;
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
        fn string(v: Option<Value>) -> Option<String> {
            match v {
                Some(Value::String(s)) => Some(s),
                _ => None,
            }
        }
        fn rendered(v: Option<Value>) -> Option<String> {
            match v {
                Some(Value::String(s)) => Some(s),
                Some(Value::Object(mut map)) => string(map.remove("rendered")),
                _ => None,
            }
        }
        let wire: Wire = serde_json::from_str(json).map_err(|e| shape_error(json, &e))?;
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

    #[test]
    fn decodes_every_odd_shape_as_reading_through_a_json_value_did() {
        let deep = format!(
            "{{\"id\":1,\"content\":{}1{}}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        let deep_ignored = format!("{{\"id\":1,\"x\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let seed = include_str!("../../fixtures/seed-dz534539-servicerestored.json");
        let cases = [
            seed,
            r#"{"id":907,"title":{"rendered":"a\u00e9\/b"},"content":"<p>bare</p>"}"#,
            r#"{"id":1,"content":{"rendered":"x","rendered":"y"}}"#,
            r#"{"id":1,"content":{"rendered":7,"protected":false}}"#,
            r#"{"id":1,"content":{"rend\u0065red":"esc"}}"#,
            r#"{"id":1,"content":{"raw":"r"}}"#,
            r#"{"id":1,"content":[1,{"rendered":"no"}],"title":null,"link":null}"#,
            r#"{"id":1,"id":2}"#,
            r#"{"id":-1}"#,
            r#"{"id":1.0}"#,
            r#"{"id":18446744073709551615}"#,
            r#"{"id":18446744073709551616}"#,
            r#"{"id":1e999}"#,
            r#"{"id":true,"content":"x"}"#,
            r#"{"id":1,"slug":"s\"q","link":"https:\/\/x\/p","date_gmt":"2023-03-29T19:00:33Z"}"#,
            r#"{"id":1,"modified_gmt":"  2023-03-29T19:00:43  "}"#,
            r#"{"id":1,"content":"\ud800"}"#,
            r#"{"id":1} trailing"#,
            r#"{"id":1,}"#,
            r#"[907,null,null,null,null,null,"c"]"#,
            "[1,2]",
            "\"x\"",
            "null",
            "42",
            "",
            "{",
            &deep,
            &deep_ignored,
        ];
        for case in cases {
            assert_eq!(Post::from_json(case), through_value(case), "{case}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decodes_json_shaped_text_as_reading_through_a_json_value_did(
            text in r#"\{("(id|title|content|link|rendered|x)":(-?[0-9]{1,3}|"[a-z\\/]{0,4}"|null|\[\]|\{"rendered":"a"\}|\{\}),?){0,5}\}?"#,
        ) {
            proptest::prop_assert_eq!(Post::from_json(&text), through_value(&text));
        }
    }
}
