//! Why a fetch failed, said so that whoever reads a cron mail knows what to do.
//!
//! Every error names the URL it was fetching and, when there was one, the
//! HTTP status; its message ends with the next step to take.

use std::fmt;

use crate::describe::count;
use crate::exit::Exit;

/// What went wrong on the last try of a request that is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server answered 429 or 5xx.
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// A 2xx answer whose body is not JSON (an HTML challenge or error page, say).
    NotJson {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` the server named.
        content_type: String,
        /// The body's first characters.
        start: String,
    },
    /// The body broke off or stalled while it was read.
    Body {
        /// The HTTP status of the answer whose body broke.
        status: u16,
        /// What the HTTP stack said.
        detail: String,
    },
    /// No answer came within the read timeout.
    Timeout {
        /// What the HTTP stack said.
        detail: String,
    },
    /// No connection could be made (DNS, refused, TLS, proxy).
    Connect {
        /// What the HTTP stack said.
        detail: String,
    },
    /// Any other transport failure.
    Other {
        /// What the HTTP stack said.
        detail: String,
    },
}

impl Failure {
    /// The HTTP status of the failed answer, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Status { status }
            | Failure::NotJson { status, .. }
            | Failure::Body { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn hint(&self) -> &'static str {
        match self {
            Failure::Status { status: 429 } => {
                "The site is rate-limiting healthfeed: run it less often, or try again later"
            }
            Failure::Status { .. } => {
                "The site is failing or overloaded: try again later; the next run resumes from the last committed page"
            }
            Failure::NotJson { .. } => {
                "Something other than WordPress answered (a bot challenge or an error page): open the URL in a browser; if the source is not a posts URL, give the site's home page and let healthfeed find the route"
            }
            Failure::Body { .. } | Failure::Timeout { .. } => {
                "The network or the site is too slow or drops connections: try again later"
            }
            // rustls reading a plain-HTTP answer as a TLS record.
            Failure::Connect { detail } if detail.contains("InvalidContentType") => {
                "The server answered in plain HTTP, not HTTPS: give the URL with http:// instead of https://"
            }
            // A plain-HTTP server that hangs up on the TLS greeting without an answer.
            Failure::Connect { detail } if detail.contains("handshake eof") => {
                "The server hung up during the TLS handshake: if it speaks plain HTTP, give the URL with http:// instead of https://; otherwise check HTTPS_PROXY / NO_PROXY"
            }
            Failure::Connect { .. } | Failure::Other { .. } => {
                "Check the host name, the network, and HTTPS_PROXY / NO_PROXY if a proxy is needed"
            }
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status { status } => write!(f, "HTTP {}", status_text(*status)),
            Failure::NotJson {
                status,
                content_type,
                start,
            } => write!(
                f,
                "HTTP {} with a body that is not JSON ({content_type}, starting {start:?})",
                status_text(*status)
            ),
            Failure::Body { status, detail } => write!(
                f,
                "HTTP {} but the body broke off: {detail}",
                status_text(*status)
            ),
            Failure::Timeout { detail } => write!(f, "no answer in time: {detail}"),
            Failure::Connect { detail } => write!(f, "could not connect: {detail}"),
            Failure::Other { detail } => write!(f, "request failed: {detail}"),
        }
    }
}

/// Why a redirect was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectProblem {
    /// The redirect leads to another host (or from https down to http).
    OtherHost,
    /// The redirect leads back to a URL already visited.
    Loop,
    /// More redirects than `Config::max_redirects`.
    TooMany,
    /// The `Location` header is missing or not a URL.
    BadLocation,
}

/// Why fetching stopped. Each names the URL, the status when there was one, and what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The source given is not an http(s) URL.
    #[error(
        "{url}: not a usable source ({reason}): give a site URL such as https://m365jp.net or a posts URL ending in /wp-json/wp/v2/posts"
    )]
    BadUrl {
        /// The text given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built (TLS roots, proxy settings).
    #[error("cannot set up the HTTP client: {reason}: check HTTPS_PROXY / NO_PROXY")]
    Setup {
        /// What reqwest said.
        reason: String,
    },
    /// Every try failed; `last` is the last failure.
    #[error("GET {url}: gave up after {}; last: {last}. {}", count(*tries, "try", "tries"), last.hint())]
    GaveUp {
        /// The URL requested.
        url: String,
        /// How many tries were made.
        tries: u32,
        /// The last try's failure.
        last: Failure,
    },
    /// A 4xx (other than 429) or otherwise final answer, with WordPress's error code if it sent one.
    #[error("GET {url}: HTTP {}{}: {}", status_text(*status), wp_error(code, message), rejected_hint(*status, code.as_deref()))]
    Rejected {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// WordPress's `code` (`rest_no_route`, `rest_invalid_param`…), if the body had one.
        code: Option<String>,
        /// WordPress's `message`, if the body had one.
        message: Option<String>,
    },
    /// The body is bigger than `Config::max_response_bytes`.
    #[error(
        "GET {url}: HTTP {}: the answer is larger than the {limit}-byte cap{}: refused. Lower per_page or raise the size cap; a page of 100 posts is normally a few MB",
        status_text(*status),
        declared.map(|d| format!(" (Content-Length {d})")).unwrap_or_default()
    )]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The cap in bytes.
        limit: u64,
        /// The `Content-Length` the server announced, if any.
        declared: Option<u64>,
    },
    /// A redirect healthfeed will not follow.
    #[error("GET {url}: HTTP {} redirect to {location}: {}", status_text(*status), redirect_hint(*problem))]
    Redirect {
        /// The URL requested.
        url: String,
        /// The status of the refused redirect.
        status: u16,
        /// Where it pointed (as sent, when it is not a URL).
        location: String,
        /// Why it was refused.
        problem: RedirectProblem,
    },
    /// A 2xx answer that is not a JSON list of posts.
    #[error(
        "GET {url}: HTTP {}, but the answer is not a list of posts ({what}): this URL is not a WordPress posts route; give the site's home page URL, or a URL ending in /wp-json/wp/v2/posts"
    , status_text(*status))]
    NotPostList {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What came instead.
        what: String,
    },
    /// None of the usual posts routes of a site answered with posts.
    #[error(
        "{site}: found no WordPress posts route (tried {}): check that the site runs WordPress with its REST API on, or give the full posts URL",
        tried.join("; ")
    )]
    NoRoute {
        /// The site URL given.
        site: String,
        /// Each URL tried, with what it answered.
        tried: Vec<String>,
    },
    /// The server answered posts outside the range asked for: it ignores a filter.
    #[error(
        "GET {url}: HTTP 200, but a post outside the asked range came back, so the site ignores {param}: incremental sync needs WordPress 5.7 or newer; use the site's own posts URL, not a cache or mirror"
    )]
    IgnoredFilter {
        /// The URL requested.
        url: String,
        /// The parameter the server ignored.
        param: &'static str,
    },
    /// A full page without one usable `modified_gmt`: the walk cannot advance.
    #[error(
        "GET {url}: HTTP 200, but no post on this full page has a usable modified_gmt, so the walk cannot advance: the site's REST output is not standard WordPress; please report it"
    )]
    NoProgress {
        /// The URL requested.
        url: String,
    },
    /// Posts sharing one modified time kept changing while they were paged.
    #[error(
        "GET {url}: HTTP 200, but the posts modified at {at} kept changing during {}: the site is being edited in bulk; try again in a few minutes",
        count(*passes, "pass", "passes")
    )]
    Unstable {
        /// The URL of the last page requested.
        url: String,
        /// The shared modified time, RFC 3339.
        at: String,
        /// How many passes were made.
        passes: u32,
    },
    /// A page of a tie group held only posts already received: the server ignores `page`.
    #[error(
        "GET {url}: HTTP 200, but page {page} holds only posts already received: the site ignores the page parameter (a cache or proxy in front of WordPress?), so posts sharing one modified time cannot all be fetched; the sync mark was not moved. Use the site's own posts URL, not a cache or mirror"
    )]
    RepeatedPage {
        /// The URL of the repeating page.
        url: String,
        /// The page number asked for.
        page: u64,
    },
    /// A tie group's pages ended before the number of posts the server promised.
    #[error(
        "GET {url}: HTTP 200, but the pages of the posts modified at {at} ended after {received} posts while X-WP-Total promised {promised}: the site hides posts from its pages or miscounts them; the sync mark was not moved. Please report it with the URL"
    )]
    Shortfall {
        /// The URL of the page that ended the group.
        url: String,
        /// The shared modified time, RFC 3339.
        at: String,
        /// `X-WP-Total` for the group.
        promised: u64,
        /// Distinct posts received.
        received: u64,
    },
    /// Too many requests without the mark advancing: the server's paging never ends.
    #[error(
        "GET {url}: {requests} requests{} without the sync mark advancing: the site's paging never ends; stopped, the sync mark was not moved. Please report it with the URL",
        at.as_ref().map(|at| format!(" for the posts modified at {at}")).unwrap_or_default()
    )]
    Endless {
        /// The URL of the request that hit the cap.
        url: String,
        /// The shared modified time being paged, RFC 3339, if any.
        at: Option<String>,
        /// The cap.
        requests: u32,
    },
    /// The run's `--max-time` passed: the walk stopped before this request.
    #[error(
        "stopped before GET {url}: the time limit of {} s (--max-time) was reached; the pages committed so far are kept and the next run resumes after them",
        limit.as_secs_f64()
    )]
    TimeLimit {
        /// The URL that was not requested.
        url: String,
        /// The run's time limit.
        limit: std::time::Duration,
    },
}

impl FetchError {
    /// The exit code this failure ends a run with: a URL that cannot be used
    /// is the caller's mistake; anything the network or server did is a fetch failure.
    pub fn exit(&self) -> Exit {
        match self {
            FetchError::BadUrl { .. } => Exit::Usage,
            FetchError::Setup { .. }
            | FetchError::GaveUp { .. }
            | FetchError::Rejected { .. }
            | FetchError::TooLarge { .. }
            | FetchError::Redirect { .. }
            | FetchError::NotPostList { .. }
            | FetchError::NoRoute { .. }
            | FetchError::IgnoredFilter { .. }
            | FetchError::NoProgress { .. }
            | FetchError::Unstable { .. }
            | FetchError::RepeatedPage { .. }
            | FetchError::Shortfall { .. }
            | FetchError::Endless { .. }
            | FetchError::TimeLimit { .. } => Exit::Fetch,
        }
    }

    /// The URL being fetched (for `BadUrl` the text given, for `NoRoute` the site); `None` for `Setup`.
    pub fn url(&self) -> Option<&str> {
        match self {
            FetchError::Setup { .. } => None,
            FetchError::BadUrl { url, .. }
            | FetchError::GaveUp { url, .. }
            | FetchError::Rejected { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Redirect { url, .. }
            | FetchError::NotPostList { url, .. }
            | FetchError::IgnoredFilter { url, .. }
            | FetchError::NoProgress { url }
            | FetchError::Unstable { url, .. }
            | FetchError::RepeatedPage { url, .. }
            | FetchError::Shortfall { url, .. }
            | FetchError::Endless { url, .. }
            | FetchError::TimeLimit { url, .. } => Some(url),
            FetchError::NoRoute { site, .. } => Some(site),
        }
    }

    /// The HTTP status of the answer that ended the fetch, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::GaveUp { last, .. } => last.status(),
            FetchError::Rejected { status, .. }
            | FetchError::TooLarge { status, .. }
            | FetchError::Redirect { status, .. }
            | FetchError::NotPostList { status, .. } => Some(*status),
            FetchError::IgnoredFilter { .. }
            | FetchError::NoProgress { .. }
            | FetchError::Unstable { .. }
            | FetchError::RepeatedPage { .. }
            | FetchError::Shortfall { .. } => Some(200),
            _ => None,
        }
    }
}

/// `404 Not Found`, or just the number for codes without a reason phrase.
pub(crate) fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

fn wp_error(code: &Option<String>, message: &Option<String>) -> String {
    match (code, message) {
        (Some(c), Some(m)) => format!(" ({c}: {m})"),
        (Some(c), None) => format!(" ({c})"),
        (None, Some(m)) => format!(" ({m})"),
        (None, None) => String::new(),
    }
}

fn rejected_hint(status: u16, code: Option<&str>) -> &'static str {
    match (status, code) {
        (401 | 403, _) => {
            "the site refuses anonymous access to its posts: check the URL, or ask the site's owner"
        }
        (404, Some("rest_no_route")) => {
            "the site runs WordPress but has no posts route here: give the site's home page URL and let healthfeed find the route"
        }
        (404 | 410, _) => {
            "nothing is served at this URL: check the source, or give the site's home page URL and let healthfeed find the route"
        }
        (400, _) => {
            "the site rejected healthfeed's query: if the source URL carries extra parameters, remove them; otherwise please report this with the URL"
        }
        _ => "check the source URL; open it in a browser to see what the site answers",
    }
}

fn redirect_hint(problem: RedirectProblem) -> &'static str {
    match problem {
        RedirectProblem::OtherHost => {
            "healthfeed follows redirects only within one host (and never from https to http): if the site moved, give the new address as the source"
        }
        RedirectProblem::Loop => {
            "a redirect loop: the site is misconfigured; open the URL in a browser, or give the full posts URL"
        }
        RedirectProblem::TooMany => {
            "too many redirects: give the URL the redirects end at as the source"
        }
        RedirectProblem::BadLocation => {
            "the redirect names no usable Location: the site is misconfigured; give the full posts URL"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_url_status_and_next_step() {
        let e = FetchError::GaveUp {
            url: "https://x/wp-json/wp/v2/posts?per_page=100".into(),
            tries: 5,
            last: Failure::Status { status: 503 },
        };
        let text = e.to_string();
        assert!(
            text.contains("https://x/wp-json/wp/v2/posts?per_page=100"),
            "{text}"
        );
        assert!(text.contains("503 Service Unavailable"), "{text}");
        assert!(text.contains("try again later"), "{text}");
        assert_eq!(e.status(), Some(503));

        let e = FetchError::Rejected {
            url: "https://x/p".into(),
            status: 404,
            code: Some("rest_no_route".into()),
            message: Some("No route was found".into()),
        };
        let text = e.to_string();
        assert!(
            text.contains("404 Not Found (rest_no_route: No route was found)"),
            "{text}"
        );
        assert!(text.contains("home page"), "{text}");
    }
}
