//! Record identifiers: the `DZ534539` / `MC883199` keys everything else hangs on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Kind;

/// Why a string is not a record ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{value:?} is not a record ID: expected 2 to 4 letters then 4 to 9 digits, like DZ534539 or MC1296480"
)]
pub struct BadId {
    /// The rejected text, as given.
    pub value: String,
}

/// A validated record ID, always stored uppercase.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(String);

impl RecordId {
    /// Validates `text` (any case, surrounding space ignored) as an ID.
    pub fn parse(text: &str) -> Result<Self, BadId> {
        let trimmed = text.trim();
        if is_id_shape(trimmed.as_bytes()) {
            Ok(Self(trimmed.to_ascii_uppercase()))
        } else {
            Err(BadId {
                value: text.to_owned(),
            })
        }
    }

    /// The ID as uppercase text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Message Center IDs start with `MC`; every other prefix is a service-health issue.
    pub fn kind(&self) -> Kind {
        if self.0.starts_with("MC") {
            Kind::Message
        } else {
            Kind::Health
        }
    }
}

/// 2–4 ASCII letters then 4–9 ASCII digits: wider than today's IDs so a new prefix is not refused.
pub(crate) fn is_id_shape(bytes: &[u8]) -> bool {
    let letters = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = bytes.len() - letters;
    (2..=4).contains(&letters)
        && (4..=9).contains(&digits)
        && bytes[letters..].iter().all(u8::is_ascii_digit)
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RecordId {
    type Err = BadId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for RecordId {
    type Error = BadId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_todays_ids_in_any_case() {
        for (given, stored) in [
            ("DZ534539", "DZ534539"),
            ("ex1268771", "EX1268771"),
            (" Mc883199 ", "MC883199"),
            ("ABCD123456789", "ABCD123456789"),
        ] {
            assert_eq!(RecordId::parse(given).unwrap().as_str(), stored);
        }
    }

    #[test]
    fn refuses_what_is_not_an_id() {
        for bad in [
            "",
            "D534539",
            "ABCDE534539",
            "DZ123",
            "DZ1234567890",
            "DZ53453X",
            "534539",
            "DZ 534539",
            "ＤＺ534539",
        ] {
            assert!(RecordId::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn kind_follows_prefix() {
        assert_eq!(RecordId::parse("MC883199").unwrap().kind(), Kind::Message);
        assert_eq!(RecordId::parse("EX673494").unwrap().kind(), Kind::Health);
    }
}
