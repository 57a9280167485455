//! A notification subscription: where to POST events, and which records it is about.

use serde::{Deserialize, Serialize};

use super::{Kind, MESSAGE_CENTER};

/// The records a subscription hears about. Every part is optional; the parts
/// that are set must all hold, and a list holds when any of its values does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topics {
    /// Case-insensitive substrings of the service name (Message Center is "Message Center").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Only service health, or only Message Center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// Classifications, any case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classifications: Vec<String>,
    /// Statuses, any case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<String>,
}

impl Topics {
    /// Whether a record in this state is one the subscription hears about.
    pub fn matches(
        &self,
        kind: Kind,
        service: Option<&str>,
        classification: &str,
        status: Option<&str>,
    ) -> bool {
        let service = match kind {
            Kind::Message => MESSAGE_CENTER,
            Kind::Health => service.unwrap_or(""),
        }
        .to_lowercase();
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        self.kind.is_none_or(|k| k == kind)
            && (self.services.is_empty()
                || self
                    .services
                    .iter()
                    .any(|s| service.contains(&s.to_lowercase())))
            && (self.classifications.is_empty()
                || self.classifications.iter().any(|c| same(c, classification)))
            && (self.statuses.is_empty()
                || status.is_some_and(|st| self.statuses.iter().any(|s| same(s, st))))
    }
}

impl Topics {
    /// Whether both hear about exactly the same records: lists compare
    /// in any case, order and repetition, as [`Topics::matches`] reads them.
    pub fn same_as(&self, other: &Topics) -> bool {
        fn set(list: &[String]) -> std::collections::BTreeSet<String> {
            list.iter().map(|v| v.to_lowercase()).collect()
        }
        self.kind == other.kind
            && set(&self.services) == set(&other.services)
            && set(&self.classifications) == set(&other.classifications)
            && set(&self.statuses) == set(&other.statuses)
    }

    /// The same filters as the flags `list` takes, one word per item
    /// (`--service`, `exchange`, `--kind`, `health`, …).
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut flag = |name: &str, value: &str| {
            args.push(name.to_owned());
            args.push(value.to_owned());
        };
        for s in &self.services {
            flag("--service", s);
        }
        if let Some(k) = self.kind {
            flag("--kind", &k.to_string());
        }
        for c in &self.classifications {
            flag("--classification", c);
        }
        for s in &self.statuses {
            flag("--status", s);
        }
        args
    }
}

/// Characters of a URL's path [`redact_url`] keeps at most.
const SHOWN_PATH: usize = 12;

/// A webhook URL as people may see it: scheme, host and port, then at most
/// the first few characters of the path (never more than half of it) and `…`.
/// Slack, Teams and Discord webhooks carry their secret in the path or the
/// query, and stderr ends up in cron mail; the user name, password, query and
/// fragment are never shown.
pub fn redact_url(url: &str) -> String {
    let Ok(u) = url::Url::parse(url) else {
        // Nothing of an unreadable URL is known to be safe to show.
        return "…".to_owned();
    };
    let mut shown = format!("{}://", u.scheme());
    if let Some(host) = u.host_str() {
        shown.push_str(host);
    }
    if let Some(port) = u.port() {
        shown.push_str(&format!(":{port}"));
    }
    let path = u.path();
    let keep = SHOWN_PATH.min(path.chars().count() / 2);
    shown.extend(path.chars().take(keep));
    shown.push('…');
    shown
}

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// Its id (what `notify remove` takes).
    pub id: i64,
    /// The URL events are POSTed to.
    pub url: String,
    /// The payload format (`json`, `slack`, `teams` or `discord`).
    pub format: String,
    /// Which records it hears about.
    pub topics: Topics,
    /// When it was added (RFC 3339).
    pub created_at: String,
    /// Why delivery stopped (a 4xx answer), until a delivery succeeds again.
    pub failing: Option<String>,
    /// Events stored for it and not yet delivered.
    pub pending: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_part_must_hold_and_any_value_of_a_list_will_do() {
        let all = Topics::default();
        assert!(all.matches(Kind::Health, None, "incident", None));
        let exchange = Topics {
            services: vec!["EXCHANGE".into(), "teams".into()],
            statuses: vec!["serviceRestored".into()],
            ..Topics::default()
        };
        let online = Some("Exchange Online");
        assert!(exchange.matches(Kind::Health, online, "incident", Some("servicerestored")));
        assert!(!exchange.matches(Kind::Health, online, "incident", Some("investigating")));
        assert!(!exchange.matches(
            Kind::Health,
            Some("SharePoint"),
            "incident",
            Some("serviceRestored")
        ));
        let messages = Topics {
            services: vec!["message center".into()],
            kind: Some(Kind::Message),
            ..Topics::default()
        };
        assert!(messages.matches(Kind::Message, None, "plan for change", None));
        assert!(!messages.matches(Kind::Health, online, "incident", None));
    }

    #[test]
    fn the_same_filters_in_another_order_or_case_are_the_same() {
        let a = Topics {
            services: vec!["Exchange".into(), "teams".into()],
            statuses: vec!["serviceRestored".into()],
            ..Topics::default()
        };
        let b = Topics {
            services: vec!["TEAMS".into(), "exchange".into(), "teams".into()],
            statuses: vec!["servicerestored".into()],
            ..Topics::default()
        };
        assert!(a.same_as(&b) && b.same_as(&a));
        let narrower = Topics {
            kind: Some(Kind::Health),
            ..b.clone()
        };
        assert!(!a.same_as(&narrower));
        assert!(!a.same_as(&Topics::default()));
        assert!(Topics::default().same_as(&Topics::default()));
    }

    #[test]
    fn a_redacted_url_keeps_host_and_a_little_of_the_path() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0000/B0000/XXXXSECRET"),
            "https://hooks.slack.com/services/T0…"
        );
        assert_eq!(
            redact_url("https://discord.com/api/webhooks/123/SECRET"),
            "https://discord.com/api/webhook…"
        );
        // Port kept; half of a short path at most.
        assert_eq!(
            redact_url("http://127.0.0.1:8080/hook"),
            "http://127.0.0.1:8080/h…"
        );
        assert_eq!(redact_url("https://example.com"), "https://example.com…");
        assert_eq!(redact_url("not a url SECRET"), "…");
    }

    #[test]
    fn a_redacted_url_never_shows_credentials_query_or_fragment() {
        let teams = "https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/\
                     manual/paths/invoke?api-version=2016-06-01&sig=SECRET#SECRET";
        let shown = redact_url(teams);
        assert_eq!(shown, "https://prod-01.westus.logic.azure.com/workflows/a…");
        let creds = redact_url("https://user:SECRET@example.com/a/long/path/here?t=SECRET");
        assert_eq!(creds, "https://example.com/a/long/…");
        for shown in [shown, creds] {
            assert!(!shown.contains("SECRET") && !shown.contains('@') && !shown.contains('?'));
        }
    }

    #[test]
    fn a_redacted_url_cuts_non_ascii_on_character_boundaries() {
        // The path comes percent-encoded, the host in its ASCII form.
        assert_eq!(
            redact_url("https://bücher.example/天気/予報/シークレット"),
            "https://xn--bcher-kva.example/%E5%A4%A9%E…"
        );
        assert_eq!(redact_url("http://例え.jp/é"), "http://xn--r8jz45g.jp/%C…");
    }
}
