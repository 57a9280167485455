//! How the stand-in answers a request: the REST index, the posts route with
//! WordPress's parameters and headers, and the faults a test switched on.

use std::io::Write;
use std::sync::Mutex;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use reqwest::Url;
use serde_json::{Value, json};

use super::server::{Delivery, Request, Response};
use super::*;

pub(super) fn handle(site: &Mutex<Site>, host: &str, prefix: &str, req: &Request) -> Response {
    let mut site = site.lock().unwrap();
    site.log.push(req.target.clone());
    site.user_agents
        .push(req.header("user-agent").unwrap_or("").to_owned());
    let n = site.log.len();
    let mut response = route(&mut site, host, prefix, req);
    let date = site.clock.unwrap_or_else(Utc::now);
    response.headers.push((
        "Date".into(),
        date.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
    ));
    let wants_gzip = req
        .header("accept-encoding")
        .is_some_and(|v| v.contains("gzip"));
    if site.gzip && wants_gzip && response.status == 200 {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&response.body).unwrap();
        response.body = encoder.finish().unwrap();
        response
            .headers
            .push(("Content-Encoding".into(), "gzip".into()));
        site.gzipped += 1;
    }
    if let Delivery::Cut(_) = response.delivery {
        response.delivery = Delivery::Cut(response.body.len() / 2);
    }
    let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut site.hooks)
        .into_iter()
        .partition(|(k, _)| *k == n);
    site.hooks = later;
    for (_, hook) in due {
        hook(&mut site);
    }
    response
}

fn route(site: &mut Site, host: &str, prefix: &str, req: &Request) -> Response {
    let url = Url::parse(&format!("http://{host}{}", req.target)).unwrap();
    let params: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| !site.ignored_params.contains(&k.as_str()))
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let path = url.path();
    let rest_route = param("rest_route");
    match (path, rest_route) {
        ("/", _) | ("/index.php", _) if site.layout == Layout::NotWordPress => html(200, "Home"),
        _ if site.layout == Layout::NotWordPress => html(404, "Not Found"),
        ("/wp-json/wp/v2/posts", _) if site.layout == Layout::IndexPhp => html(404, "Not Found"),
        ("/wp-json/wp/v2/posts" | "/index.php/wp-json/wp/v2/posts", _)
            if site.layout == Layout::Plain =>
        {
            redirect(301, "/")
        }
        ("/wp-json/wp/v2/posts" | "/index.php/wp-json/wp/v2/posts", _)
        | ("/" | "/index.php", Some("/wp/v2/posts")) => posts_route(site, host, req, &params),
        ("/wp-json/" | "/wp-json", _) if site.layout == Layout::IndexPhp => html(404, "Not Found"),
        ("/wp-json/" | "/wp-json" | "/index.php/wp-json/" | "/index.php/wp-json", _)
            if site.layout == Layout::Plain =>
        {
            redirect(301, "/")
        }
        ("/wp-json/" | "/wp-json" | "/index.php/wp-json/" | "/index.php/wp-json", _)
        | ("/" | "/index.php", Some("/")) => index(site, host, prefix),
        ("/loop", _) => redirect(302, param("back").unwrap_or("/")),
        ("/" | "/index.php", Some(_)) => wp_error(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        ),
        ("/" | "/index.php", None) => html(200, "Home"),
        (p, _) if p.starts_with("/wp-json/") || p.starts_with("/index.php/wp-json/") => wp_error(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        ),
        _ => html(404, "Not Found"),
    }
}

fn posts_route(
    site: &mut Site,
    host: &str,
    req: &Request,
    params: &[(String, String)],
) -> Response {
    let fault = site.faults.pop_front().or_else(|| site.sticky.clone());
    let delivery = match fault {
        None => Delivery::Whole,
        Some(Fault::Status(status)) => {
            return html(status, "Error establishing a database connection");
        }
        Some(Fault::TooMany(wait)) => {
            let mut r = wp_error(429, "too_many_requests", "Slow down.");
            r.headers.push(("Retry-After".into(), wait));
            return r;
        }
        Some(Fault::Html) => return html(200, "Just a moment..."),
        Some(Fault::RedirectLoop) => {
            let mut back = Url::parse("http://x/loop").unwrap();
            back.query_pairs_mut().append_pair("back", &req.target);
            return redirect(302, &format!("/loop?{}", back.query().unwrap_or("")));
        }
        Some(Fault::RedirectOffsite) => {
            let port = host.rsplit(':').next().unwrap_or("80");
            return redirect(
                301,
                &format!("http://elsewhere.invalid:{port}{}", req.target),
            );
        }
        Some(Fault::Huge(bytes)) => {
            let body = format!("[{{\"id\":1,\"pad\":\"{}\"}}]", "x".repeat(bytes));
            return json_response(200, body.into_bytes(), vec![]);
        }
        Some(Fault::Cut) => Delivery::Cut(0),
        Some(Fault::Stall(wait)) => Delivery::Stall(wait),
        Some(Fault::StallMidway(wait)) => Delivery::StallMidway(wait),
        Some(Fault::Trickle(every)) => Delivery::Trickle(every),
    };
    let mut response = match query(site, params) {
        Ok(r) => r,
        Err(r) => r,
    };
    response.delivery = delivery;
    response
}

/// The REST index, as much of it as names the site: `home` and `url`.
fn index(site: &Site, host: &str, prefix: &str) -> Response {
    let home = site
        .home
        .clone()
        .unwrap_or_else(|| format!("http://{host}{prefix}"));
    let body = json!({"name": "M365 stand-in", "url": home, "home": home});
    json_response(200, serde_json::to_vec(&body).unwrap(), vec![])
}

/// The posts query, as `WP_REST_Posts_Controller::get_items` answers it.
fn query(site: &Site, params: &[(String, String)]) -> Result<Response, Response> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let invalid = |name: &str, why: &str| {
        let mut r = wp_error(
            400,
            "rest_invalid_param",
            &format!("Invalid parameter(s): {name}"),
        );
        r.body = serde_json::to_vec(&json!({
            "code": "rest_invalid_param",
            "message": format!("Invalid parameter(s): {name}"),
            "data": {"status": 400, "params": {name: why}},
        }))
        .unwrap();
        r
    };
    let per_page = match param("per_page").map(str::parse::<u64>) {
        None => 10,
        Some(Ok(n @ 1..=100)) => n,
        Some(_) => {
            return Err(invalid(
                "per_page",
                "per_page must be between 1 (inclusive) and 100 (inclusive)",
            ));
        }
    };
    let page = match param("page").map(str::parse::<u64>) {
        None => 1,
        Some(Ok(n @ 1..)) => n,
        Some(_) => return Err(invalid("page", "page must be greater than or equal to 1")),
    };
    let orderby = param("orderby").unwrap_or("date");
    if !["date", "modified", "id"].contains(&orderby) {
        return Err(invalid(
            "orderby",
            "orderby is not one of date, modified, id",
        ));
    }
    let desc = match param("order").unwrap_or("desc") {
        "asc" => false,
        "desc" => true,
        _ => return Err(invalid("order", "order is not one of asc, desc")),
    };
    let mut bounds = Vec::new();
    for name in ["modified_after", "modified_before", "after", "before"] {
        if let Some(text) = param(name) {
            match wp_date(text) {
                Some(at) => bounds.push((name, at)),
                None => return Err(invalid(name, "Invalid date.")),
            }
        }
    }
    let mut hits: Vec<(&u64, &StoredPost)> = site
        .posts
        .iter()
        .filter(|(_, p)| {
            bounds.iter().all(|&(name, at)| match name {
                "modified_after" => p.modified > at,
                "modified_before" => p.modified < at,
                "after" => p.date > at,
                _ => p.date < at,
            })
        })
        .collect();
    let key = |(id, p): &(&u64, &StoredPost)| match orderby {
        "modified" => p.modified.timestamp(),
        "date" => p.date.timestamp(),
        _ => **id as i64,
    };
    hits.sort_by_key(key);
    if let Some(seed) = site.shuffle_ties {
        // MySQL returns rows that tie on ORDER BY in no fixed order.
        let mut rng =
            fastrand::Rng::with_seed(seed ^ (site.log.len() as u64).wrapping_mul(0x9E37_79B9));
        let mut start = 0;
        while start < hits.len() {
            let k = key(&hits[start]);
            let end = start + hits[start..].iter().take_while(|h| key(h) == k).count();
            rng.shuffle(&mut hits[start..end]);
            start = end;
        }
    }
    if desc {
        hits.reverse();
    }
    let total = hits.len() as u64;
    let pages = total.div_ceil(per_page);
    if page > pages && total > 0 && !site.empty_past_end {
        return Err(wp_error(
            400,
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
        ));
    }
    let fields: Option<Vec<&str>> = param("_fields").map(|f| {
        f.split(',')
            .map(|name| name.trim().split('.').next().unwrap_or(""))
            .collect()
    });
    let items: Vec<Value> = hits
        .iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(|(_, p)| {
            let kept = p
                .json
                .iter()
                .filter(|(k, _)| fields.as_ref().is_none_or(|f| f.contains(&k.as_str())))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Value::Object(kept)
        })
        .collect();
    let mut headers = Vec::new();
    for (name, count, truth) in [
        ("X-WP-Total", site.total_header, total),
        ("X-WP-TotalPages", site.total_pages_header, pages),
    ] {
        match count {
            Count::True => headers.push((name.into(), truth.to_string())),
            Count::Fake(n) => headers.push((name.into(), n.to_string())),
            Count::Absent => {}
        }
    }
    Ok(json_response(
        200,
        serde_json::to_vec(&items).unwrap(),
        headers,
    ))
}

/// A date parameter as WordPress reads it: RFC 3339, or without an offset in the site's zone.
fn wp_date(text: &str) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok()?;
            Some(
                site_tz()
                    .from_local_datetime(&naive)
                    .single()?
                    .with_timezone(&Utc),
            )
        })?;
    // MySQL compares whole seconds.
    DateTime::from_timestamp(at.timestamp(), 0)
}

fn json_response(status: u16, body: Vec<u8>, mut headers: Vec<(String, String)>) -> Response {
    headers.push((
        "Content-Type".into(),
        "application/json; charset=UTF-8".into(),
    ));
    Response {
        status,
        headers,
        body,
        delivery: Delivery::Whole,
    }
}

fn wp_error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "data": {"status": status}});
    json_response(status, serde_json::to_vec(&body).unwrap(), vec![])
}

pub(super) fn html(status: u16, title: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><title>{title}</title></head>\n<body><h1>{title}</h1></body></html>\n"
    );
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/html; charset=UTF-8".into())],
        body: body.into_bytes(),
        delivery: Delivery::Whole,
    }
}

fn redirect(status: u16, location: &str) -> Response {
    let mut r = html(status, "Moved");
    r.headers.push(("Location".into(), location.into()));
    r
}
