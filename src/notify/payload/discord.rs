//! Discord webhooks: `content` and one embed per event, within Discord's limits
//! (10 embeds, 256-character titles, 6,000 characters over all embeds).

use serde_json::{Value, json};

use super::{Digest, Shown, clip};

/// Embed title limit is 256; these budgets keep 10 embeds under 6,000 in all.
const TITLE: usize = 200;
const DESCRIPTION: usize = 150;
const SERVICE: usize = 100;
const WHEN: usize = 30;
/// The embed colours: a new record, an update.
const NEW: u32 = 0x00D8_3B01;
const UPDATE: u32 = 0x0000_78D4;

/// The message for `digest`.
pub(super) fn body(digest: &Digest) -> String {
    let mut content = format!("**healthfeed**: {}", digest.count());
    if let Some((more, command)) = digest.summary() {
        // A code span shows its text as it is: escaping would show the backslashes.
        content.push_str(&format!("\nand {more} more: `{command}`"));
    }
    let embeds: Vec<Value> = digest
        .shown()
        .iter()
        .map(|e| embed(&Shown::of(e)))
        .collect();
    json!({
        "content": content,
        "embeds": embeds,
        // Nobody is pinged, whatever a post says.
        "allowed_mentions": {"parse": []}
    })
    .to_string()
}

fn embed(s: &Shown<'_>) -> Value {
    let mut embed = json!({
        "title": clip(&escape(&format!("{} · {}", s.what, s.headline)), TITLE),
        "description": clip(&escape(&s.change), DESCRIPTION),
        "color": if s.event.event == "update" { UPDATE } else { NEW },
        "fields": [
            {"name": "Service", "value": clip(&escape(&s.service), SERVICE), "inline": true},
            {"name": "Last updated", "value": clip(&escape(&s.when), WHEN), "inline": true}
        ]
    });
    if let Some(url) = &s.link {
        embed["url"] = json!(url.as_str());
    }
    if let Some(t) = &s.timestamp {
        embed["timestamp"] = json!(t);
    }
    embed
}

/// A backslash before every character Discord markdown gives a meaning (and a
/// leading `#`, `-` or `+`, which would start a heading or a list), and a
/// zero-width space after the `@` of `@everyone` and `@here`, so that even a
/// client that ignores `allowed_mentions` shows them as text.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.chars().enumerate() {
        let special = matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '[' | ']' | '(' | ')'
        ) || (i == 0 && matches!(c, '#' | '-' | '+'));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out.replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_mentions_from_a_post_are_text() {
        assert_eq!(
            escape("@everyone *bold* <@1> @here"),
            "@\u{200B}everyone \\*bold\\* \\<@1\\> @\u{200B}here"
        );
    }
}
