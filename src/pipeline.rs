//! The one path every post takes into the archive, whether imported or synced:
//! a decoded post is judged by the parser, judged posts go to the store in
//! batches, and reading runs on a second thread ahead of storing.
//!
//! It sits between the layers it joins (`model`, `parse`, `store`) and the
//! commands that use it, so no command reaches into another for it.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::model::{Post, PostRef, PostShapeError};
use crate::parse::{self, PARSER_VERSION};
use crate::store::{Batch, Incoming, Outcome};

/// What the parser makes of one decoded post: its id and dates, and the
/// verdict. The message is not split into sections: the store does not keep them.
pub fn judge(post: Result<Post, PostShapeError>) -> (Option<PostRef>, Outcome) {
    let post = match post {
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
    let outcome = match parse::parse_post_unsplit(&post) {
        Ok(update) => Outcome::Update(Box::new(update)),
        Err(e) => Outcome::Rejected {
            not_record: e.is_not_record(),
            reason: e.to_string(),
        },
    };
    (Some(post.meta), outcome)
}

/// [`judge`] of a post still in its JSON text, for posts read back from the archive.
pub fn judge_json(json: &str) -> (Option<PostRef>, Outcome) {
    judge(Post::from_json(json))
}

/// Runs `produce` on a second thread while `consume` runs on this one, joined
/// by a channel of `depth` items: reading and parsing overlap with SQLite's
/// writes, and at most `depth` items wait in memory besides the two in hand.
///
/// When `consume` returns early (storing failed), the channel closes and the
/// producer's next send fails: a producer should stop at its first failed send.
pub fn ahead<T: Send, R>(
    depth: usize,
    produce: impl FnOnce(SyncSender<T>) + Send,
    consume: impl FnOnce(Receiver<T>) -> R,
) -> R {
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel(depth);
        scope.spawn(move || produce(tx));
        consume(rx)
    })
}

/// A batch of already-judged posts from one site, stamped with the current parser version.
pub fn batch<'a>(site: &'a str, posts: Vec<Incoming<'a>>, cursor: Option<String>) -> Batch<'a> {
    Batch {
        site,
        posts,
        parser_version: PARSER_VERSION,
        fetched_at: chrono::Utc::now(),
        cursor,
    }
}

/// The site an imported post belongs to, from its link: the link's scheme and
/// host plus the longest path of a `known` site it falls under (a site synced
/// before names its own root), else scheme and host; `unknown` without a link.
pub fn site_of(link: Option<&str>, known: &[String]) -> String {
    link.and_then(|l| crate::model::site_of_link(l, known))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `scheme://host[:port]` of a URL; `unknown` when there is none.
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

    #[test]
    fn an_imported_post_joins_the_known_site_it_falls_under() {
        let known = vec!["https://host/b".to_owned()];
        assert_eq!(
            site_of(Some("https://host/b/2024/x"), &known),
            "https://host/b"
        );
        assert_eq!(
            site_of(Some("https://m365jp.net/index.php/2023-03-30-x"), &known),
            "https://m365jp.net"
        );
        assert_eq!(site_of(Some("not a url"), &known), "unknown");
        assert_eq!(site_of(None, &known), "unknown");
    }
}
