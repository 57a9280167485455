//! Faults, redirects, limits and route discovery: every failure is retried
//! when it may pass, and otherwise ends in an error naming the URL and status.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use healthfeed::fetch::{
    Client, Config, Cursor, Failure, FetchError, Page, PostsUrl, RedirectProblem, Source,
};

use super::{client, config, cursor_at, delivered, walk, walk_ok};
use crate::support::wp::{Fault, Layout, Wp, t};

/// The same site twice: one served cleanly, one through faults.
fn fault_site(wp: &Wp) {
    let mut site = wp.site();
    site.publish_all(1..=40, |id| t(id as i64 * 60));
    site.publish_all(41..=65, |_| t(5_000));
    site.shuffle_ties = Some(7);
}

#[test]
fn transient_faults_are_retried_and_change_nothing() {
    let clean = Wp::start();
    fault_site(&clean);
    let (clean_pages, clean_end) = walk_ok(&client(), &clean, Cursor::start());

    let wp = Wp::start();
    fault_site(&wp);
    for fault in [
        Fault::Status(503),
        Fault::Status(503),
        Fault::TooMany("1".into()),
        Fault::Html,
        Fault::Cut,
        Fault::Stall(Duration::from_millis(1_500)),
    ] {
        wp.fault(fault);
    }
    let client = Client::new(Config {
        read_timeout: Duration::from_millis(700),
        max_tries: 8,
        ..config()
    })
    .unwrap();
    let started = Instant::now();
    let (pages, end) = walk_ok(&client, &wp, Cursor::start());
    assert_eq!(delivered(&pages), delivered(&clean_pages));
    assert_eq!(delivered(&pages), wp.site().current());
    assert_eq!(end, clean_end);
    assert_eq!(wp.requests(), clean.requests() + 6);
    // Retry-After: 1 was honoured up to the 100 ms cap.
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[test]
fn persistent_500_ends_with_an_error_naming_the_url_and_status_after_the_pages_before_it() {
    let wp = Wp::start();
    wp.site().publish_all(1..=50, |id| t(id as i64 * 60));
    wp.after_request(2, |site| site.sticky = Some(Fault::Status(500)));
    let (pages, error) = walk(&client(), &wp, Cursor::start());
    let error = error.expect("an error");
    assert_eq!(pages.len(), 2, "the pages before the failure are yielded");
    assert_eq!(pages[1].cursor_after, cursor_at(19 * 60 - 1));
    assert_eq!(wp.requests(), 2 + 5, "five tries of the failing page");
    let FetchError::GaveUp { url, tries, last } = &error else {
        panic!("{error}")
    };
    assert_eq!((*tries, last), (5, &Failure::Status { status: 500 }));
    assert!(url.contains("modified_after="), "{url}");
    assert_eq!(error.status(), Some(500));
    let text = error.to_string();
    assert!(text.contains(&wp.posts_url()), "{text}");
    assert!(
        text.contains("500 Internal Server Error") && text.contains("try again later"),
        "{text}"
    );
    // Resuming from the committed cursor refetches nothing before it.
    wp.site().sticky = None;
    let (rest, _) = walk_ok(&client(), &wp, pages[1].cursor_after);
    let mut all = delivered(&pages);
    all.extend(delivered(&rest));
    assert_eq!(all, wp.site().current());
    assert!(delivered(&rest).keys().all(|&id| id >= 19));
}

#[test]
fn an_html_page_that_never_goes_away_fails_cleanly() {
    let wp = Wp::start();
    wp.site().publish_all(1..=5, |id| t(id as i64));
    wp.site().sticky = Some(Fault::Html);
    let (pages, error) = walk(&client(), &wp, Cursor::start());
    assert!(pages.is_empty());
    let error = error.expect("an error");
    assert!(
        matches!(
            &error,
            FetchError::GaveUp {
                last: Failure::NotJson { status: 200, .. },
                ..
            }
        ),
        "{error}"
    );
    let text = error.to_string();
    assert!(
        text.contains("text/html") && text.contains("Just a moment"),
        "{text}"
    );
    assert!(text.contains("open the URL in a browser"), "{text}");
}

#[test]
fn a_stall_past_the_read_timeout_every_time_gives_up_with_a_timeout() {
    let wp = Wp::start();
    wp.site().publish(1, t(1));
    wp.site().sticky = Some(Fault::Stall(Duration::from_millis(800)));
    let client = Client::new(Config {
        read_timeout: Duration::from_millis(200),
        max_tries: 2,
        ..config()
    })
    .unwrap();
    let (_, error) = walk(&client, &wp, Cursor::start());
    let error = error.expect("an error");
    assert!(
        matches!(
            &error,
            FetchError::GaveUp {
                tries: 2,
                last: Failure::Timeout { .. },
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_body_that_stalls_halfway_times_out_and_is_retried() {
    let wp = Wp::start();
    wp.site().publish_all(1..=5, |id| t(id as i64));
    wp.fault(Fault::StallMidway(Duration::from_millis(1_500)));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let client = Client::new(Config {
        read_timeout: Duration::from_millis(300),
        ..config()
    })
    .unwrap()
    .observe(move |e| sink.lock().unwrap().push(e.to_string()));
    let started = Instant::now();
    let (pages, _) = walk_ok(&client, &wp, Cursor::start());
    assert_eq!(delivered(&pages), wp.site().current());
    assert!(
        started.elapsed() < Duration::from_millis(1_400),
        "the read timeout, not the stall, ended the try"
    );
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(
        events[0].contains("200 OK") && events[0].contains("the body broke off"),
        "{}",
        events[0]
    );
}

#[test]
fn redirects_to_another_host_and_redirect_loops_are_refused() {
    let wp = Wp::start();
    wp.site().publish(1, t(1));
    wp.site().sticky = Some(Fault::RedirectOffsite);
    let (_, error) = walk(&client(), &wp, Cursor::start());
    let error = error.expect("an error");
    assert!(
        matches!(&error, FetchError::Redirect { status: 301, problem: RedirectProblem::OtherHost, location, .. } if location.starts_with("http://elsewhere.invalid:")),
        "{error}"
    );
    assert!(error.to_string().contains(&wp.posts_url()), "{error}");
    assert_eq!(
        wp.requests(),
        1,
        "the other host is never contacted, nor retried"
    );

    wp.site().sticky = Some(Fault::RedirectLoop);
    let (_, error) = walk(&client(), &wp, Cursor::start());
    let error = error.expect("an error");
    assert!(
        matches!(
            &error,
            FetchError::Redirect {
                problem: RedirectProblem::Loop,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("redirect loop"), "{error}");
    assert_eq!(
        wp.requests(),
        3,
        "posts → /loop → refused before asking again"
    );
}

#[test]
fn a_posts_url_that_redirects_to_the_home_page_fails_at_once() {
    let wp = Wp::start();
    wp.site().layout = Layout::Plain;
    wp.site().publish(1, t(1));
    let (_, error) = walk(&client(), &wp, Cursor::start());
    let error = error.expect("an error");
    assert!(
        matches!(&error, FetchError::NotPostList { status: 200, .. }),
        "{error}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&format!("after a redirect to {}/", wp.url())),
        "{text}"
    );
    assert!(text.contains("give the site's home page URL"), "{text}");
    assert_eq!(
        wp.requests(),
        2,
        "the redirect and the home page, not retried"
    );
}

#[test]
fn a_server_that_ignores_the_walks_parameters_is_caught_not_looped() {
    // WordPress before 5.7 (or a cache) drops modified_after: the same first
    // page would come back forever.
    let wp = Wp::start();
    wp.site().publish_all(1..=30, |id| t(id as i64 * 60));
    wp.site().ignored_params = vec!["modified_after"];
    let (pages, error) = walk(&client(), &wp, Cursor::start());
    let error = error.expect("an error");
    assert_eq!(pages.len(), 1);
    assert!(
        matches!(
            &error,
            FetchError::IgnoredFilter {
                param: "modified_after",
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("WordPress 5.7 or newer"),
        "{error}"
    );

    // Without orderby, WordPress sorts by date, newest first.
    let wp = Wp::start();
    wp.site().publish_all(1..=30, |id| t(id as i64 * 3_600));
    wp.site().ignored_params = vec!["orderby", "order"];
    let (pages, error) = walk(&client(), &wp, Cursor::start());
    assert!(pages.is_empty());
    let error = error.expect("an error");
    assert!(
        matches!(&error, FetchError::IgnoredFilter { .. }),
        "{error}"
    );
}

#[test]
fn discovery_finds_each_route_form_and_the_walk_uses_it() {
    for (layout, expected) in [
        (Layout::Pretty, "/wp-json/wp/v2/posts"),
        (Layout::IndexPhp, "/index.php/wp-json/wp/v2/posts"),
        (Layout::Plain, "/?rest_route=/wp/v2/posts"),
    ] {
        let wp = Wp::start();
        wp.site().layout = layout;
        wp.site().publish_all(1..=25, |id| t(id as i64));
        let client = client();
        let source = Source::parse(&format!("{}/", wp.url())).unwrap();
        let posts = client.resolve(&source).unwrap();
        assert_eq!(
            posts.as_str(),
            format!("{}{expected}", wp.url()),
            "{layout:?}"
        );

        let pages: Vec<Page> = client
            .walk(&posts, Cursor::start())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(delivered(&pages), wp.site().current(), "{layout:?}");
    }
}

#[test]
fn a_posts_url_is_used_as_is_and_a_site_without_wordpress_is_named() {
    let wp = Wp::start();
    let source = Source::parse(&wp.posts_url()).unwrap();
    let posts = client().resolve(&source).unwrap();
    assert_eq!(posts.as_str(), wp.posts_url());
    assert_eq!(wp.requests(), 0, "a posts URL needs no probing");

    wp.site().layout = Layout::NotWordPress;
    let source = Source::parse(&wp.url()).unwrap();
    let error = client().resolve(&source).unwrap_err();
    assert!(
        matches!(&error, FetchError::NoRoute { tried, .. } if tried.len() == 3),
        "{error}"
    );
    let text = error.to_string();
    assert!(
        text.contains("/?rest_route=/wp/v2/posts → HTTP 200, not a JSON list of posts"),
        "{text}"
    );
    assert!(text.contains("give the full posts URL"), "{text}");
}

#[test]
fn a_wordpress_error_is_reported_with_its_code_and_message() {
    let wp = Wp::start();
    let posts = PostsUrl::parse(&format!("{}/wp-json/wp/v3/wp/v2/posts", wp.url())).unwrap();
    let error = client()
        .walk(&posts, Cursor::start())
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    let text = error.to_string();
    assert!(text.contains("/wp-json/wp/v3/wp/v2/posts?"), "{text}");
    assert!(
        text.contains("404 Not Found (rest_no_route: No route was found"),
        "{text}"
    );
    assert_eq!(wp.requests(), 1, "a 404 is not retried");
}

#[test]
fn answers_over_the_size_cap_are_refused_whatever_they_announce() {
    for gzip in [false, true] {
        let wp = Wp::start();
        wp.site().gzip = gzip;
        wp.site().sticky = Some(Fault::Huge(300_000));
        let client = Client::new(Config {
            max_response_bytes: 100_000,
            ..config()
        })
        .unwrap();
        let (_, error) = walk(&client, &wp, Cursor::start());
        let error = error.expect("an error");
        let FetchError::TooLarge {
            limit, declared, ..
        } = &error
        else {
            panic!("{error}")
        };
        assert_eq!(*limit, 100_000);
        // Plain: refused on its Content-Length. Gzipped: the length is unknown
        // until decoded, so the bytes are counted.
        assert_eq!(declared.is_some(), !gzip, "{error}");
        assert!(error.to_string().contains("100000-byte cap"), "{error}");
        assert_eq!(wp.requests(), 1, "not retried");
    }
}

#[test]
fn the_observer_sees_every_request_with_status_bytes_and_retry() {
    let wp = Wp::start();
    wp.site().publish_all(1..=3, |id| t(id as i64));
    wp.fault(Fault::Status(503));
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let client = client().observe(move |e| {
        sink.lock()
            .unwrap()
            .push((e.status, e.retry, e.bytes, e.to_string()));
    });
    walk_ok(&client, &wp, Cursor::start());
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!((events[0].0, events[0].1), (Some(503), 0));
    assert_eq!((events[1].0, events[1].1), (Some(200), 1));
    assert!(events[1].2 > 1_000, "bytes counted after gzip decoding");
    assert!(
        events[1].3.starts_with(&format!("GET {}?", wp.posts_url())),
        "{}",
        events[1].3
    );
    assert!(
        events[1].3.contains("200 OK") && events[1].3.contains("retry 1"),
        "{}",
        events[1].3
    );
}
