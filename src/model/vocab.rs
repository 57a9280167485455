//! The words filters take, and the message for a word they do not know.
//!
//! Every table prints states and groups in these words, and every filter
//! takes the same words back: a Message Center record has no status, so tables
//! say `active` or `ended` for it and `--status` takes those too.

use std::fmt;

/// A Message Center record's state: active until its End Time has passed, ended after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// Its End Time has not passed (or it has none).
    Active,
    /// Its End Time has passed.
    Ended,
}

impl MessageState {
    /// Both states, as filters list them.
    pub const KNOWN: &'static [MessageState] = &[MessageState::Active, MessageState::Ended];

    /// The state of a record that is (or is not) over.
    pub fn of(over: bool) -> Self {
        if over {
            MessageState::Ended
        } else {
            MessageState::Active
        }
    }

    /// `active` or `ended`, as every table prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Active => "active",
            MessageState::Ended => "ended",
        }
    }

    /// Reads `active` or `ended` in any case; anything else is not a state.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::KNOWN
            .iter()
            .copied()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name tables give the service of a Message Center record, which has none;
/// `--service` matches it as it matches any other service.
pub const MESSAGE_CENTER: &str = "Message Center";

/// A filter value nobody uses: what was given, what is known, and the closest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWord {
    /// What the value is for (`status`, `classification`).
    pub what: &'static str,
    /// The value given.
    pub given: String,
    /// The values the filter takes, in a stable order.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.given)?;
        if let Some(near) = closest(&self.given, &self.known) {
            write!(f, ": did you mean {near}?")?;
        }
        write!(f, " (known: {})", self.known.join(", "))
    }
}

impl std::error::Error for UnknownWord {}

/// The known value nearest `given` by edit distance (any case), if any is near enough to be a typo.
pub fn closest<'a>(given: &str, known: &'a [String]) -> Option<&'a str> {
    let given = given.trim().to_lowercase();
    let limit = (given.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (distance(&given, &k.to_lowercase()), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_any_case() {
        assert_eq!(MessageState::parse(" ENDED "), Some(MessageState::Ended));
        assert_eq!(MessageState::parse("active"), Some(MessageState::Active));
        assert_eq!(MessageState::parse("closed"), None);
        assert_eq!(MessageState::of(true).to_string(), "ended");
    }

    #[test]
    fn a_typo_suggests_the_closest_known_word() {
        let known: Vec<String> = ["serviceRestored", "investigating", "active", "ended"]
            .map(String::from)
            .into();
        assert_eq!(closest("servicerestore", &known), Some("serviceRestored"));
        assert_eq!(closest("endd", &known), Some("ended"));
        assert_eq!(closest("zzzzzzzzzz", &known), None);
        let message = UnknownWord {
            what: "status",
            given: "servicerestore".into(),
            known,
        }
        .to_string();
        assert_eq!(
            message,
            "unknown status \"servicerestore\": did you mean serviceRestored? \
             (known: serviceRestored, investigating, active, ended)"
        );
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
