//! Teams Workflows webhooks ("Post to a channel when a webhook request is
//! received"): a `message` carrying one Adaptive Card 1.4.

use serde_json::{Value, json};

use super::{Digest, Shown, clip};

/// Teams shows at most this many card actions.
const ACTIONS: usize = 6;
/// Teams refuses a card message over 28 KB. Values are cut before escaping
/// (which at most doubles them), so ten events with the longest values and
/// links stay under that: a title stays readable, a status is a few words.
const TITLE: usize = 200;
const SERVICE: usize = 100;
const CHANGE: usize = 100;
const WHEN: usize = 40;
/// A link longer than this once encoded for Markdown is left out of the title.
const LINK: usize = 600;

/// The message for `digest`.
pub(super) fn body(digest: &Digest) -> String {
    let mut items = vec![json!({
        "type": "TextBlock", "text": format!("healthfeed: {}", digest.count()),
        "weight": "Bolder", "size": "Medium", "wrap": true
    })];
    let mut actions = Vec::new();
    for e in digest.shown() {
        let s = Shown::of(e);
        let headline = escape(&clip(&s.headline, TITLE));
        let url = s.link.as_ref().map(|u| link(u.as_str()));
        let headline = match url.filter(|u| u.len() <= LINK) {
            Some(url) => format!("[{headline}]({url})"),
            None => headline,
        };
        items.push(json!({
            "type": "TextBlock", "text": headline, "weight": "Bolder", "wrap": true,
            "separator": true, "spacing": "Medium"
        }));
        items.push(json!({"type": "FactSet", "facts": [
            fact("Change", s.what),
            fact("Service", &escape(&clip(&s.service, SERVICE))),
            fact("Status", &escape(&clip(&s.change, CHANGE))),
            fact("Last updated", &escape(&clip(&s.when, WHEN))),
        ]}));
        if let Some(url) = &s.link
            && actions.len() < ACTIONS
        {
            actions.push(json!({
                "type": "Action.OpenUrl", "title": clip(&s.event.id, 40), "url": url.as_str()
            }));
        }
    }
    // A code span shows its text as it is: escaping would show the backslashes.
    if let Some((more, command)) = digest.summary() {
        items.push(json!({
            "type": "TextBlock", "text": format!("and {more} more: `{command}`"),
            "wrap": true, "isSubtle": true, "separator": true
        }));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": items,
        "msteams": {"width": "Full"}
    });
    if !actions.is_empty() {
        card["actions"] = Value::Array(actions);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card
        }]
    })
    .to_string()
}

fn fact(title: &str, value: &str) -> Value {
    json!({"title": title, "value": value})
}

/// A backslash before every character TextBlock markdown gives a meaning
/// (emphasis, links, code, headings, quotes, HTML-looking tags), and before
/// the dot of a leading `1.` or a leading `-`/`+`, which would start a list.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let leading_digits = text.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in text.chars().enumerate() {
        let special = matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '(' | ')' | '#' | '>' | '<' | '~' | '|' | '!'
        ) || (i == 0 && matches!(c, '-' | '+'))
            || (i == leading_digits && leading_digits > 0 && matches!(c, '.' | ')'));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A URL inside `[text](url)`: parentheses and spaces would end it early.
fn link(url: &str) -> String {
    url.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_from_a_post_is_text() {
        assert_eq!(
            escape("<script> *bold* [x](y)"),
            "\\<script\\> \\*bold\\* \\[x\\]\\(y\\)"
        );
        assert_eq!(escape("1. one"), "1\\. one");
        assert_eq!(escape("- item - b"), "\\- item - b");
        assert_eq!(escape("@everyone"), "@everyone");
    }
}
