//! The seed post, for targets that vary only its `content.rendered`.

use std::sync::LazyLock;

/// The seed post's JSON cut where its content goes, so each input is spliced in
/// without decoding the seed again.
static SEED: LazyLock<(String, String)> = LazyLock::new(|| {
    const MARKER: &str = "\u{1}fuzz-content\u{1}";
    let text = include_str!("../../fixtures/seed-dz534539-servicerestored.json");
    let mut post: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("the seed is not JSON: {e}"));
    post["content"]["rendered"] = MARKER.into();
    let json = post.to_string();
    let marker = serde_json::Value::from(MARKER).to_string();
    let (head, tail) = json
        .split_once(&marker)
        .unwrap_or_else(|| panic!("the marker is not in the seed"));
    (head.to_owned(), tail.to_owned())
});

/// The seed post's JSON text with `html` as its content.
pub fn post_with_content(html: &str) -> String {
    let (head, tail) = &*SEED;
    let content = serde_json::Value::from(html).to_string();
    format!("{head}{content}{tail}")
}
