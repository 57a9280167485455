//! A source is the WordPress site, not the host: two sites on one host keep
//! their own marks and posts; one site under two names, or synced and
//! imported, is stored once; an archive keyed by host migrates whole.

use crate::support::wp::{Wp, t};
use crate::support::{Archive, Cmd};

/// `healthfeed sync` of `source` with test-sized timeouts and pages.
fn sync(run: &Archive, source: &str) -> Cmd {
    run.sync(source, 2)
}

fn count(run: &Archive, sql: &str) -> i64 {
    run.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Records whose ID starts with `prefix`.
fn records(run: &Archive, prefix: &str) -> i64 {
    run.conn()
        .query_row(
            "SELECT count(*) FROM records WHERE id LIKE ?1 || '%'",
            [prefix],
            |r| r.get(0),
        )
        .unwrap()
}

/// Two sites of a multisite on one host: `/a` with 30 posts modified late,
/// `/b` with 124 posts modified early, post ids overlapping, records distinct.
fn two_sites() -> (Wp, Wp) {
    let mut sites = Wp::multisite(&["/a", "/b"]);
    let b = sites.pop().unwrap();
    let a = sites.pop().unwrap();
    {
        let mut site = a.site();
        site.home = Some(a.url());
        site.publish_all(1..=30, |id| t(100_000 + id as i64 * 60));
    }
    {
        let mut site = b.site();
        site.home = Some(b.url());
        site.record_base = 700_000;
        site.publish_all(1..=124, |id| t(id as i64 * 60));
    }
    (a, b)
}

#[test]
fn two_sites_on_one_host_keep_their_own_marks_and_posts() {
    let (a, b) = two_sites();
    let run = Archive::new();
    sync(&run, &format!("{}/wp-json/wp/v2/posts", a.url())).ok();
    // Before, B shared A's later mark: 0 of its 124 records came, exit 0.
    let out = sync(&run, &b.url()).ok();
    assert!(out.contains("124 new records"), "{out}");
    assert_eq!(records(&run, "DZ6"), 30);
    assert_eq!(records(&run, "DZ7"), 124);
    assert_eq!(count(&run, "SELECT count(*) FROM posts"), 154);
    let sites: Vec<String> = {
        let conn = run.conn();
        let mut stmt = conn
            .prepare("SELECT site FROM sources ORDER BY site")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(sites, [a.url(), b.url()]);

    // A full sync of A stores A's posts again; B's stay, every one.
    a.site().edit(3, t(200_000));
    sync(&run, &a.url()).arg("--full").ok();
    assert_eq!(records(&run, "DZ7"), 124);
    assert_eq!(records(&run, "DZ6"), 30);
    assert_eq!(count(&run, "SELECT count(*) FROM posts"), 154);
    let json = run.cmd(["status", "--json"]).json();
    let marks: Vec<&str> = json["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sync_mark"].as_str().unwrap())
        .collect();
    assert_eq!(marks.len(), 2);
    assert_ne!(marks[0], marks[1], "each site has its own mark");
}

/// How many times `query` of `id` lists post `post`.
fn listed(run: &Archive, id: &str, post: u64) -> usize {
    let out = run.cmd(["query", id]).ok();
    out.lines()
        .filter(|l| l.trim_start().starts_with(&format!("post {post} ")))
        .count()
}

#[test]
fn one_site_under_two_names_and_an_import_is_stored_once() {
    let wp = Wp::start();
    let home = format!("http://localhost:{}", wp.port());
    {
        let mut site = wp.site();
        site.home = Some(home.clone());
        site.publish_all(1..=40, |id| t(id as i64 * 60));
    }
    let run = Archive::new();
    // Reached by address, the site's index names it localhost.
    let first = sync(&run, &wp.posts_url()).ok();
    assert!(first.contains("40 new records"), "{first}");
    // By its own name: the same site, nothing new.
    let again = sync(&run, &home).ok();
    assert!(again.starts_with("0 posts fetched"), "{again}");
    // The same posts from a file: their links name the site.
    let file = run.write("posts.json", wp.site().export(healthfeed::fetch::FIELDS));
    let imported = run.import(&file);
    assert_eq!(imported["new_records"], 0, "{imported}");
    assert_eq!(count(&run, "SELECT count(*) FROM sources"), 1);
    assert_eq!(count(&run, "SELECT count(*) FROM posts"), 40);
    assert_eq!(count(&run, "SELECT count(*) FROM raw_posts"), 40);
    assert_eq!(
        run.conn()
            .query_row("SELECT site FROM sources", [], |r| r.get::<_, String>(0))
            .unwrap(),
        home
    );
    assert_eq!(listed(&run, "DZ600007", 7), 1);
    // Later runs under either name cost one request each: the names are remembered.
    let before = wp.requests();
    sync(&run, &wp.posts_url()).ok();
    sync(&run, &home).ok();
    assert_eq!(wp.requests() - before, 2, "{:?}", &wp.urls()[before..]);
}

/// Takes an archive of today's schema back to schema 3: sources keyed by origin.
fn back_to_schema_3(run: &Archive) {
    run.conn()
        .execute_batch(
            "DROP TABLE source_names;
             ALTER TABLE sources RENAME COLUMN site TO origin;
             PRAGMA user_version = 3;",
        )
        .unwrap();
}

#[test]
fn an_archive_keyed_by_host_migrates_and_merges_one_site_keeping_every_version() {
    let wp = Wp::start();
    let home = format!("http://localhost:{}", wp.port());
    {
        let mut site = wp.site();
        site.home = Some(home.clone());
        site.publish_all(1..=40, |id| t(id as i64 * 60));
    }
    let run = Archive::new();
    let file = run.write("posts.json", wp.site().export(healthfeed::fetch::FIELDS));
    run.import(&file);
    back_to_schema_3(&run);
    // What healthfeed stored before: the sync via 127.0.0.1 as a second source,
    // every post twice, post 5 there in a later version.
    let origin = wp.url();
    run.conn()
        .execute_batch(&format!(
            "INSERT INTO sources(id, origin, posts_url, cursor)
               VALUES (9, '{origin}', '{origin}/wp-json/wp/v2/posts', NULL);
             INSERT INTO raw_posts(source_id, post_id, modified_gmt, json_hash, fetched_at, json)
               SELECT 9, post_id,
                 CASE post_id WHEN 5 THEN '2023-03-02T00:00:00Z' ELSE modified_gmt END,
                 CASE post_id WHEN 5 THEN 'edited' ELSE json_hash END, fetched_at,
                 CASE post_id WHEN 5 THEN json || ' ' ELSE json END
               FROM raw_posts;
             INSERT INTO posts(source_id, post_id, raw_id, modified_gmt, date_gmt, link, slug, update_id)
               SELECT 9, p.post_id, r.id, r.modified_gmt, p.date_gmt, p.link, p.slug, p.update_id
               FROM posts p JOIN raw_posts r ON r.source_id = 9 AND r.post_id = p.post_id;"
        ))
        .unwrap();
    assert_eq!(count(&run, "SELECT count(*) FROM posts"), 80);
    let records_before = count(&run, "SELECT count(*) FROM records");

    // Readers leave it alone; a writing command migrates it, every post kept.
    run.cmd(["list"]).fails(5);
    run.import(run.write("none.json", "[]"));
    assert_eq!(
        count(
            &run,
            "SELECT count(*) FROM pragma_table_info('sources') WHERE name = 'site'"
        ),
        1
    );
    assert_eq!(count(&run, "SELECT count(*) FROM posts"), 80);
    assert_eq!(count(&run, "SELECT count(*) FROM raw_posts"), 80);
    assert_eq!(count(&run, "SELECT count(*) FROM records"), records_before);

    // The sync via 127.0.0.1 learns that it is localhost: one source, each post once.
    sync(&run, &wp.posts_url()).ok();
    assert_eq!(count(&run, "SELECT count(*) FROM sources"), 1);
    assert_eq!(count(&run, "SELECT count(*) FROM posts"), 40);
    assert_eq!(count(&run, "SELECT count(*) FROM records"), records_before);
    // Identical versions are one version; the edited one is kept beside the first.
    assert_eq!(count(&run, "SELECT count(*) FROM raw_posts"), 41);
    assert_eq!(
        count(&run, "SELECT count(*) FROM raw_posts WHERE post_id = 5"),
        2
    );
    assert_eq!(
        run.conn()
            .query_row(
                "SELECT modified_gmt FROM posts WHERE post_id = 5",
                [],
                |r| { r.get::<_, String>(0) }
            )
            .unwrap(),
        "2023-03-02T00:00:00Z",
        "the newer version is the post's current one"
    );
    assert_eq!(listed(&run, "DZ600005", 5), 1);
}
