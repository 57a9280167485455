//! A WordPress stand-in on 127.0.0.1: serves posts from memory the way the
//! WordPress REST API does, with switches for every fault a real site shows.
//!
//! Faithful where the fetch layer depends on it: `page`, `per_page` (1–100, else
//! 400 `rest_invalid_param`), `orderby` date/modified/id, `order`,
//! `modified_after` / `modified_before` / `after` / `before` (strict, whole
//! seconds, read in the site's time zone, +09:00, when they carry no offset;
//! a `+` sent unencoded arrives as a space and is refused like WordPress does),
//! `_fields`, `X-WP-Total` / `X-WP-TotalPages`, 400
//! `rest_post_invalid_page_number` past the end, gzip on request. Like MySQL
//! behind WordPress, it orders only by the column asked for: with
//! `shuffle_ties` set, posts sharing a sort value come in a new order at every
//! request (from a fixed seed, so failures replay).

mod routes;
mod server;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use serde_json::{Map, Value, json};

use routes::{handle, html};
use server::{Request, Server};

/// The seed post every stand-in post is made from.
static SEED: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    let text = std::fs::read_to_string(super::fixture("seed-dz534539-servicerestored.json"))
        .expect("seed fixture");
    serde_json::from_str(&text).expect("seed is a JSON object")
});

/// The site's time zone (m365jp.net runs on JST).
fn site_tz() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

/// `2023-03-01T00:00:00Z` plus `secs` seconds: a compact way to write post times.
pub fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 3, 1, 0, 0, 0).unwrap() + TimeDelta::seconds(secs)
}

/// Where the site serves its REST API (the three forms WordPress has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Pretty permalinks: `/wp-json/…` and `/index.php/wp-json/…` both work.
    Pretty,
    /// No URL rewriting (m365jp.net): only `/index.php/wp-json/…`; `/wp-json/…` is a 404 page.
    IndexPhp,
    /// Plain permalinks: both `wp-json` forms redirect to the HTML home page;
    /// only `/?rest_route=/wp/v2/posts` works.
    Plain,
    /// Not WordPress at all: every path but the home page is a 404 page.
    NotWordPress,
}

/// A misbehaviour of the posts route, for one request (queued) or for all (sticky).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status (500, 503…) and an HTML error page.
    Status(u16),
    /// 429 with this `Retry-After` value.
    TooMany(String),
    /// 200 with an HTML bot-challenge page.
    Html,
    /// The real answer, cut off halfway through its body, then the connection closed.
    Cut,
    /// The real answer, sent only after this long.
    Stall(Duration),
    /// The real answer, its body paused halfway for this long.
    StallMidway(Duration),
    /// 302 to `/loop`, which redirects back: a loop.
    RedirectLoop,
    /// 301 to the same path on another host.
    RedirectOffsite,
    /// 200 with a body of this many bytes of JSON padding (for the size cap).
    Huge(usize),
    /// The real answer, its body sent one byte at a time, one every this long.
    Trickle(Duration),
}

/// What a count header (`X-WP-Total`, `X-WP-TotalPages`) of the posts route says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// The true count.
    True,
    /// This number, whatever the truth.
    Fake(u64),
    /// No header at all.
    Absent,
}

type Hook = Box<dyn FnOnce(&mut Site) + Send>;

struct StoredPost {
    date: DateTime<Utc>,
    modified: DateTime<Utc>,
    json: Map<String, Value>,
}

/// The site's state: posts, switches, and what it has seen. Tests change it at any time.
pub struct Site {
    posts: BTreeMap<u64, StoredPost>,
    /// Which URL forms answer.
    pub layout: Layout,
    /// Faults for the next requests to the posts route, one per request.
    pub faults: VecDeque<Fault>,
    /// A fault for every request to the posts route once the queue is empty.
    pub sticky: Option<Fault>,
    /// Seed for shuffling posts that share a sort value, differently at every request.
    pub shuffle_ties: Option<u64>,
    /// Whether gzip is served to clients that ask for it.
    pub gzip: bool,
    /// The `Date` the server sends; the real clock when `None`.
    pub clock: Option<DateTime<Utc>>,
    /// Query parameters the server drops unread, as an old WordPress or a cache would.
    pub ignored_params: Vec<&'static str>,
    /// The site's home URL, as its REST index (`/wp-json/`) reports it and as
    /// posts published afterwards link to it; `None`: the index reports the
    /// stand-in's own URL and posts link to m365jp.net.
    pub home: Option<String>,
    /// Post `id` carries record `DZ{record_base + id}`: two sites with the same post ids, distinct records.
    pub record_base: u64,
    /// What `X-WP-Total` says.
    pub total_header: Count,
    /// What `X-WP-TotalPages` says.
    pub total_pages_header: Count,
    /// Pages past the end answer 200 with no posts (and the count headers), not 400.
    pub empty_past_end: bool,
    log: Vec<String>,
    user_agents: Vec<String>,
    gzipped: usize,
    hooks: Vec<(usize, Hook)>,
}

impl Site {
    /// Publishes post `id` (a seed-shaped service-health post) modified at `modified`.
    pub fn publish(&mut self, id: u64, modified: DateTime<Utc>) {
        let mut json = SEED.clone();
        let record = format!("DZ{}", self.record_base + id);
        let slug = format!("servicerestored-{}-post-{id}", record.to_lowercase());
        for key in ["title", "content"] {
            if let Some(Value::String(text)) = json.get(key).and_then(|v| v.get("rendered")) {
                let text = text.replace("DZ534539", &record);
                json.insert(key.into(), json!({"rendered": text, "protected": false}));
            }
        }
        json.insert("id".into(), json!(id));
        json.insert("slug".into(), json!(slug));
        let home = self.home.as_deref().unwrap_or("https://m365jp.net");
        json.insert("link".into(), json!(format!("{home}/index.php/{slug}")));
        json.insert(
            "guid".into(),
            json!({"rendered": format!("https://m365jp.xyz/?p={id}")}),
        );
        set_time(&mut json, "date", modified);
        set_time(&mut json, "modified", modified);
        self.posts.insert(
            id,
            StoredPost {
                date: modified,
                modified,
                json,
            },
        );
    }

    /// Publishes posts `ids`, each modified at `modified(id)`.
    pub fn publish_all(
        &mut self,
        ids: impl IntoIterator<Item = u64>,
        modified: impl Fn(u64) -> DateTime<Utc>,
    ) {
        for id in ids {
            self.publish(id, modified(id));
        }
    }

    /// Edits post `id`: a new modified time and a new Last Updated in its table.
    pub fn edit(&mut self, id: u64, modified: DateTime<Utc>) {
        let post = self.posts.get_mut(&id).expect("edit of a post that exists");
        post.modified = modified;
        set_time(&mut post.json, "modified", modified);
        let stamp = modified.format("%m/%d/%Y %H:%M:%S").to_string();
        if let Some(Value::String(text)) = post
            .json
            .get_mut("content")
            .and_then(|c| c.get_mut("rendered"))
        {
            *text = text.replace("03/29/2023 18:23:04", &stamp);
        }
    }

    /// Makes post `id` come out without `modified_gmt` (it still sorts by its time).
    pub fn drop_modified_gmt(&mut self, id: u64) {
        let post = self.posts.get_mut(&id).expect("a post that exists");
        post.json.insert("modified_gmt".into(), Value::Null);
    }

    /// Deletes post `id` (moved to the trash: no longer served).
    pub fn trash(&mut self, id: u64) {
        self.posts.remove(&id);
    }

    /// Requests served so far (every path, redirects included).
    pub fn requests(&self) -> usize {
        self.log.len()
    }

    /// Every post, oldest modification first, as one JSON array keeping only
    /// the comma-separated `fields` (as `_fields` does): what a full walk
    /// receives, saved as one file for `healthfeed import`.
    #[allow(dead_code, reason = "only benches/sync.rs uses it")]
    pub fn export(&self, fields: &str) -> String {
        let fields: Vec<&str> = fields.split(',').map(str::trim).collect();
        let mut posts: Vec<&StoredPost> = self.posts.values().collect();
        posts.sort_by_key(|p| p.modified);
        let items: Vec<Value> = posts
            .iter()
            .map(|p| {
                let kept = p
                    .json
                    .iter()
                    .filter(|(k, _)| fields.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                Value::Object(kept)
            })
            .collect();
        serde_json::to_string(&items).expect("posts serialize")
    }

    /// Every post's id and `modified_gmt`, as a complete walk should deliver them.
    pub fn current(&self) -> BTreeMap<u64, String> {
        self.posts
            .iter()
            .map(|(id, p)| (*id, p.modified.format("%Y-%m-%dT%H:%M:%S").to_string()))
            .collect()
    }
}

fn set_time(json: &mut Map<String, Value>, field: &str, at: DateTime<Utc>) {
    let local = at.with_timezone(&site_tz()).naive_local();
    json.insert(
        field.into(),
        json!(local.format("%Y-%m-%dT%H:%M:%S").to_string()),
    );
    json.insert(
        format!("{field}_gmt"),
        json!(at.format("%Y-%m-%dT%H:%M:%S").to_string()),
    );
}

/// The running stand-in; stops when the last site on its server is dropped.
pub struct Wp {
    server: Arc<Server>,
    site: Arc<Mutex<Site>>,
    /// The path the site lives under (`/a` in a multisite), `""` at the root.
    prefix: String,
}

fn new_site() -> Arc<Mutex<Site>> {
    Arc::new(Mutex::new(Site {
        posts: BTreeMap::new(),
        layout: Layout::Pretty,
        faults: VecDeque::new(),
        sticky: None,
        shuffle_ties: None,
        gzip: true,
        clock: None,
        ignored_params: Vec::new(),
        home: None,
        record_base: 600_000,
        total_header: Count::True,
        total_pages_header: Count::True,
        empty_past_end: false,
        log: Vec::new(),
        user_agents: Vec::new(),
        gzipped: 0,
        hooks: Vec::new(),
    }))
}

impl Wp {
    /// An empty site with pretty permalinks, gzip on, no faults.
    pub fn start() -> Wp {
        Wp::multisite(&[""]).pop().unwrap()
    }

    /// Empty sites on one server, each under its path prefix (`/a`, `/b`), as
    /// a WordPress multisite in subdirectories serves them.
    pub fn multisite(prefixes: &[&str]) -> Vec<Wp> {
        let sites: Vec<(String, Arc<Mutex<Site>>)> = prefixes
            .iter()
            .map(|p| (p.trim_end_matches('/').to_owned(), new_site()))
            .collect();
        let shared = sites.clone();
        let addr = Arc::new(Mutex::new(String::new()));
        let addr_in = addr.clone();
        let server = Arc::new(Server::start(Arc::new(move |req: &Request| {
            let host = addr_in.lock().unwrap().clone();
            // The longest prefix the path falls under picks the site.
            let picked = shared
                .iter()
                .filter(|(p, _)| {
                    req.target
                        .strip_prefix(p.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
                })
                .max_by_key(|(p, _)| p.len());
            match picked {
                Some((prefix, site)) => {
                    let rest = &req.target[prefix.len()..];
                    let inner = Request {
                        target: if rest.is_empty() {
                            "/".into()
                        } else {
                            rest.into()
                        },
                        headers: req.headers.clone(),
                    };
                    handle(site, &host, prefix, &inner)
                }
                None => html(404, "Not Found"),
            }
        })));
        *addr.lock().unwrap() = server.addr.clone();
        sites
            .into_iter()
            .map(|(prefix, site)| Wp {
                server: server.clone(),
                site,
                prefix,
            })
            .collect()
    }

    /// The site's home page, `http://127.0.0.1:PORT` (plus its prefix in a multisite).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.server.addr, self.prefix)
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.server
            .addr
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap()
    }

    /// The pretty-permalink posts route.
    pub fn posts_url(&self) -> String {
        format!("{}/wp-json/wp/v2/posts", self.url())
    }

    /// The site, locked, to change or inspect.
    pub fn site(&self) -> MutexGuard<'_, Site> {
        self.site.lock().unwrap()
    }

    /// Runs `hook` on the site right after request number `k` (1-based) is answered.
    pub fn after_request(&self, k: usize, hook: impl FnOnce(&mut Site) + Send + 'static) {
        self.site().hooks.push((k, Box::new(hook)));
    }

    /// Queues a fault for the next request to the posts route not yet given one.
    pub fn fault(&self, fault: Fault) {
        self.site().faults.push_back(fault);
    }

    /// Requests served so far (every path, redirects included).
    pub fn requests(&self) -> usize {
        self.site().requests()
    }

    /// The request targets (path and query) in order.
    pub fn urls(&self) -> Vec<String> {
        self.site().log.clone()
    }

    /// The `User-Agent` of every request, in order.
    pub fn user_agents(&self) -> Vec<String> {
        self.site().user_agents.clone()
    }

    /// How many answers went out gzipped.
    pub fn gzipped(&self) -> usize {
        self.site().gzipped
    }
}
