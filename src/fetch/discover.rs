//! From what a person types as a source to the URL of the site's posts route.
//!
//! WordPress serves its REST API at `/wp-json/…` with pretty permalinks, at
//! `/index.php/wp-json/…` on servers without URL rewriting (m365jp.net), and
//! only at `/?rest_route=…` with plain permalinks, where the first two forms
//! redirect to the HTML home page. A site URL is probed in that order with a
//! one-post request; a URL that already names the posts route is used as is.

use std::fmt;

use reqwest::Url;

use super::body::{Capped, Deadline, read_capped};
use super::error::FetchError;
use super::http::{Client, Mode};
use crate::model::{site_name, site_of_route};

/// The most of a REST index read: it is asked for two fields.
const INDEX_CAP: u64 = 64 * 1024;

/// What a site's REST index says the site is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The site named by the index's `home` (or `url`).
    Told(String),
    /// The index answered without naming a site (none served, not JSON, no
    /// usable `home`): the route's path names it, for good.
    Untold(String),
    /// The index could not be asked (the connection failed): the route's path
    /// names it for this run, and the next run asks again.
    Unreachable(String),
}

impl Identity {
    /// The site's name, however it was found.
    pub fn site(&self) -> &str {
        match self {
            Identity::Told(s) | Identity::Untold(s) | Identity::Unreachable(s) => s,
        }
    }
}

/// Query parameters the walk sets itself; stripped from a given posts URL.
const OWN_PARAMS: &[&str] = &[
    "page",
    "per_page",
    "offset",
    "orderby",
    "order",
    "modified_after",
    "modified_before",
    "after",
    "before",
    "_fields",
];

/// The URL of a site's posts route (`…/wp-json/wp/v2/posts` or `…?rest_route=/wp/v2/posts`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostsUrl(Url);

impl PostsUrl {
    /// Reads a posts URL; fails when the text is not an http(s) URL of a posts route.
    pub fn parse(text: &str) -> Result<Self, FetchError> {
        match Source::parse(text)? {
            Source::Posts(posts) => Ok(posts),
            Source::Site(_) => Err(FetchError::BadUrl {
                url: text.into(),
                reason: "not a posts route (…/wp-json/wp/v2/posts or ?rest_route=/wp/v2/posts)"
                    .into(),
            }),
        }
    }

    /// The URL as text, the form the store keeps per source.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The site the route's path names (`…/a/wp-json/wp/v2/posts` → `…/a`);
    /// the site's REST index may name it otherwise ([`Client::identify`]).
    pub fn site(&self) -> String {
        site_of_route(&self.0).unwrap_or_else(|| self.0.origin().ascii_serialization())
    }

    /// The REST index beside the route (`…/wp-json/` or `…?rest_route=/`),
    /// asking only for the fields that name the site.
    fn index(&self) -> Url {
        let mut index = self.0.clone();
        index.set_fragment(None);
        let path = self.0.path().to_owned();
        match path.find("/wp-json/") {
            Some(at) => {
                index.set_path(&format!("{}/wp-json/", &path[..at]));
                index.set_query(None);
            }
            None => {
                index.set_query(None);
                index.query_pairs_mut().append_pair("rest_route", "/");
            }
        }
        index.query_pairs_mut().append_pair("_fields", "home,url");
        index
    }

    /// The URL with the walk's query parameters still to be appended.
    pub(super) fn url(&self) -> &Url {
        &self.0
    }

    /// A posts URL without fragment and without the parameters the walk sets.
    fn clean(mut url: Url) -> Self {
        url.set_fragment(None);
        let kept: Vec<String> = url
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or("");
                !pair.is_empty() && !OWN_PARAMS.contains(&key)
            })
            .map(str::to_owned)
            .collect();
        let query = kept.join("&");
        url.set_query((!query.is_empty()).then_some(query.as_str()));
        PostsUrl(url)
    }
}

impl fmt::Display for PostsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A source as given: a site to probe, or its posts route itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A site URL (`https://m365jp.net`, `https://m365jp.net/index.php`): the route is found by probing.
    Site(Url),
    /// A posts route URL, used as is.
    Posts(PostsUrl),
}

impl Source {
    /// Reads a source; `https://` is assumed when no scheme is given.
    pub fn parse(text: &str) -> Result<Self, FetchError> {
        let trimmed = text.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let bad = |reason: &str| FetchError::BadUrl {
            url: text.into(),
            reason: reason.into(),
        };
        let url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("only http and https are supported"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host"));
        }
        if is_posts_route(&url) {
            return Ok(Source::Posts(PostsUrl::clean(url)));
        }
        let mut site = url;
        site.set_query(None);
        site.set_fragment(None);
        let path = site.path().trim_end_matches('/').to_owned();
        site.set_path(&path);
        Ok(Source::Site(site))
    }

    /// The URLs probed for a site, in order; for a posts URL, just itself.
    pub fn candidates(&self) -> Vec<Url> {
        let site = match self {
            Source::Posts(p) => return vec![p.0.clone()],
            Source::Site(site) => site,
        };
        let base = site.as_str().trim_end_matches('/');
        let path = site.path().trim_end_matches('/');
        let mut forms = vec![format!("{base}/wp-json/wp/v2/posts")];
        if !path.ends_with("/index.php") {
            forms.push(format!("{base}/index.php/wp-json/wp/v2/posts"));
            forms.push(format!("{base}/?rest_route=/wp/v2/posts"));
        } else {
            forms.push(format!("{base}?rest_route=/wp/v2/posts"));
        }
        forms.iter().filter_map(|f| Url::parse(f).ok()).collect()
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Site(url) => f.write_str(url.as_str()),
            Source::Posts(posts) => f.write_str(posts.as_str()),
        }
    }
}

/// Whether a URL names the posts route itself.
fn is_posts_route(url: &Url) -> bool {
    let route = |r: &str| {
        let r = r.trim_end_matches('/');
        r.ends_with("/wp/v2/posts")
    };
    route(url.path())
        || url
            .query_pairs()
            .any(|(k, v)| k == "rest_route" && route(&v))
}

impl Client {
    /// The posts route of a source: a posts URL as is (no request), a site by probing its routes.
    ///
    /// Each probe asks for one post's id. A route that answers 4xx or with
    /// something other than a JSON list (a redirect to the HTML home page) is
    /// passed over; a server failure, a refused redirect or an oversized
    /// answer ends the search with that error.
    pub fn resolve(&self, source: &Source) -> Result<PostsUrl, FetchError> {
        let site = match source {
            Source::Posts(posts) => return Ok(posts.clone()),
            Source::Site(site) => site,
        };
        let mut tried = Vec::new();
        for candidate in source.candidates() {
            let mut probe = candidate.clone();
            probe
                .query_pairs_mut()
                .append_pair("per_page", "1")
                .append_pair("_fields", "id");
            match self.get_posts(&probe, Mode::Probe) {
                Ok(reply) => return Ok(PostsUrl::clean(reply.url)),
                Err(e @ (FetchError::Rejected { .. } | FetchError::NotPostList { .. })) => {
                    let why = match &e {
                        FetchError::Rejected {
                            status,
                            code: Some(code),
                            ..
                        } => format!("HTTP {status} {code}"),
                        FetchError::Rejected { status, .. } => format!("HTTP {status}"),
                        FetchError::NotPostList { status, .. } => {
                            format!("HTTP {status}, not a JSON list of posts")
                        }
                        _ => e.to_string(),
                    };
                    tried.push(format!("{candidate} → {why}"));
                }
                Err(e) => return Err(e),
            }
        }
        Err(FetchError::NoRoute {
            site: site.to_string(),
            tried,
        })
    }
}

impl Client {
    /// The site `posts` belongs to, as its REST index names it (`home`, else
    /// `url`): one site reached as `127.0.0.1` and as `localhost` is named
    /// once. One request, not retried; whatever goes wrong, the route's path names the site.
    pub fn identify(&self, posts: &PostsUrl) -> Identity {
        let fallback = posts.site();
        let index = posts.index();
        let started = std::time::Instant::now();
        let sent = self
            .http
            .get(index.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send();
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                let why = crate::describe::describe(&e);
                self.emit(&index, None, Some(&why), 0, started, 0);
                return Identity::Unreachable(fallback);
            }
        };
        let status = response.status().as_u16();
        let body = if response.status().is_success() {
            // One request, bounded like every other: the whole answer within --timeout.
            let limit = self.config.read_timeout;
            let mut bounded = Deadline {
                inner: &mut response,
                deadline: started + limit,
                limit,
            };
            match read_capped(&mut bounded, INDEX_CAP.min(self.config.max_response_bytes)) {
                Ok(body) => Some(body),
                Err(Capped::TooLarge { .. }) => None,
                Err(Capped::Broken { read, detail }) => {
                    self.emit(&index, Some(status), Some(&detail), read, started, 0);
                    return Identity::Unreachable(fallback);
                }
            }
        } else {
            None
        };
        let bytes = body.as_ref().map_or(0, |b| b.len() as u64);
        self.emit(&index, Some(status), None, bytes, started, 0);
        let told = body
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| {
                ["home", "url"]
                    .iter()
                    .filter_map(|k| v.get(*k).and_then(|s| s.as_str()))
                    .find_map(|s| Url::parse(s).ok().and_then(|u| site_name(&u)))
            });
        match told {
            Some(site) => Identity::Told(site),
            None => Identity::Untold(fallback),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(urls: Vec<Url>) -> Vec<String> {
        urls.into_iter().map(String::from).collect()
    }

    #[test]
    fn site_urls_get_three_candidates() {
        let s = Source::parse("https://m365jp.net/").unwrap();
        assert!(matches!(s, Source::Site(_)));
        assert_eq!(
            strs(s.candidates()),
            [
                "https://m365jp.net/wp-json/wp/v2/posts",
                "https://m365jp.net/index.php/wp-json/wp/v2/posts",
                "https://m365jp.net/?rest_route=/wp/v2/posts",
            ]
        );
        let s = Source::parse("m365jp.net/index.php").unwrap();
        assert_eq!(
            strs(s.candidates()),
            [
                "https://m365jp.net/index.php/wp-json/wp/v2/posts",
                "https://m365jp.net/index.php?rest_route=/wp/v2/posts",
            ]
        );
        let s = Source::parse("http://example.com/blog?x=1#top").unwrap();
        assert_eq!(
            s.candidates()[0].as_str(),
            "http://example.com/blog/wp-json/wp/v2/posts"
        );
    }

    #[test]
    fn posts_urls_are_used_as_is_without_the_walks_own_parameters() {
        let p = PostsUrl::parse(
            "https://m365jp.net/index.php/wp-json/wp/v2/posts?per_page=5&categories=3&page=2",
        )
        .unwrap();
        assert_eq!(
            p.as_str(),
            "https://m365jp.net/index.php/wp-json/wp/v2/posts?categories=3"
        );
        let p = PostsUrl::parse("http://x.org/?rest_route=/wp/v2/posts&_fields=id").unwrap();
        assert_eq!(p.as_str(), "http://x.org/?rest_route=/wp/v2/posts");
        let p = PostsUrl::parse("http://x.org/?rest_route=%2Fwp%2Fv2%2Fposts").unwrap();
        assert_eq!(p.as_str(), "http://x.org/?rest_route=%2Fwp%2Fv2%2Fposts");
        assert!(PostsUrl::parse("https://m365jp.net").is_err());
    }

    #[test]
    fn a_route_names_its_site_and_its_index() {
        let p = PostsUrl::parse("https://host/a/wp-json/wp/v2/posts?categories=3").unwrap();
        assert_eq!(p.site(), "https://host/a");
        assert_eq!(
            p.index().as_str(),
            "https://host/a/wp-json/?_fields=home%2Curl"
        );
        let p = PostsUrl::parse("http://x.org/b/?rest_route=/wp/v2/posts").unwrap();
        assert_eq!(p.site(), "http://x.org/b");
        assert_eq!(
            p.index().as_str(),
            "http://x.org/b/?rest_route=%2F&_fields=home%2Curl"
        );
        let p = PostsUrl::parse("https://m365jp.net/index.php/wp-json/wp/v2/posts").unwrap();
        assert_eq!(p.site(), "https://m365jp.net");
        assert_eq!(
            p.index().as_str(),
            "https://m365jp.net/index.php/wp-json/?_fields=home%2Curl"
        );
    }

    #[test]
    fn non_web_sources_are_refused() {
        for bad in [
            "ftp://x.org/",
            "https://",
            "file:///etc/passwd",
            "http://[::1",
        ] {
            assert!(
                matches!(Source::parse(bad), Err(FetchError::BadUrl { .. })),
                "{bad}"
            );
        }
    }
}
