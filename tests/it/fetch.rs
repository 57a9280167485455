//! The fetch layer against a loopback WordPress stand-in: the walk loses no
//! post whatever order WordPress returns, and faults end in retries or in
//! errors that name the URL and the status. Nothing here touches the internet.

use std::collections::BTreeMap;
use std::time::Duration;

use healthfeed::fetch::{Client, Config, Cursor, FetchError, Page, PostsUrl};
use serde_json::Value;

use crate::support::wp::{Wp, t};

mod faults;

/// Small timeouts and waits so every test ends in seconds.
fn config() -> Config {
    Config {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        retry_after_cap: Duration::from_millis(100),
        per_page: 10,
        env_proxy: false,
        ..Config::default()
    }
}

fn client() -> Client {
    Client::new(config()).unwrap()
}

fn posts_url(wp: &Wp) -> PostsUrl {
    PostsUrl::parse(&wp.posts_url()).unwrap()
}

/// Every page of a walk, and the error that ended it, if any.
fn walk(client: &Client, wp: &Wp, cursor: Cursor) -> (Vec<Page>, Option<FetchError>) {
    let mut pages = Vec::new();
    for step in client.walk(&posts_url(wp), cursor) {
        match step {
            Ok(page) => pages.push(page),
            Err(e) => return (pages, Some(e)),
        }
    }
    (pages, None)
}

/// A walk that must succeed: its pages and the cursor to commit at the end.
fn walk_ok(client: &Client, wp: &Wp, cursor: Cursor) -> (Vec<Page>, Cursor) {
    let (pages, error) = walk(client, wp, cursor);
    assert!(error.is_none(), "walk failed: {}", error.unwrap());
    let end = pages.last().map_or(cursor, |p| p.cursor_after);
    (pages, end)
}

/// Posts delivered, as id → newest `modified_gmt` seen (duplicates fold together).
fn delivered(pages: &[Page]) -> BTreeMap<u64, String> {
    let mut seen = BTreeMap::new();
    for post in pages.iter().flat_map(|p| &p.posts) {
        let v: Value = serde_json::from_str(post).unwrap();
        let id = v["id"].as_u64().unwrap();
        let modified = v["modified_gmt"].as_str().unwrap_or("").to_owned();
        let entry = seen.entry(id).or_insert_with(String::new);
        if modified > *entry {
            *entry = modified;
        }
    }
    seen
}

fn count(pages: &[Page]) -> usize {
    pages.iter().map(|p| p.posts.len()).sum()
}

fn cursor_at(secs: i64) -> Cursor {
    Cursor {
        modified_after: Some(t(secs)),
    }
}

#[test]
fn backfill_across_many_pages_delivers_every_post() {
    let wp = Wp::start();
    // 95 posts, a few of them sharing a second, in no particular id order.
    wp.site()
        .publish_all(1..=95, |id| t(((id * 37) % 95 / 2 * 60) as i64));
    let client = client();
    let (pages, end) = walk_ok(&client, &wp, Cursor::start());

    assert_eq!(delivered(&pages), wp.site().current());
    assert_eq!(
        end,
        cursor_at(47 * 60),
        "the cursor ends at the newest post"
    );
    assert!(pages.len() >= 10, "{} pages", pages.len());
    assert!(pages.iter().all(|p| p.total == Some(95)));
    let marks: Vec<_> = pages.iter().map(|p| p.cursor_after).collect();
    assert!(
        marks
            .windows(2)
            .all(|w| w[0].modified_after <= w[1].modified_after)
    );

    // Only the stored fields are asked for, gzipped, under healthfeed's own name.
    let first: Value = serde_json::from_str(&pages[0].posts[0]).unwrap();
    assert!(first.get("guid").is_none() && first.get("content").is_some());
    assert!(wp.gzipped() >= pages.len());
    let ua = &wp.user_agents()[0];
    assert!(
        ua.starts_with("healthfeed/") && ua.contains("(+https://github.com/healthfeed/healthfeed)"),
        "{ua}"
    );
    let urls = wp.urls();
    assert!(
        urls[0].contains("orderby=modified&order=asc"),
        "{}",
        urls[0]
    );
    assert!(
        !urls[0].contains("modified_after"),
        "a first walk has no lower bound"
    );
    assert!(urls[1].contains("modified_after="), "{}", urls[1]);
}

#[test]
fn a_walk_from_the_final_cursor_costs_one_request_and_yields_nothing() {
    let wp = Wp::start();
    wp.site().publish_all(1..=30, |id| t(id as i64 * 10));
    let client = client();
    let (_, end) = walk_ok(&client, &wp, Cursor::start());
    let before = wp.requests();

    let (pages, again) = walk_ok(&client, &wp, end);
    assert!(pages.is_empty(), "{} pages", pages.len());
    assert_eq!(again, end);
    assert_eq!(wp.requests(), before + 1);
    let last = wp.urls().pop().unwrap();
    assert!(
        last.contains("modified_after=2023-03-01T00:05:00%2B00:00"),
        "an explicit UTC offset, its + percent-encoded: {last}"
    );
}

#[test]
fn a_post_added_and_another_edited_between_walks_are_both_picked_up() {
    let wp = Wp::start();
    wp.site().publish_all(1..=40, |id| t(id as i64 * 60));
    let client = client();
    let (_, end) = walk_ok(&client, &wp, Cursor::start());

    wp.site().publish(41, t(50_000));
    wp.site().edit(3, t(50_001));
    let (pages, end2) = walk_ok(&client, &wp, end);
    let got = delivered(&pages);
    assert_eq!(got.keys().copied().collect::<Vec<_>>(), [3, 41]);
    assert_eq!(got[&3], "2023-03-01T13:53:21");
    assert!(
        pages[0]
            .posts
            .iter()
            .any(|p| p.contains("03/01/2023 13:53:21")),
        "the edited text came"
    );
    assert_eq!(end2, cursor_at(50_001));
    assert_eq!(pages[0].total, Some(2));
}

/// 100 posts before, 250 sharing one second, 100 after.
fn ties_site(wp: &Wp) {
    let mut site = wp.site();
    site.publish_all(1..=100, |id| t(id as i64));
    site.publish_all(101..=350, |_| t(1_000));
    site.publish_all(351..=450, |id| t(id as i64 * 10));
}

#[test]
fn ties_across_page_boundaries_lose_nothing_while_the_server_shuffles_them() {
    for (per_page, seed) in [(100, 1), (10, 2), (7, 3)] {
        let wp = Wp::start();
        ties_site(&wp);
        wp.site().shuffle_ties = Some(seed);
        let client = Client::new(Config {
            per_page,
            ..config()
        })
        .unwrap();
        let (pages, end) = walk_ok(&client, &wp, Cursor::start());
        assert_eq!(
            delivered(&pages),
            wp.site().current(),
            "per_page {per_page}"
        );
        assert_eq!(end, cursor_at(4_500));
        if per_page == 100 {
            // keyset ×3 reach the group; 3 pages by id; keyset ×2 after it.
            assert_eq!(wp.requests(), 8, "{:#?}", wp.urls());
            assert!(
                wp.urls()
                    .iter()
                    .any(|u| u.contains("orderby=id") && u.contains("modified_before="))
            );
        }
    }
}

#[test]
fn the_stand_in_really_shuffles_ties_so_offset_paging_would_lose_posts() {
    // The control for the test above: plain page=1,2,3… paging over the same site loses posts.
    let wp = Wp::start();
    ties_site(&wp);
    wp.site().shuffle_ties = Some(1);
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for page in 1..=5 {
        let url = format!(
            "{}?orderby=modified&order=asc&per_page=100&page={page}&_fields=id",
            wp.posts_url()
        );
        let body = http.get(url).send().unwrap().text().unwrap();
        let posts: Vec<Value> = serde_json::from_str(&body).unwrap();
        seen.extend(posts.iter().map(|p| p["id"].as_u64().unwrap()));
    }
    assert!(
        seen.len() < 450,
        "offset paging saw all {} posts",
        seen.len()
    );
}

#[test]
fn posts_published_and_edited_mid_walk_are_not_lost() {
    let wp = Wp::start();
    wp.site().publish_all(1..=100, |id| t(id as i64 * 60));
    // After the second request: a new post, and an edit of a post already
    // delivered (which would shift every later offset by one).
    wp.after_request(2, |site| {
        site.publish(101, t(90_000));
        site.edit(5, t(90_001));
    });
    let client = client();
    let (pages, end) = walk_ok(&client, &wp, Cursor::start());
    let got = delivered(&pages);
    assert_eq!(got, wp.site().current());
    assert_eq!(got.len(), 101);
    assert_eq!(got[&5], "2023-03-02T01:00:01");
    assert_eq!(end, cursor_at(90_001));
}

#[test]
fn a_tie_group_that_changes_while_it_is_paged_is_walked_again() {
    let wp = Wp::start();
    wp.site().publish_all(1..=35, |_| t(500));
    wp.site().publish(36, t(600));
    // Requests: 1 keyset (all ties), 2 and 3 pages of the group by id; then an
    // edit moves post 2 out of the group, shifting its later pages.
    wp.after_request(3, |site| site.edit(2, t(700)));
    let client = client();
    let (pages, end) = walk_ok(&client, &wp, Cursor::start());
    assert_eq!(delivered(&pages), wp.site().current());
    assert_eq!(end, cursor_at(700));
    let restarts = wp
        .urls()
        .iter()
        .filter(|u| u.contains("orderby=id") && u.ends_with("&page=1"))
        .count();
    assert_eq!(restarts, 2, "{:#?}", wp.urls());
}

#[test]
fn a_tie_group_that_never_settles_fails_cleanly() {
    let wp = Wp::start();
    wp.site().publish_all(1..=60, |_| t(500));
    for k in [3, 6, 9, 12] {
        wp.after_request(k, move |site| site.trash(k as u64));
    }
    let client = Client::new(Config {
        max_tie_passes: 2,
        ..config()
    })
    .unwrap();
    let (_, error) = walk(&client, &wp, Cursor::start());
    let error = error.expect("an error");
    assert!(
        matches!(error, FetchError::Unstable { passes: 2, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("try again in a few minutes"),
        "{error}"
    );
}

#[test]
fn a_post_without_modified_gmt_is_delivered_but_does_not_move_the_mark() {
    let wp = Wp::start();
    wp.site().publish_all(1..=5, |id| t(id as i64 * 60));
    wp.site().drop_modified_gmt(5);
    let (pages, end) = walk_ok(&client(), &wp, Cursor::start());
    assert_eq!(count(&pages), 5);
    assert!(
        pages[0]
            .posts
            .iter()
            .any(|p| p.contains("\"modified_gmt\":null"))
    );
    assert_eq!(end, cursor_at(4 * 60));
}

#[test]
fn a_since_cursor_bounds_the_first_walk() {
    let wp = Wp::start();
    wp.site().publish_all(1..=30, |id| t(id as i64 * 60));
    let (pages, _) = walk_ok(&client(), &wp, Cursor::since(t(10 * 60)));
    assert_eq!(
        delivered(&pages).keys().copied().collect::<Vec<_>>(),
        (10..=30).collect::<Vec<_>>()
    );
}

#[test]
fn the_cursor_stays_behind_the_servers_clock_so_a_late_commit_is_not_lost() {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64 * 60));
    // The server's clock says the newest post is 5 s old; with 30 s of settle
    // time the cursor stops 30 s before that clock.
    wp.site().clock = Some(t(185));
    let client = client();
    let (_, end) = walk_ok(&client, &wp, Cursor::start());
    assert_eq!(end, cursor_at(155));
    // A post saved in the newest post's second, visible only now, still comes.
    wp.site().publish(4, t(180));
    wp.site().clock = Some(t(600));
    let (pages, end) = walk_ok(&client, &wp, end);
    assert_eq!(
        delivered(&pages).keys().copied().collect::<Vec<_>>(),
        [3, 4]
    );
    assert_eq!(end, cursor_at(180));
}
