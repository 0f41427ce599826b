//! Claim text helpers shared by the format parsers: the leading claim number,
//! and which earlier claims a claim refers back to when the markup does not say.

use std::sync::LazyLock;

use regex::Regex;

/// Removes the printed claim number ("1. ", "12 . ", "3) ") from the start of a claim.
pub(crate) fn strip_leading_number(text: &str) -> &str {
    let trimmed = text.trim_start();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 4 {
        return trimmed;
    }
    let rest = trimmed[digits..].trim_start();
    let rest = match rest.as_bytes().first() {
        Some(b'.' | b')') => rest[1..].trim_start(),
        // "1-18. (Cancelled)": a range of numbers without a dot after the first.
        Some(b'-') => rest,
        _ => return trimmed,
    };
    if rest.starts_with('-')
        && !rest[1..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
    {
        return trimmed;
    }
    // "1.-18. (Cancelled)": the end of a range of cancelled claims.
    if let Some(range_end) = rest.strip_prefix(['-', '–']) {
        let range_end = range_end.trim_start();
        let end_digits = range_end.bytes().take_while(u8::is_ascii_digit).count();
        if end_digits > 0 {
            if let Some(after) = range_end[end_digits..].trim_start().strip_prefix('.') {
                return after.trim_start();
            }
        }
    }
    rest
}

/// The claim number printed at the start of a claim text, if any.
pub(crate) fn leading_number(text: &str) -> Option<u32> {
    let trimmed = text.trim_start();
    let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
    let rest = trimmed[digits.len()..].trim_start();
    if rest.starts_with('.') || rest.starts_with(')') {
        digits.parse().ok()
    } else {
        None
    }
}

static CLAIM_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:claims?|anspr[uü]ch(?:e|s|en)?|revendications?)
        \s+
        ( \d+ (?: \s* (?:,|-|–|to|through|or|and|bis|oder|und|à|a|ou|et|or\ any\ of)? \s* \d+ )* )",
    )
    .expect("claim reference pattern is valid")
});

static PRECEDING_CLAIMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:any|one)\s+(?:one\s+)?(?:of\s+the\s+)?(?:preceding|previous|foregoing|above)\s+claims?\b|\bvorhergehenden\s+Anspr|\brevendications\s+pr[ée]c[ée]dentes",
    )
    .expect("preceding claims pattern is valid")
});

/// Numbers of earlier claims that `text` (claim `number`) refers to:
/// "claim 1", "claims 1 to 3", "any one of claims 2-5", "Anspruch 1",
/// "revendications 1 à 3", "any preceding claim".
pub(crate) fn references_in_text(text: &str, number: u32) -> Vec<u32> {
    let mut refs = Vec::new();
    for caps in CLAIM_REFERENCE.captures_iter(text) {
        parse_number_list(&caps[1], &mut refs);
    }
    if refs.is_empty() && PRECEDING_CLAIMS.is_match(text) {
        refs.extend(1..number);
    }
    finish(refs, number)
}

/// Resolves a list like "1, 3 to 5 or 7" into numbers, expanding ranges.
fn parse_number_list(list: &str, out: &mut Vec<u32>) {
    let mut previous: Option<u32> = None;
    let mut range_pending = false;
    let mut token = String::new();
    let flush_word = |word: &str, range_pending: &mut bool| {
        let w = word.to_ascii_lowercase();
        if matches!(w.as_str(), "to" | "through" | "bis" | "à" | "a") {
            *range_pending = true;
        }
    };
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            token.push(c);
            if chars.peek().is_some_and(char::is_ascii_digit) {
                continue;
            }
            if let Ok(n) = token.parse::<u32>() {
                match (range_pending, previous) {
                    (true, Some(start)) if start < n && n - start < 500 => {
                        out.extend(start + 1..=n);
                    }
                    _ => out.push(n),
                }
                previous = Some(n);
            }
            token.clear();
            range_pending = false;
        } else if c == '-' || c == '–' {
            range_pending = true;
        } else if c.is_alphabetic() {
            let mut word = String::from(c);
            while let Some(&next) = chars.peek() {
                if next.is_alphabetic() {
                    word.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            flush_word(&word, &mut range_pending);
        }
    }
}

/// Keeps references to earlier claims only, sorted and unique.
pub(crate) fn finish(mut refs: Vec<u32>, number: u32) -> Vec<u32> {
    refs.retain(|&r| r >= 1 && r < number);
    refs.sort_unstable();
    refs.dedup();
    refs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_numbers() {
        assert_eq!(strip_leading_number("1. A method"), "A method");
        assert_eq!(strip_leading_number("12 . The device"), "The device");
        assert_eq!(strip_leading_number("A method"), "A method");
        assert_eq!(strip_leading_number("2013 was a year"), "2013 was a year");
        assert_eq!(strip_leading_number("1.-18. (Cancelled)"), "(Cancelled)");
        assert_eq!(strip_leading_number("1-18. (canceled)"), "(canceled)");
        assert_eq!(strip_leading_number("3-phase motor"), "3-phase motor");
        assert_eq!(leading_number("7. The system"), Some(7));
        assert_eq!(leading_number("The system"), None);
    }

    #[test]
    fn references_in_english_german_and_french() {
        assert_eq!(
            references_in_text("The method of claim 1, wherein", 2),
            vec![1]
        );
        assert_eq!(
            references_in_text("A device according to any one of claims 1 to 3", 5),
            vec![1, 2, 3]
        );
        assert_eq!(
            references_in_text("as claimed in claims 2-4 or 6", 9),
            vec![2, 3, 4, 6]
        );
        assert_eq!(
            references_in_text("Vorrichtung nach Anspruch 1 oder 2", 3),
            vec![1, 2]
        );
        assert_eq!(
            references_in_text("Dispositif selon l'une des revendications 1 à 3", 4),
            vec![1, 2, 3]
        );
        assert_eq!(
            references_in_text("A device as claimed in any preceding claim", 4),
            vec![1, 2, 3]
        );
        assert!(references_in_text("A method comprising two steps", 1).is_empty());
        // A claim never depends on itself or on a later claim.
        assert!(references_in_text("as in claim 5", 3).is_empty());
    }
}
