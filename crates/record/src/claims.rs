//! Claims and the rules read from their text: the printed claim number, the
//! references back to other claims, which claims are cancelled and which are
//! independent. Parsers use these rules to fill in [`Claim::depends_on`] where
//! the markup does not link claims; the summariser, the passage builder and
//! prior-art charting use [`Claim::is_independent`] so that all of them agree
//! on what the invention's independent claims are.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// One claim. A claim that depends on no other, refers to no other and is not
/// cancelled is independent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub number: u32,
    pub text: String,
    /// Numbers of the claims this one refers back to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<u32>,
}

impl Claim {
    /// Whether the claim defines the invention on its own: it depends on no
    /// other claim (by its links, or by a reference in its opening words for
    /// sources that lack the links) and is not cancelled.
    pub fn is_independent(&self) -> bool {
        self.depends_on.is_empty() && !self.is_cancelled() && !refers_to_claim(&self.text)
    }

    /// Whether the claim was cancelled or deleted (see [`is_cancelled`]).
    pub fn is_cancelled(&self) -> bool {
        is_cancelled(&self.text)
    }
}

/// The claims of one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    pub claims: Vec<Claim>,
}

/// The printed claim number at the start of `text` and the byte length of the
/// number with its punctuation (`12. `, `3) `). A number of five digits or
/// more, or one followed by another digit (`1.5 mm`), is not a claim number.
fn number_prefix(text: &str) -> Option<(u32, usize)> {
    let trimmed = text.trim_start();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 4 {
        return None;
    }
    let rest = trimmed[digits..].trim_start();
    let after = rest.strip_prefix(['.', ')'])?;
    if after.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let number = trimmed[..digits].parse().ok()?;
    let body = after.trim_start();
    Some((number, text.len() - body.len()))
}

/// The claim number printed at the start of a claim text, if any (`7. The
/// system` -> 7).
pub fn leading_number(text: &str) -> Option<u32> {
    number_prefix(text).map(|(n, _)| n)
}

/// Removes the printed claim number (`1. `, `12 . `, `3) `) from the start of
/// a claim, and the printed range of a block of cancelled claims (`1-18.`,
/// `1.-18.`).
pub fn strip_leading_number(text: &str) -> &str {
    let trimmed = text.trim_start();
    if let Some(rest) = strip_number_range(trimmed) {
        return rest;
    }
    match number_prefix(trimmed) {
        Some((_, len)) => &trimmed[len..],
        None => trimmed,
    }
}

/// `1-18. (Cancelled)` or `1.-18. (Cancelled)` without the range.
fn strip_number_range(text: &str) -> Option<&str> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 4 {
        return None;
    }
    let rest = text[digits..].trim_start();
    let rest = rest.strip_prefix('.').map_or(rest, str::trim_start);
    let end = rest.strip_prefix(['-', '–'])?.trim_start();
    let end_digits = end.bytes().take_while(u8::is_ascii_digit).count();
    if end_digits == 0 {
        return None;
    }
    let after = end[end_digits..].trim_start().strip_prefix('.')?;
    Some(after.trim_start())
}

const ORDINALS: [&str; 10] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
];

/// A reference to other claims, in English, German or French:
/// - `list`: numbered claims, `claim 1`, `claims 1 to 3`, `claims 2-4 or 6`,
///   `Anspruch 1 oder 2`, `revendications 1 à 3`;
/// - `ordinals`: claims named in words, `the first claim`, `the first or second claim`;
/// - `all`: every earlier claim, `any one of the preceding claims`, `the
///   foregoing claims`, `einem der vorhergehenden Ansprüche`, `revendications
///   précédentes`;
/// - `previous`: the claim just before, `the preceding claim`.
///
/// A bare `previous claims` or `a first claim` is not a reference: claims
/// about insurance claims say that.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let ordinal = ORDINALS.join("|");
    Regex::new(&format!(
        r"(?ix)
        \b(?:claims?|anspr[uü]ch(?:e|s|en)?|revendications?)\s+
        (?P<list>\d+[a-z]?
            (?:\s*(?:,|-|–|\bto\b|\bthrough\b|\bor\ any\ of\b|\bor\b|\band\b|\bbis\b|\boder\b|\bund\b|à|\ba\b|\bou\b|\bet\b)
               \s*(?:claims?\s+)?\d+[a-z]?)*
        )\b
        | \bthe\s+(?P<ordinals>(?:{ordinal})(?:\s*(?:,|or|and)\s*(?:{ordinal}))*)\s+claims?\b
        | (?P<all>\b(?:any|one)\s+(?:one\s+)?(?:of\s+the\s+)?(?:preceding|previous|foregoing|above)\s+claims?\b
            | \bthe\s+(?:preceding|previous|foregoing|above)\s+claims\b
            | \bvorhergehenden\s+Anspr
            | \brevendications\s+pr[ée]c[ée]dentes)
        | \bthe\s+(?P<previous>preceding|previous|foregoing|above)\s+claim\b"
    ))
    .expect("claim reference pattern is valid")
});

/// How far into a claim a reference still makes it dependent: a dependent
/// claim names its parent in its opening words.
const OPENING_CHARS: usize = 200;

/// The byte range of the first reference to another claim in `text`.
pub fn first_reference(text: &str) -> Option<Range<usize>> {
    REFERENCE.find(text).map(|m| m.range())
}

/// The byte range of a reference to another claim in the opening words of
/// `text`, where a dependent claim names its parent.
pub fn opening_reference(text: &str) -> Option<Range<usize>> {
    let range = first_reference(text)?;
    let opening = text
        .char_indices()
        .nth(OPENING_CHARS)
        .map_or(text.len(), |(i, _)| i);
    (range.start < opening).then_some(range)
}

/// Whether the opening words of a claim refer to another claim: the claim is
/// dependent even when the source does not link it.
pub fn refers_to_claim(text: &str) -> bool {
    opening_reference(text).is_some()
}

/// Numbers of earlier claims that `text` (claim `number`) refers to, sorted
/// and unique: `claim 1`, `claims 1 to 3`, `any one of claims 2-5`,
/// `Anspruch 1`, `revendications 1 à 3`, `the first claim`, `any preceding
/// claim` (every earlier claim), `the preceding claim` (the one before).
pub fn references_in_text(text: &str, number: u32) -> Vec<u32> {
    let mut refs = Vec::new();
    for caps in REFERENCE.captures_iter(text) {
        if let Some(list) = caps.name("list") {
            parse_number_list(list.as_str(), &mut refs);
        } else if let Some(words) = caps.name("ordinals") {
            let words = words.as_str().to_lowercase();
            refs.extend(
                ORDINALS
                    .iter()
                    .zip(1..)
                    .filter(|(o, _)| words.split(|c: char| !c.is_alphabetic()).any(|w| w == **o))
                    .map(|(_, n)| n),
            );
        } else if caps.name("all").is_some() {
            refs.extend(1..number);
        } else if caps.name("previous").is_some() {
            refs.push(number.saturating_sub(1));
        }
    }
    earlier_claims(refs, number)
}

/// Resolves a list like `1, 3 to 5 or 7` into numbers, expanding ranges. A
/// letter written against a number (`1a`) is part of it and ignored.
fn parse_number_list(list: &str, out: &mut Vec<u32>) {
    let mut previous: Option<u32> = None;
    let mut range_pending = false;
    let mut chars = list.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_ascii_digit() {
            let mut end = i + 1;
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                end = j + 1;
                chars.next();
            }
            while chars.peek().is_some_and(|(_, l)| l.is_alphabetic()) {
                chars.next();
            }
            if let Ok(n) = list[i..end].parse::<u32>() {
                match (range_pending, previous) {
                    (true, Some(start)) if start < n && n - start < 500 => {
                        out.extend(start + 1..=n);
                    }
                    _ => out.push(n),
                }
                previous = Some(n);
            }
            range_pending = false;
        } else if c == '-' || c == '–' {
            range_pending = true;
        } else if c.is_alphabetic() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, l)) = chars.peek() {
                if !l.is_alphabetic() {
                    break;
                }
                end = j + l.len_utf8();
                chars.next();
            }
            let word = list[i..end].to_lowercase();
            if matches!(word.as_str(), "to" | "through" | "bis" | "à" | "a") {
                range_pending = true;
            }
        }
    }
}

/// Keeps references to earlier claims only, sorted and unique: a claim never
/// depends on itself or on a later claim.
pub fn earlier_claims(mut refs: Vec<u32>, number: u32) -> Vec<u32> {
    refs.retain(|&r| r >= 1 && r < number);
    refs.sort_unstable();
    refs.dedup();
    refs
}

/// How far into a claim's text a cancellation marker is looked for: the
/// marker follows the number, perhaps after a status such as `(Previously
/// presented)`.
const MARKER_CHARS: usize = 60;

const CANCEL_MARKERS: [&str; 6] = [
    "(canceled)",
    "(cancelled)",
    "(deleted)",
    "[canceled]",
    "[cancelled]",
    "[deleted]",
];

/// Whether a claim text says the claim was cancelled or deleted (`1.
/// (Cancelled)`, `1-5. (canceled)`, `Canceled.`, `[Deleted]`). A text of
/// fewer than three words states no invention and counts as cancelled too:
/// the markers vary (`Cancel.`, `(Canceled.)`) and nothing else is that short.
pub fn is_cancelled(text: &str) -> bool {
    let body = strip_leading_number(text).trim();
    if body.split_whitespace().nth(2).is_none() {
        return true;
    }
    let end = body
        .char_indices()
        .nth(MARKER_CHARS)
        .map_or(body.len(), |(i, _)| i);
    let head = body[..end].to_lowercase();
    CANCEL_MARKERS.iter().any(|m| head.contains(m))
        || ["canceled", "cancelled", "deleted"]
            .iter()
            .any(|m| head.starts_with(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(number: u32, text: &str, depends_on: Vec<u32>) -> Claim {
        Claim {
            number,
            text: text.into(),
            depends_on,
        }
    }

    #[test]
    fn leading_numbers() {
        assert_eq!(strip_leading_number("1. A method"), "A method");
        assert_eq!(strip_leading_number("12 . The device"), "The device");
        assert_eq!(strip_leading_number("3) The device"), "The device");
        assert_eq!(strip_leading_number("1.A method"), "A method");
        assert_eq!(strip_leading_number("A method"), "A method");
        assert_eq!(strip_leading_number("2013 was a year"), "2013 was a year");
        assert_eq!(strip_leading_number("1.5 mm thick"), "1.5 mm thick");
        assert_eq!(strip_leading_number("1.-18. (Cancelled)"), "(Cancelled)");
        assert_eq!(strip_leading_number("1-18. (canceled)"), "(canceled)");
        assert_eq!(strip_leading_number("3-phase motor"), "3-phase motor");
        assert_eq!(leading_number("7. The system"), Some(7));
        assert_eq!(leading_number(" 12 ) The system"), Some(12));
        assert_eq!(leading_number("The system"), None);
        assert_eq!(leading_number("1.5 mm"), None);
        assert_eq!(leading_number("123456. A"), None);
    }

    #[test]
    fn references_in_real_claim_forms() {
        let refs = references_in_text;
        assert_eq!(refs("The method of claim 1, wherein", 2), [1]);
        assert_eq!(refs("The method of claims 1-3, wherein", 5), [1, 2, 3]);
        assert_eq!(refs("A device as claimed in claim 1", 3), [1]);
        assert_eq!(refs("A device according to claim 2 or 3", 4), [2, 3]);
        assert_eq!(
            refs("A device according to any one of claims 1 to 3", 5),
            [1, 2, 3]
        );
        assert_eq!(refs("as claimed in claims 2-4 or 6", 9), [2, 3, 4, 6]);
        assert_eq!(refs("as in claim 1 or claim 3", 9), [1, 3]);
        assert_eq!(refs("as in claims 1a, 3", 9), [1, 3]);
        assert_eq!(refs("Vorrichtung nach Anspruch 1 oder 2", 3), [1, 2]);
        assert_eq!(refs("Verfahren nach Ansprüchen 1 bis 3", 5), [1, 2, 3]);
        assert_eq!(
            refs("Dispositif selon l'une des revendications 1 à 3", 4),
            [1, 2, 3]
        );
        assert_eq!(
            refs(
                "Dispositif selon l'une quelconque des revendications précédentes",
                3
            ),
            [1, 2]
        );
        assert_eq!(
            refs("Vorrichtung nach einem der vorhergehenden Ansprüche", 3),
            [1, 2]
        );
        assert_eq!(
            refs("A device as claimed in any preceding claim", 4),
            [1, 2, 3]
        );
        assert_eq!(
            refs("A device according to any one of the preceding claims", 4),
            [1, 2, 3]
        );
        assert_eq!(refs("A device according to the preceding claim", 4), [3]);
        assert_eq!(
            refs("Panel according to the first claim, characterized", 2),
            [1]
        );
        assert_eq!(refs("as in the first or second claim", 5), [1, 2]);
        assert!(refs("A method comprising two steps", 1).is_empty());
        assert!(refs("receiving a first claim and previous claims of a user", 3).is_empty());
        assert!(refs("a claim 12mm wide", 20).is_empty());
        // A claim never depends on itself or on a later claim.
        assert!(refs("as in claim 5", 3).is_empty());
    }

    #[test]
    fn first_reference_spans_the_whole_list() {
        let text = "The device according to any one of claims 1 to 3, further comprising";
        let range = first_reference(text).unwrap();
        assert_eq!(&text[range], "claims 1 to 3");
        let text = "Panel according to the first claim, characterized in that";
        assert_eq!(&text[first_reference(text).unwrap()], "the first claim");
        assert!(refers_to_claim("2. The method of claim 1, wherein"));
        assert!(!refers_to_claim(
            "1. A method comprising: receiving a request"
        ));
        let late = format!("A method comprising {} as in claim 1", "x ".repeat(150));
        assert!(!refers_to_claim(&late));
    }

    #[test]
    fn cancelled_claims() {
        assert!(is_cancelled("(Cancelled)"));
        assert!(is_cancelled("1. (Cancelled)"));
        assert!(is_cancelled("1-2. (canceled)"));
        assert!(is_cancelled("3. Canceled."));
        assert!(is_cancelled("4. [Deleted]"));
        assert!(is_cancelled("5. (Previously presented) (Cancelled)"));
        assert!(is_cancelled("6. Deleted, as the applicant withdrew it"));
        assert!(is_cancelled(""));
        assert!(!is_cancelled(
            "1. A method comprising: receiving a request."
        ));
        assert!(!is_cancelled(
            "7. (Currently amended) A method comprising: receiving a request."
        ));
        // A long claim that mentions a cancelled order is not cancelled.
        assert!(!is_cancelled(
            "8. A method of refunding an order, comprising: receiving a request; \
             marking the order (cancelled) in a ledger."
        ));
    }

    #[test]
    fn independence() {
        assert!(claim(1, "A method comprising: receiving a request.", vec![]).is_independent());
        assert!(!claim(2, "The method of claim 1, wherein it rains.", vec![1]).is_independent());
        // Unlinked by the source, but the text names its parent.
        assert!(!claim(
            3,
            "The heater of claim 19, wherein the ink is silver.",
            vec![]
        )
        .is_independent());
        // A cancelled claim defines nothing: it is neither independent nor dependent.
        let cancelled = claim(4, "4. (Cancelled)", vec![]);
        assert!(cancelled.is_cancelled());
        assert!(!cancelled.is_independent());
    }
}
