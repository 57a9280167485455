//! Limits that keep hostile HTML from costing more than a real post could.
//!
//! html5ever is correct on any input, but some inputs are slow: 100,000 nested
//! `<div>`s take it half a minute, because each new element searches the whole
//! stack of open elements. Real posts are a few kilobytes, nested about ten
//! levels deep, so posts far past these limits are refused before parsing
//! (and kept raw, like every post that fails).

/// Largest `content.rendered` parsed; real posts are under 20 KB.
pub const MAX_CONTENT_BYTES: usize = 4 * 1024 * 1024;

/// Deepest element nesting parsed; real posts nest about ten levels.
pub const MAX_DEPTH: usize = 512;

/// Why a post's HTML is refused, or `None` when it is within the limits.
pub fn check(html: &str) -> Option<String> {
    if html.len() > MAX_CONTENT_BYTES {
        return Some(format!(
            "content.rendered is {} bytes, more than the {MAX_CONTENT_BYTES} any real post needs",
            html.len()
        ));
    }
    let depth = estimated_depth(html, MAX_DEPTH + 1);
    (depth > MAX_DEPTH).then(|| format!("HTML nested more than {MAX_DEPTH} elements deep"))
}

/// An upper estimate of element nesting, stopping once it passes `stop`: every
/// start tag of a non-void element opens a level, every end tag closes one.
/// Implied end tags are not modelled, so unclosed `<p>`s count as nesting; the
/// limit is far enough above real posts for that not to matter.
fn estimated_depth(html: &str, stop: usize) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        i += offset + 1;
        let rest = &bytes[i..];
        if rest.first() == Some(&b'/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name_len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !rest[0].is_ascii_alphabetic() {
            continue;
        }
        let name = &rest[..name_len];
        let tag_end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
        let self_closing = tag_end > 0 && rest[tag_end - 1] == b'/';
        if !self_closing && !is_void(name) {
            depth += 1;
            deepest = deepest.max(depth);
            if deepest >= stop {
                break;
            }
        }
    }
    deepest
}

fn is_void(name: &[u8]) -> bool {
    const VOID: [&[u8]; 14] = [
        b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
        b"param", b"source", b"track", b"wbr",
    ];
    VOID.iter().any(|v| v.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_posts_pass() {
        let seed = include_str!("../../fixtures/seed-dz534539-servicerestored.json");
        let post = crate::model::Post::from_json(seed).unwrap();
        let content = post.content.unwrap();
        assert_eq!(check(&content), None);
        assert!(estimated_depth(&content, 1000) < 12);
    }

    #[test]
    fn deep_nesting_is_refused_without_parsing() {
        let deep = "<div>".repeat(100_000);
        assert!(check(&deep).unwrap().contains("nested more than 512"));
        let wide = "<p>x</p><br><img src=x/>".repeat(10_000);
        assert_eq!(check(&wide), None);
    }

    #[test]
    fn oversized_content_is_refused() {
        let big = "a".repeat(MAX_CONTENT_BYTES + 1);
        assert!(check(&big).unwrap().contains("bytes"));
    }
}
