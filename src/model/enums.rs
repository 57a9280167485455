//! Status and classification: closed sets today, open tomorrow, so unknown values are kept.

use std::fmt;

/// Defines an enum of known feed values plus `Other(String)`, parsed case-insensitively
/// and printed in the feed's own lowerCamel spelling.
macro_rules! feed_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, kept exactly as the feed wrote it.
            Other(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)+];

            /// Reads a feed value; unknown text becomes `Other` (trimmed, never dropped).
            pub fn parse(text: &str) -> Self {
                let text = text.trim();
                $(if text.eq_ignore_ascii_case($text) {
                    return $name::$variant;
                })+
                $name::Other(text.to_owned())
            }

            /// The feed's spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

feed_enum! {
    /// Microsoft Graph's `serviceHealthStatus`, as the feed prints it.
    Status {
        /// The service is healthy.
        ServiceOperational => "serviceOperational",
        /// Microsoft is looking into a possible issue.
        Investigating => "investigating",
        /// The cause is known and service is being restored.
        RestoringService => "restoringService",
        /// The fix is in and being verified.
        VerifyingService => "verifyingService",
        /// Service is back.
        ServiceRestored => "serviceRestored",
        /// The post-incident review is out.
        PostIncidentReviewPublished => "postIncidentReviewPublished",
        /// The service works, but worse.
        ServiceDegradation => "serviceDegradation",
        /// The service does not work for some users.
        ServiceInterruption => "serviceInterruption",
        /// Fixed, but recovery takes longer.
        ExtendedRecovery => "extendedRecovery",
        /// It was not an issue after all.
        FalsePositive => "falsePositive",
        /// Investigation stopped.
        InvestigationSuspended => "investigationSuspended",
        /// Resolved.
        Resolved => "resolved",
        /// Mitigated by a party outside Microsoft.
        MitigatedExternal => "mitigatedExternal",
        /// Mitigated.
        Mitigated => "mitigated",
        /// Resolved by a party outside Microsoft.
        ResolvedExternal => "resolvedExternal",
        /// Confirmed.
        Confirmed => "confirmed",
        /// Reported.
        Reported => "reported",
    }
}

impl Status {
    /// Whether this status means the issue is over (no more work expected).
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            Status::ServiceOperational
                | Status::ServiceRestored
                | Status::PostIncidentReviewPublished
                | Status::FalsePositive
                | Status::InvestigationSuspended
                | Status::Resolved
                | Status::ResolvedExternal
                | Status::MitigatedExternal
                | Status::Mitigated
        )
    }
}

feed_enum! {
    /// What kind of notice a record is: incident/advisory for health, three kinds for Message Center.
    Classification {
        /// A service-health incident: users are affected.
        Incident => "incident",
        /// A service-health advisory: limited impact.
        Advisory => "advisory",
        /// Message Center: for information.
        StayInformed => "stayInformed",
        /// Message Center: a change to prepare for.
        PlanForChange => "planForChange",
        /// Message Center: something to act on.
        PreventOrFixIssue => "preventOrFixIssue",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_parses_any_case_and_prints_lower_camel() {
        assert_eq!(Status::parse("ServiceRestored"), Status::ServiceRestored);
        assert_eq!(Status::parse(" serviceRestored "), Status::ServiceRestored);
        assert_eq!(
            Status::parse("SERVICERESTORED").to_string(),
            "serviceRestored"
        );
        for known in Status::KNOWN {
            assert_eq!(&Status::parse(known.as_str()), known);
        }
        assert_eq!(Status::KNOWN.len(), 17);
    }

    #[test]
    fn unknown_values_are_kept_verbatim() {
        let s = Status::parse("awaitingVendor");
        assert_eq!(s, Status::Other("awaitingVendor".into()));
        assert_eq!(s.to_string(), "awaitingVendor");
        assert!(!s.is_closed());
        let c = Classification::parse("retirement");
        assert_eq!(c.as_str(), "retirement");
    }

    #[test]
    fn closed_statuses() {
        assert!(Status::ServiceRestored.is_closed());
        assert!(Status::PostIncidentReviewPublished.is_closed());
        assert!(!Status::Investigating.is_closed());
        assert!(!Status::ServiceDegradation.is_closed());
        assert!(!Status::ExtendedRecovery.is_closed());
    }

    #[test]
    fn serde_round_trip_uses_feed_spelling() {
        let json = serde_json::to_string(&Classification::PlanForChange).unwrap();
        assert_eq!(json, "\"planForChange\"");
        let back: Classification = serde_json::from_str("\"PlanForChange\"").unwrap();
        assert_eq!(back, Classification::PlanForChange);
    }
}
