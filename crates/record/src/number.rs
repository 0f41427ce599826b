//! Publication numbers: one normal form for the many ways sources write them.
//!
//! The normal form is country + number + kind with no separators (`US8799651B2`,
//! `USD967598S1`, `USRE49257E1`, `US20220240350A1`, `EP0000002A1`). US grant
//! numbers lose their zero padding (`08799651` -> `8799651`, `RE049257` ->
//! `RE49257`), as Google Patents and the USPTO's own search write them; EP
//! numbers keep the seven digits the EPO always prints.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Country codes recognised as a prefix when a number is parsed from free text.
/// Anything else is read as part of the number (so `RE049257` stays a US reissue).
const KNOWN_COUNTRIES: &[&str] = &[
    "US", "EP", "WO", "JP", "CN", "KR", "DE", "GB", "FR", "CA", "AU", "CH", "AT", "ES", "IT", "NL",
    "SE", "DK", "FI", "NO", "BE", "TW", "IN", "BR", "RU", "SU", "MX", "IL", "NZ", "ZA", "SG", "HK",
    "IE", "PL", "CZ", "HU", "PT", "GR", "TR", "AR", "CL", "LU", "EA", "AP", "OA", "UA",
];

/// A normalised publication number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicationNumber {
    country: String,
    number: String,
    kind: Option<String>,
}

/// Why a string could not be read as a publication number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("empty publication number")]
    Empty,
    #[error("publication number {0:?} has no digits")]
    NoDigits(String),
    #[error("publication number {0:?} has unexpected characters")]
    Malformed(String),
}

impl PublicationNumber {
    /// Builds a number from the separate fields patent XML gives
    /// (`<country>`, `<doc-number>`, `<kind>`), normalising each.
    pub fn from_parts(
        country: &str,
        doc_number: &str,
        kind: Option<&str>,
    ) -> Result<Self, NumberError> {
        let country = country.trim().to_ascii_uppercase();
        let compact = compact_number(doc_number);
        if compact.is_empty() {
            return Err(NumberError::Empty);
        }
        // A doc-number that repeats the country ("US08799651") is common in JSON sources.
        let compact = match compact.strip_prefix(country.as_str()) {
            Some(rest) if !country.is_empty() && rest.chars().any(|c| c.is_ascii_digit()) => {
                rest.to_string()
            }
            _ => compact,
        };
        let (prefix, digits, trailing_kind) = split_number(&compact)?;
        let number = normalise_digits(&country, prefix, digits);
        let kind = kind
            .map(|k| k.trim().to_ascii_uppercase())
            .filter(|k| !k.is_empty())
            .or(trailing_kind);
        Ok(Self {
            country,
            number,
            kind,
        })
    }

    /// Reads a number written by a person or another system:
    /// `US 8,799,651 B2`, `US08799651`, `8799651`, `EP 1 234 567 A1`, `USRE045012`.
    /// A number with no country prefix is taken to be from `default_country`.
    pub fn parse_with_default(text: &str, default_country: &str) -> Result<Self, NumberError> {
        let compact = compact_number(text);
        if compact.is_empty() {
            return Err(NumberError::Empty);
        }
        let (country, rest) = match compact.get(..2) {
            Some(cc) if KNOWN_COUNTRIES.contains(&cc) && compact.len() > 2 => (cc, &compact[2..]),
            _ => (default_country, compact.as_str()),
        };
        Self::from_parts(country, rest, None)
    }

    /// The country code (`US`, `EP`, ...).
    pub fn country(&self) -> &str {
        &self.country
    }

    /// The number without country and kind (`8799651`, `D967598`, `0000002`).
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The kind code (`B2`, `A1`, `S1`) when the source gave one.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// Country + number without the kind: the key that matches a publication
    /// whichever kind a source reported (`US8799651`).
    pub fn base(&self) -> String {
        format!("{}{}", self.country, self.number)
    }

    /// Whether an upsert of `self` replaces the stored document `stored`:
    /// the publication identity rule of the index. A kindless number and
    /// the same number with a kind are one publication (sources that do not
    /// know the kind, such as the benchmark corpus, write `US8752472` for
    /// what the USPTO's XML calls `US8752472B2`), so a kinded number
    /// replaces that kind and the kindless form, and a kindless number every
    /// kind; two different kinds (an application `A1` and its grant `B1`)
    /// are two publications.
    pub fn replaces(&self, stored: &PublicationNumber) -> bool {
        match (&self.kind, &stored.kind) {
            (Some(_), Some(_)) => self == stored,
            _ => self.country == stored.country && self.number == stored.number,
        }
    }

    /// The same number with the kind replaced.
    pub fn with_kind(mut self, kind: Option<&str>) -> Self {
        self.kind = kind.map(str::to_string);
        self
    }
}

/// A number as written, without the separators people and offices put in it
/// (`8,799,651`, `1 234 567`, `12/345-678`), in capitals.
fn compact_number(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | ',' | '.' | '/' | '-' | '\u{a0}'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Splits `D0967598S1` into (`D`, `0967598`, Some(`S1`)).
fn split_number(compact: &str) -> Result<(&str, &str, Option<String>), NumberError> {
    let first_digit = compact
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| NumberError::NoDigits(compact.to_string()))?;
    let prefix = &compact[..first_digit];
    if !prefix.chars().all(|c| c.is_ascii_alphabetic()) || prefix.len() > 3 {
        return Err(NumberError::Malformed(compact.to_string()));
    }
    let after_prefix = &compact[first_digit..];
    let digits_end = after_prefix
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(after_prefix.len());
    let digits = &after_prefix[..digits_end];
    let tail = &after_prefix[digits_end..];
    let kind = match tail.as_bytes() {
        [] => None,
        [l] if l.is_ascii_alphabetic() => Some(tail.to_string()),
        [l, d] if l.is_ascii_alphabetic() && d.is_ascii_digit() => Some(tail.to_string()),
        _ => return Err(NumberError::Malformed(compact.to_string())),
    };
    Ok((prefix, digits, kind))
}

fn normalise_digits(country: &str, prefix: &str, digits: &str) -> String {
    match country {
        // US application publications are year + 7 digits and keep their zeros.
        "US" if prefix.is_empty() && digits.len() == 11 => digits.to_string(),
        "US" => {
            let trimmed = digits.trim_start_matches('0');
            let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
            format!("{prefix}{trimmed}")
        }
        "EP" if prefix.is_empty() && digits.len() < 7 => format!("{digits:0>7}"),
        _ => format!("{prefix}{digits}"),
    }
}

impl fmt::Display for PublicationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.country, self.number)?;
        if let Some(kind) = &self.kind {
            f.write_str(kind)?;
        }
        Ok(())
    }
}

impl FromStr for PublicationNumber {
    type Err = NumberError;

    /// Parses a number, defaulting to US when it has no country prefix.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_with_default(s, "US")
    }
}

impl Serialize for PublicationNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicationNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(country: &str, number: &str, kind: Option<&str>) -> String {
        PublicationNumber::from_parts(country, number, kind)
            .unwrap()
            .to_string()
    }

    #[test]
    fn us_grants_lose_zero_padding() {
        assert_eq!(norm("US", "08799651", Some("B2")), "US8799651B2");
        assert_eq!(norm("US", "D0967598", Some("S1")), "USD967598S1");
        assert_eq!(norm("US", "RE049257", Some("E1")), "USRE49257E1");
        assert_eq!(norm("US", "PP034694", Some("P2")), "USPP34694P2");
    }

    #[test]
    fn us_applications_keep_eleven_digits() {
        assert_eq!(norm("US", "20220240350", Some("A1")), "US20220240350A1");
        assert_eq!(norm("US", "2001/0000943", Some("A1")), "US20010000943A1");
    }

    #[test]
    fn ep_numbers_are_seven_digits() {
        assert_eq!(norm("EP", "0000002", Some("A1")), "EP0000002A1");
        assert_eq!(norm("EP", "2", Some("A1")), "EP0000002A1");
        assert_eq!(norm("EP", "1234567", None), "EP1234567");
    }

    #[test]
    fn free_text_forms_parse() {
        let cases = [
            ("US 8,799,651 B2", "US8799651B2"),
            ("US08799651", "US8799651"),
            ("8799651", "US8799651"),
            ("USRE045012", "USRE45012"),
            ("USPP025138", "USPP25138"),
            ("RE049257", "USRE49257"),
            ("EP 1 234 567 A1", "EP1234567A1"),
            ("us8799651b2", "US8799651B2"),
            ("D967598S1", "USD967598S1"),
        ];
        for (input, expected) in cases {
            let parsed: PublicationNumber = input.parse().unwrap();
            assert_eq!(parsed.to_string(), expected, "input {input:?}");
        }
    }

    #[test]
    fn base_drops_kind() {
        let n: PublicationNumber = "US8799651B2".parse().unwrap();
        assert_eq!(n.base(), "US8799651");
        assert_eq!(n.kind(), Some("B2"));
    }

    #[test]
    fn kindless_and_kinded_forms_are_one_publication_and_two_kinds_two() {
        let n = |s: &str| s.parse::<PublicationNumber>().unwrap();
        assert!(n("US8752472B2").replaces(&n("US8752472")));
        assert!(n("US8752472").replaces(&n("US8752472B2")));
        assert!(n("US8752472B2").replaces(&n("US8752472B2")));
        assert!(!n("EP1234567B1").replaces(&n("EP1234567A1")));
        assert!(!n("US8752472").replaces(&n("US8752473")));
    }

    #[test]
    fn garbage_is_rejected() {
        assert_eq!(
            "".parse::<PublicationNumber>().unwrap_err(),
            NumberError::Empty
        );
        assert!(matches!(
            "USABC".parse::<PublicationNumber>(),
            Err(NumberError::NoDigits(_))
        ));
        assert!(matches!(
            "US123XYZ9".parse::<PublicationNumber>(),
            Err(NumberError::Malformed(_))
        ));
    }

    #[test]
    fn serde_round_trip_is_the_display_form() {
        let n: PublicationNumber = "USD967598S1".parse().unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"USD967598S1\"");
        let back: PublicationNumber = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
    }
}
