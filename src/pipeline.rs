//! The one path every post takes into the archive, whether imported or synced.

use crate::model::{Post, PostRef};
use crate::parse::{self, PARSER_VERSION};
use crate::store::{Batch, Incoming, Outcome};

/// Parses one raw post into what the store needs: its id and dates, and the verdict.
pub fn judge(json: &str) -> (Option<PostRef>, Outcome) {
    let post = match Post::from_json(json) {
        Ok(post) => post,
        Err(e) => {
            let reason = parse::ParseError::from(e).to_string();
            return (
                None,
                Outcome::Rejected {
                    not_record: false,
                    reason,
                },
            );
        }
    };
    let outcome = match parse::parse_post(&post) {
        Ok(update) => Outcome::Update(Box::new(update)),
        Err(e) => Outcome::Rejected {
            not_record: e.is_not_record(),
            reason: e.to_string(),
        },
    };
    (Some(post.meta), outcome)
}

/// A batch of already-judged posts from one origin, stamped with the current parser version.
pub fn batch<'a>(origin: &'a str, posts: Vec<Incoming<'a>>, cursor: Option<String>) -> Batch<'a> {
    Batch {
        origin,
        posts,
        parser_version: PARSER_VERSION,
        fetched_at: chrono::Utc::now(),
        cursor,
    }
}

/// `scheme://host[:port]` of a URL, which names a source; `unknown` when there is none.
pub fn origin_of(link: Option<&str>) -> String {
    link.and_then(|l| url::Url::parse(l).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_names_the_site() {
        assert_eq!(
            origin_of(Some("https://m365jp.net/index.php/2023-03-30-x")),
            "https://m365jp.net"
        );
        assert_eq!(
            origin_of(Some("http://127.0.0.1:8080/p")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin_of(Some("not a url")), "unknown");
        assert_eq!(origin_of(None), "unknown");
    }
}
