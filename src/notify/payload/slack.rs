//! Slack incoming webhooks: `text` (what notifications and old clients
//! show) and section blocks in mrkdwn.

use serde_json::{Value, json};

use super::{Digest, Shown, clip};

/// Slack refuses a section's text over 3,000 characters; a title never needs that many.
const TITLE: usize = 300;

/// The message for `digest`.
pub(super) fn body(digest: &Digest) -> String {
    let mut blocks = vec![section(format!("*healthfeed*: {}", digest.count()))];
    for e in digest.shown() {
        blocks.push(section(event(&Shown::of(e))));
    }
    let mut text = format!("healthfeed: {}", digest.count());
    if let Some(first) = digest.shown().first() {
        text.push_str(" — ");
        text.push_str(&escape(&clip(&Shown::of(first).headline, TITLE)));
    }
    if let Some((more, command)) = digest.summary() {
        blocks.push(section(format!("and {more} more: `{}`", escape(&command))));
    }
    json!({"text": text, "blocks": blocks}).to_string()
}

/// One section block; `verbatim` keeps Slack from turning names and URLs in
/// it into mentions and links of its own.
fn section(text: String) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": true}})
}

fn event(s: &Shown<'_>) -> String {
    let headline = escape(&clip(&s.headline, TITLE));
    let headline = match &s.link {
        Some(url) => format!("<{}|{headline}>", link(url.as_str())),
        None => headline,
    };
    format!(
        "*{headline}*\n{} · {} · {}\nLast updated {}",
        s.what,
        escape(&s.service),
        escape(&s.change),
        escape(&s.when)
    )
}

/// Slack's three escapes (`&`, `<`, `>`: what makes `<!channel>`, `<@U1>` or
/// `<url|text>` out of text). Slack has no escape for `*`, `_`, `~` and `` ` ``,
/// so a zero-width space after each keeps it from pairing into formatting.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '*' | '_' | '~' | '`' => {
                out.push(c);
                out.push('\u{200B}');
            }
            _ => out.push(c),
        }
    }
    out
}

/// A URL inside `<url|text>`: `&` escaped as Slack asks, and `|`, `<`, `>`
/// (which would end the link early) percent-encoded.
fn link(url: &str) -> String {
    url.replace('&', "&amp;")
        .replace('|', "%7C")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_from_a_post_is_text() {
        assert_eq!(
            escape("<!channel> & <script> *bold*"),
            "&lt;!channel&gt; &amp; &lt;script&gt; *\u{200B}bold*\u{200B}"
        );
        assert_eq!(link("https://x/?a=1&b=|"), "https://x/?a=1&amp;b=%7C");
    }
}
