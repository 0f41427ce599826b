//! Claim elements, the rows of a prior-art claim chart.
//!
//! [`claim_elements`] cuts a claim into its preamble and its limitations,
//! each a verbatim slice of the claim with its byte range:
//!
//! * A leading claim number (`1.`) is skipped, and references to other
//!   claims are found, by the rules of `patsearch_record::claims`.
//! * **Dependent claims** (`The method of claim 1, wherein ...`, `... as
//!   defined in claim 1 , wherein`, `... according to any one of claims 1 to
//!   3`, `... according to the first claim, characterized in that`): the
//!   preamble is the reference, with the transitional word after it.
//! * **Independent claims:** the preamble runs up to and including the
//!   transitional phrase (`comprising`, `consisting (essentially) of`,
//!   `characterized in that`, `including`, `wherein`, ...) and a following
//!   `the steps of` and `:`. A preamble never holds a `;`, so only phrases
//!   before the first `;` count; among them the first one followed by `:`
//!   wins (`A device comprising a frame ..., the improvement comprising:`),
//!   else the first `comprising`-like one, else the first `including` or
//!   `wherein`.
//! * The body is cut after `;` and after `:`, and before `wherein` /
//!   `whereby` (a new limitation), never inside brackets. Each piece is
//!   trimmed of whitespace, leading `and` / `or` and enumerators (`(a)`,
//!   `(ii)`, `1)`), and trailing `and` / `or` and punctuation; the range
//!   points at exactly the trimmed text.
//! * Pieces (preamble included) of fewer than 3 words are dropped.
//!
//! [`combine_element_scores`] turns the best similarity of each element to a
//! prior-art document into one document score: see there.

use std::cmp::Ordering;
use std::sync::LazyLock;

use patsearch_record::claims;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::sentence::Span;

/// What part of a claim an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// What the claim is about, up to the transitional phrase (for a dependent
    /// claim: the reference to its parent).
    Preamble,
    /// One limitation.
    Element,
}

/// One piece of a claim: `text == range.text(claim_text)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    pub kind: ElementKind,
    pub text: String,
    pub range: Span,
}

/// Elements with fewer words are dropped.
pub const MIN_ELEMENT_WORDS: usize = 3;

/// What may follow a dependent claim's reference and still belong to its
/// preamble.
static AFTER_REF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*,?\s*(?:(?:wherein|whereby|in which|further comprising|further including|further comprises|further includes|comprising|including|characteri[sz]ed in that|characteri[sz]ed by)\b\s*:?)?").unwrap()
});

/// Transitional phrases; group 1 holds the primary ones.
static TRANSITION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(comprising|comprises|consisting essentially of|consisting of|consists of|characteri[sz]ed in that|characteri[sz]ed by)|including|includes|wherein)\b").unwrap()
});

/// `the steps of:` and friends after a transitional phrase.
static STEPS_OF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:the\s+)?(?:following\s+)?(?:steps?|acts?)(?:\s+of)?\b").unwrap()
});

static WHEREIN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:wherein|whereby)\b").unwrap());

/// A leading enumerator: `(a)`, `(ii)`, `a)`, `1)`, `(1)`.
static ENUMERATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\(?(?:[a-zA-Z]|[ivxIVX]{1,4}|\d{1,2})\)\s*").unwrap());

/// Splits a claim into its preamble and elements (see the module
/// documentation). Every element's `range` lies in `claim_text` and its
/// `text` is that slice.
pub fn claim_elements(claim_text: &str) -> Vec<Element> {
    let start = claim_text.len() - claims::strip_leading_number(claim_text).len();
    let preamble_end = dependent_preamble_end(claim_text, start)
        .or_else(|| independent_preamble_end(claim_text, start));
    let mut out = Vec::new();
    let body_start = match preamble_end {
        Some(end) => {
            push_piece(claim_text, start, end, ElementKind::Preamble, &mut out);
            end
        }
        None => start,
    };
    let mut piece_start = body_start;
    for cut in body_cuts(claim_text, body_start) {
        push_piece(claim_text, piece_start, cut, ElementKind::Element, &mut out);
        piece_start = cut;
    }
    push_piece(
        claim_text,
        piece_start,
        claim_text.len(),
        ElementKind::Element,
        &mut out,
    );
    out
}

/// The end of a dependent claim's preamble: its reference to another claim
/// in the opening words, with what follows it (`, wherein`).
fn dependent_preamble_end(text: &str, start: usize) -> Option<usize> {
    let head_end = text[start..]
        .find([';', ':'])
        .map_or(text.len(), |p| start + p);
    let end = start + claims::opening_reference(&text[start..head_end])?.end;
    let extra = AFTER_REF.find(&text[end..]).map_or(0, |a| a.end());
    Some(end + extra)
}

/// The end of an independent claim's preamble: after its transitional phrase.
fn independent_preamble_end(text: &str, start: usize) -> Option<usize> {
    let limit = first_top_level(text, start, ';').unwrap_or(text.len());
    let zone = &text[start..limit];
    let depths = depth_map(zone);
    let candidates: Vec<(usize, usize, bool)> = TRANSITION
        .captures_iter(zone)
        .filter(|c| depths[c.get(0).unwrap().start()] == 0)
        .map(|c| {
            let m = c.get(0).unwrap();
            (start + m.start(), start + m.end(), c.get(1).is_some())
        })
        .collect();
    let with_colon = |&&(_, end, _): &&(usize, usize, bool)| {
        let after = extend_steps(text, end);
        text[after..].trim_start().starts_with(':')
    };
    let chosen = candidates
        .iter()
        .find(with_colon)
        .or_else(|| candidates.iter().find(|c| c.2))
        .or_else(|| candidates.first())?;
    let mut end = extend_steps(text, chosen.1);
    let rest = &text[end..];
    let trimmed = rest.trim_start();
    if trimmed.starts_with([':', ',']) {
        end += rest.len() - trimmed.len() + 1;
    }
    Some(end)
}

fn extend_steps(text: &str, end: usize) -> usize {
    STEPS_OF.find(&text[end..]).map_or(end, |m| end + m.end())
}

/// Bracket depth at every byte of `s`.
fn depth_map(s: &str) -> Vec<u32> {
    let mut depths = vec![0u32; s.len() + 1];
    let mut depth = 0u32;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        for d in &mut depths[i..i + c.len_utf8()] {
            *d = depth;
        }
    }
    depths[s.len()] = depth;
    depths
}

fn first_top_level(text: &str, start: usize, ch: char) -> Option<usize> {
    let s = &text[start..];
    let depths = depth_map(s);
    s.char_indices()
        .find(|&(i, c)| c == ch && depths[i] == 0)
        .map(|(i, _)| start + i)
}

/// Byte offsets in `s` just after each clause break outside brackets: a `;`,
/// or a `:` followed by whitespace or ending the text. The one clause rule of
/// claim bodies and of the prose a prior-art chart quotes.
pub(crate) fn clause_breaks(s: &str) -> Vec<usize> {
    clause_breaks_at_depths(s, &depth_map(s))
}

/// [`clause_breaks`] with `s`'s bracket depths already mapped.
fn clause_breaks_at_depths(s: &str, depths: &[u32]) -> Vec<usize> {
    let mut cuts = Vec::new();
    for (i, c) in s.char_indices() {
        if depths[i] != 0 {
            continue;
        }
        let after = i + c.len_utf8();
        let at_break = match c {
            ';' => true,
            ':' => s[after..].is_empty() || s[after..].starts_with(char::is_whitespace),
            _ => false,
        };
        if at_break {
            cuts.push(after);
        }
    }
    cuts
}

/// Byte offsets where the body is cut: at its clause breaks and before
/// `wherein`/`whereby`; outside brackets only.
fn body_cuts(text: &str, start: usize) -> Vec<usize> {
    let body = &text[start..];
    let depths = depth_map(body);
    let mut cuts: Vec<usize> = clause_breaks_at_depths(body, &depths)
        .into_iter()
        .map(|c| start + c)
        .collect();
    for m in WHEREIN.find_iter(body) {
        if depths[m.start()] == 0 && !body[..m.start()].trim().is_empty() {
            cuts.push(start + m.start());
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Trims `text[start..end]` as the module documentation says and pushes it
/// when it has enough words.
fn push_piece(text: &str, start: usize, end: usize, kind: ElementKind, out: &mut Vec<Element>) {
    let (mut s, mut e) = (start, end);
    loop {
        let before = (s, e);
        // Leading whitespace, "and", "or", enumerators.
        let piece = &text[s..e];
        let trimmed = piece.trim_start();
        s += piece.len() - trimmed.len();
        for word in ["and,", "and ", "or ", "then "] {
            if text[s..e]
                .get(..word.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(word))
            {
                s += word.len();
            }
        }
        if kind == ElementKind::Element {
            if let Some(m) = ENUMERATOR.find(&text[s..e]) {
                s += m.end();
            }
        }
        // Trailing whitespace, punctuation, "and", "or".
        let piece = &text[s..e];
        let trimmed = piece.trim_end();
        e -= piece.len() - trimmed.len();
        if kind == ElementKind::Element {
            let piece = &text[s..e];
            let trimmed = piece.trim_end_matches([',', ';', ':', '.']);
            e -= piece.len() - trimmed.len();
        } else {
            let piece = &text[s..e];
            let trimmed = piece.trim_end_matches([',', ';']);
            e -= piece.len() - trimmed.len();
        }
        for word in [" and", " or"] {
            let piece = &text[s..e];
            if piece.len() > word.len()
                && piece.is_char_boundary(piece.len() - word.len())
                && piece[piece.len() - word.len()..].eq_ignore_ascii_case(word)
            {
                e -= word.len();
            }
        }
        if (s, e) == before || s >= e {
            break;
        }
    }
    if s >= e {
        return;
    }
    let slice = &text[s..e];
    if slice.split_whitespace().count() < MIN_ELEMENT_WORDS {
        return;
    }
    out.push(Element {
        kind,
        text: slice.to_string(),
        range: Span::new(s, e),
    });
}

/// One prior-art document's score against a claim, from the best similarity
/// of each claim element to any passage of the document.
///
/// `score` is the mean over all elements, so an element the document does not
/// disclose pulls the score down by its (low) similarity rather than being
/// skipped; `covered` counts the elements whose best similarity is at least
/// `threshold`. Rank documents by `covered`, then by `score`
/// ([`compare_coverage`]): a claim chart is about how many limitations a
/// reference discloses, and the mean breaks ties between references that
/// disclose as many. Non-finite similarities count as 0 and cover nothing.
/// No elements: `(0.0, 0)`.
pub fn combine_element_scores(per_element_best: &[f32], threshold: f32) -> (f32, usize) {
    if per_element_best.is_empty() {
        return (0.0, 0);
    }
    let finite = |x: f32| if x.is_finite() { x } else { 0.0 };
    let sum: f32 = per_element_best.iter().map(|&x| finite(x)).sum();
    let covered = per_element_best
        .iter()
        .filter(|&&x| x.is_finite() && x >= threshold)
        .count();
    (sum / per_element_best.len() as f32, covered)
}

/// Orders `(score, covered)` pairs of [`combine_element_scores`] best first:
/// more elements covered, then the higher score.
pub fn compare_coverage(a: (f32, usize), b: (f32, usize)) -> Ordering {
    b.1.cmp(&a.1).then(b.0.total_cmp(&a.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(text: &str) -> Vec<(ElementKind, &str)> {
        let els = claim_elements(text);
        for e in &els {
            assert_eq!(e.range.text(text), e.text);
        }
        els.into_iter()
            .map(|e| (e.kind, &text[e.range.start..e.range.end]))
            .collect()
    }

    use ElementKind::{Element as E, Preamble as P};

    #[test]
    fn simple_method_claim() {
        assert_eq!(
            elements("1. A method of making tea, the method comprising: boiling the water; steeping leaves in the water; and removing the leaves."),
            vec![
                (P, "A method of making tea, the method comprising:"),
                (E, "boiling the water"),
                (E, "steeping leaves in the water"),
                (E, "removing the leaves"),
            ]
        );
    }

    #[test]
    fn short_elements_are_dropped() {
        assert_eq!(
            elements("A kit comprising: a box; a lid; and a handle fixed to the lid."),
            vec![(P, "A kit comprising:"), (E, "a handle fixed to the lid")]
        );
    }

    #[test]
    fn wherein_starts_a_new_limitation() {
        assert_eq!(
            elements("A cup comprising a wall and a base, wherein the wall is insulated, and wherein the base is weighted."),
            vec![
                (P, "A cup comprising"),
                (E, "a wall and a base"),
                (E, "wherein the wall is insulated"),
                (E, "wherein the base is weighted"),
            ]
        );
    }

    #[test]
    fn improvement_claim_takes_the_colon() {
        assert_eq!(
            elements("In a pump comprising a housing and a rotor, the improvement comprising: a seal between the housing and the rotor; and a spring urging the seal."),
            vec![
                (P, "In a pump comprising a housing and a rotor, the improvement comprising:"),
                (E, "a seal between the housing and the rotor"),
                (E, "a spring urging the seal"),
            ]
        );
    }

    #[test]
    fn brackets_are_not_cut() {
        assert_eq!(
            elements("A composition comprising: a polymer (e.g., a polyester; or a polyamide) in an amount of 10 wt %; and a filler."),
            vec![
                (P, "A composition comprising:"),
                (E, "a polymer (e.g., a polyester; or a polyamide) in an amount of 10 wt %"),
            ]
        );
    }

    #[test]
    fn dependent_claims() {
        assert_eq!(
            elements("2. The method of claim 1, wherein the water is filtered; and the leaves are dried."),
            vec![
                (P, "The method of claim 1, wherein"),
                (E, "the water is filtered"),
                (E, "the leaves are dried"),
            ]
        );
        assert_eq!(
            elements("The device according to any one of claims 1 to 3, further comprising a lid hinged to the body."),
            vec![
                (P, "The device according to any one of claims 1 to 3, further comprising"),
                (E, "a lid hinged to the body"),
            ]
        );
    }

    #[test]
    fn no_transition() {
        assert_eq!(
            elements("The ornamental design for a confection item in the form of a tied braid, as shown and described."),
            vec![(
                E,
                "The ornamental design for a confection item in the form of a tied braid, as shown and described"
            )]
        );
        assert!(claim_elements("(Cancelled)").is_empty());
        assert!(claim_elements("").is_empty());
    }

    #[test]
    fn element_scores() {
        assert_eq!(combine_element_scores(&[], 0.5), (0.0, 0));
        let (score, covered) = combine_element_scores(&[0.9, 0.6, 0.3], 0.6);
        assert!((score - 0.6).abs() < 1e-6);
        assert_eq!(covered, 2);
        let (score, covered) = combine_element_scores(&[f32::NAN, 1.0], 0.5);
        assert_eq!((score, covered), (0.5, 1));
        let mut docs = [(0.9, 1), (0.5, 3), (0.6, 3)];
        docs.sort_by(|a, b| compare_coverage(*a, *b));
        assert_eq!(docs, [(0.6, 3), (0.5, 3), (0.9, 1)]);
    }
}
