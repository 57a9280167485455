//! A WordPress site's name: the root URL its posts and REST routes hang under.
//!
//! Two sites may share a host (`https://host/a`, `https://host/b`: a multisite
//! in subdirectories), so a site is named by scheme, host, port and path, not
//! by host alone. The one spelling (lower-case host, default port dropped, no
//! trailing slash, no query) lets every way of reaching a site meet on one name.

use url::Url;

/// The canonical name of the site rooted at `url`: `scheme://host[:port][/path]`.
pub fn site_name(url: &Url) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str().filter(|h| !h.is_empty())?;
    let mut name = format!("{}://{host}", url.scheme());
    if let Some(port) = url.port() {
        name.push_str(&format!(":{port}"));
    }
    name.push_str(url.path().trim_end_matches('/'));
    Some(name)
}

/// The site a REST posts route belongs to, by its path alone:
/// `…/a/wp-json/wp/v2/posts` → `…/a`, `…/index.php/wp-json/…` → the part
/// before `/index.php`, `…/a/?rest_route=/wp/v2/posts` → `…/a`.
pub fn site_of_route(route: &Url) -> Option<String> {
    let mut root = route.clone();
    root.set_query(None);
    root.set_fragment(None);
    let path = route.path();
    let before = match path.find("/wp-json/") {
        Some(at) => &path[..at],
        None => path,
    };
    let before = before.trim_end_matches('/');
    let before = before.strip_suffix("/index.php").unwrap_or(before);
    root.set_path(before);
    site_name(&root)
}

/// The site a post's link (or guid) belongs to: its scheme and host plus the
/// longest of the `known` sites' paths it falls under, else scheme and host.
pub fn site_of_link(link: &str, known: &[String]) -> Option<String> {
    let url = Url::parse(link).ok()?;
    let mut host = url.clone();
    host.set_path("");
    host.set_query(None);
    host.set_fragment(None);
    let bare = site_name(&host)?;
    let full = site_name(&url)?;
    let under = |site: &&String| {
        full.strip_prefix(site.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let longest = known
        .iter()
        .filter(|s| s.starts_with(&bare))
        .filter(under)
        .max_by_key(|s| s.len());
    Some(longest.cloned().unwrap_or(bare))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(text: &str) -> Option<String> {
        site_of_route(&Url::parse(text).unwrap())
    }

    #[test]
    fn a_route_names_its_site_by_path() {
        assert_eq!(
            route("https://Host/a/wp-json/wp/v2/posts").as_deref(),
            Some("https://host/a")
        );
        assert_eq!(
            route("https://m365jp.net/index.php/wp-json/wp/v2/posts").as_deref(),
            Some("https://m365jp.net")
        );
        assert_eq!(
            route("http://127.0.0.1:8080/b/?rest_route=/wp/v2/posts").as_deref(),
            Some("http://127.0.0.1:8080/b")
        );
        assert_eq!(
            route("https://host:443/index.php?rest_route=/wp/v2/posts").as_deref(),
            Some("https://host")
        );
    }

    #[test]
    fn a_link_falls_under_the_longest_known_site() {
        let known = vec!["https://host/a".to_owned(), "https://host".to_owned()];
        let site = |l: &str| site_of_link(l, &known);
        assert_eq!(
            site("https://host/a/2024/x").as_deref(),
            Some("https://host/a")
        );
        assert_eq!(site("https://host/ab/x").as_deref(), Some("https://host"));
        assert_eq!(site("https://other/a/x").as_deref(), Some("https://other"));
        assert_eq!(site("https://host/a").as_deref(), Some("https://host/a"));
        assert_eq!(site_of_link("not a url", &known), None);
    }
}
