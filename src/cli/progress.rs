//! Progress on stderr, for runs at a terminal only.

use std::fmt::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::commands::count;

/// A bar counting posts against a known total (sync, once the site says how many).
pub(super) fn bar() -> ProgressBar {
    on_stderr("{spinner} {of_total}  {rate}  eta {eta}  {wide_msg}")
}

/// A spinner counting posts and their rate, for runs whose total is unknown (import).
pub(super) fn counter() -> ProgressBar {
    on_stderr("{spinner} {posts}  {rate}  {elapsed}")
}

/// "1 post", "2 posts": indicatif's `{pos} posts` says "1 posts".
fn posts(pos: u64) -> String {
    count(pos, "post", "posts")
}

/// "3/1,200 posts", the noun in the number of the total ("0/1 post").
fn of_total(pos: u64, len: Option<u64>) -> String {
    match len {
        Some(len) => format!("{pos}/{}", posts(len)),
        None => posts(pos),
    }
}

fn on_stderr(template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    // The templates are constants; should one ever fail to parse, the default style still shows progress.
    if let Ok(style) = ProgressStyle::with_template(template) {
        // indicatif's own {per_sec} prints four decimals of posts.
        bar.set_style(
            style
                .with_key("rate", |state: &ProgressState, w: &mut dyn Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                })
                .with_key("posts", |state: &ProgressState, w: &mut dyn Write| {
                    let _ = w.write_str(&posts(state.pos()));
                })
                .with_key("of_total", |state: &ProgressState, w: &mut dyn Write| {
                    let _ = w.write_str(&of_total(state.pos(), state.len()));
                }),
        );
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_post_is_singular() {
        assert_eq!(posts(1), "1 post");
        assert_eq!(posts(0), "0 posts");
        assert_eq!(posts(2), "2 posts");
        assert_eq!(of_total(0, Some(1)), "0/1 post");
        assert_eq!(of_total(3, Some(40)), "3/40 posts");
        assert_eq!(of_total(1, None), "1 post");
    }
}
