//! Slack incoming webhooks: `text` (what notifications and old clients
//! show) and section blocks in mrkdwn.

use serde_json::{Value, json};

use super::{Digest, Shown};

/// Slack refuses the whole message when a section's text passes 3,000
/// characters, counted after escaping; these budgets (escapes included) keep
/// an event's section well under that, whatever a post holds.
const TITLE: usize = 300;
const SERVICE: usize = 150;
const CHANGE: usize = 250;
const WHEN: usize = 40;
/// A link longer than this once escaped is left out and the title shown unlinked.
const LINK: usize = 1000;

/// The message for `digest`.
pub(super) fn body(digest: &Digest) -> String {
    let mut blocks = vec![section(format!("*healthfeed*: {}", digest.count()))];
    for e in digest.shown() {
        blocks.push(section(event(&Shown::of(e))));
    }
    let mut text = format!("healthfeed: {}", digest.count());
    if let Some(first) = digest.shown().first() {
        text.push_str(" — ");
        text.push_str(&escape_clip(&Shown::of(first).headline, TITLE));
    }
    if let Some((more, command)) = digest.summary() {
        // Inside a code span only Slack's three escapes are needed; a
        // zero-width space there would be copied into the command.
        let code = command
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        blocks.push(section(format!("and {more} more: `{code}`")));
    }
    json!({"text": text, "blocks": blocks}).to_string()
}

/// One section block; `verbatim` keeps Slack from turning names and URLs in
/// it into mentions and links of its own.
fn section(text: String) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": true}})
}

fn event(s: &Shown<'_>) -> String {
    let headline = escape_clip(&s.headline, TITLE);
    let url = s.link.as_ref().map(|u| link(u.as_str()));
    let headline = match url.filter(|u| u.chars().count() <= LINK) {
        Some(url) => format!("<{url}|{headline}>"),
        None => headline,
    };
    format!(
        "*{headline}*\n{} · {} · {}\nLast updated {}",
        s.what,
        escape_clip(&s.service, SERVICE),
        escape_clip(&s.change, CHANGE),
        escape_clip(&s.when, WHEN)
    )
}

/// `text` escaped, then cut to at most `max` characters with "…" when cut;
/// never inside an escape (`&amp;`, or a mark and its zero-width space).
fn escape_clip(text: &str, max: usize) -> String {
    let escaped = escape(text);
    if escaped.chars().count() <= max {
        return escaped;
    }
    let mut out = String::new();
    let mut used = 0;
    let mut unit = [0u8; 4];
    for c in text.chars() {
        let piece = escape(c.encode_utf8(&mut unit));
        let n = piece.chars().count();
        if used + n + 1 > max {
            break;
        }
        used += n;
        out.push_str(&piece);
    }
    out.push('…');
    out
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
        assert_eq!(escape_clip("a&b", 7), "a&amp;b");
        assert_eq!(escape_clip("ab&cd", 6), "ab…");
        assert_eq!(escape_clip("*bold*", 3), "*\u{200B}…");
    }
}
