//! Seed-shaped posts made to order: the real seed with its ID, status, times and ids swapped.

use std::sync::LazyLock;

use serde_json::{Value, json};

static SEED: LazyLock<Value> = LazyLock::new(|| {
    let text =
        std::fs::read_to_string(super::fixture("seed-dz534539-servicerestored.json")).unwrap();
    serde_json::from_str(&text).unwrap()
});

/// What varies between generated posts.
#[derive(Clone, Debug)]
pub struct Spec {
    /// WordPress post id.
    pub post_id: u64,
    /// Record ID in the header cell.
    pub record: &'static str,
    /// Status cell.
    pub status: &'static str,
    /// Title in the header cell.
    pub title: String,
    /// Last Updated cell, `MM/DD/YYYY HH:MM:SS`.
    pub last_updated: String,
    /// End Time cell; empty while ongoing.
    pub end_time: String,
    /// `modified_gmt`, `YYYY-MM-DDTHH:MM:SS`.
    pub modified_gmt: String,
    /// Slug suffix for reposts (`-2`).
    pub slug_suffix: &'static str,
}

impl Spec {
    /// A post for `record` at day `day` of March 2023 (hour `hour`), carried by `post_id`.
    pub fn new(
        post_id: u64,
        record: &'static str,
        status: &'static str,
        day: u32,
        hour: u32,
    ) -> Self {
        Spec {
            post_id,
            record,
            status,
            title: format!("Users can't reach {record}"),
            last_updated: format!("03/{day:02}/2023 {hour:02}:00:00"),
            end_time: String::new(),
            modified_gmt: format!("2023-03-{day:02}T{hour:02}:05:00"),
            slug_suffix: "",
        }
    }
}

/// The post's REST JSON text.
pub fn post(spec: &Spec) -> String {
    let mut post = SEED.clone();
    let content = post["content"]["rendered"].as_str().unwrap().to_owned();
    let content = content
        .replace(
            "DZ534539 | Microsoft 365 Defender | Admins received false alerts of user click activity for malicious URL links",
            &format!("{} | Exchange Online | {}", spec.record, spec.title),
        )
        .replace(">serviceRestored<", &format!(">{}<", spec.status))
        .replace("03/29/2023 18:23:04", &spec.last_updated)
        .replace("<td>03/29/2023 17:15:00</td>", &format!("<td>{}</td>", spec.end_time));
    let slug = format!(
        "{}-{}{}",
        spec.status.to_lowercase(),
        spec.record.to_lowercase(),
        spec.slug_suffix
    );
    post["id"] = json!(spec.post_id);
    post["slug"] = json!(slug);
    post["link"] = json!(format!("https://m365jp.net/index.php/{slug}"));
    post["modified_gmt"] = json!(spec.modified_gmt);
    post["date_gmt"] = json!(spec.modified_gmt);
    post["title"]["rendered"] = json!(format!(
        "[{}] {} | Exchange Online | {}",
        spec.status, spec.record, spec.title
    ));
    post["content"]["rendered"] = json!(content);
    serde_json::to_string(&post).unwrap()
}

/// Several posts as one REST page (a JSON array).
pub fn page(specs: &[Spec]) -> String {
    format!("[{}]", specs.iter().map(post).collect::<Vec<_>>().join(","))
}
