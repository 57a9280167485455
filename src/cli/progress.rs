//! Progress on stderr, for runs at a terminal only.

use std::fmt::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A bar counting posts against a known total (sync, once the site says how many).
pub(super) fn bar() -> ProgressBar {
    on_stderr("{spinner} {pos}/{len} posts  {rate}  eta {eta}  {wide_msg}")
}

/// A spinner counting posts and their rate, for runs whose total is unknown (import).
pub(super) fn counter() -> ProgressBar {
    on_stderr("{spinner} {pos} posts  {rate}  {elapsed}")
}

fn on_stderr(template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    // The templates are constants; should one ever fail to parse, the default style still shows progress.
    if let Ok(style) = ProgressStyle::with_template(template) {
        // indicatif's own {per_sec} prints four decimals of posts.
        bar.set_style(
            style.with_key("rate", |state: &ProgressState, w: &mut dyn Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            }),
        );
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
