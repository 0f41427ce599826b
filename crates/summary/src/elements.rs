//! The elements a prior-art search looks for, and the pieces a claim chart
//! quotes.
//!
//! [`split_text`] cuts the searched text: a claim (one sentence with a
//! preamble before a transitional phrase) into its preamble and limitations
//! by [`claim_elements`], labelled `pre`, `a`, `b` ...; any other text into
//! its sentences of three words or more, labelled `1`, `2` .... Each kind
//! is capped ([`MAX_CLAIM_ELEMENTS`], [`MAX_SENTENCE_ELEMENTS`]) so that a
//! long text costs a bounded number of searches.
//!
//! [`quote_pieces`] cuts a passage of a prior-art document into what a chart
//! may quote: a claim into its elements, prose into the clauses of its
//! sentences, since an abstract often lists the steps of a method in one
//! sentence and a chart row should quote the one step that matches.

use serde::{Deserialize, Serialize};

use crate::claim::{claim_elements, ElementKind};
use crate::sentence::{split_sentences, Span};

/// At most this many elements of a claim are searched.
pub const MAX_CLAIM_ELEMENTS: usize = 20;
/// At most this many sentences of a description are searched.
pub const MAX_SENTENCE_ELEMENTS: usize = 8;

/// Clauses and sentences of fewer words are fragments: they join a
/// neighbour, or are not searched on their own.
const MIN_WORDS: usize = 3;

/// How the text is cut into elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitMode {
    /// A claim when it reads as one (one sentence with a transitional
    /// phrase: `comprising`, `consisting of`, `wherein` ...), else sentences.
    #[default]
    Auto,
    /// Always as a claim (preamble and limitations).
    Claim,
    /// Always into sentences.
    Sentences,
}

/// How the text was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    Claim,
    Sentences,
}

/// One element of the searched text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryElement {
    /// For a chart: `pre` for the preamble, then `a`, `b`, ...; sentences
    /// are `1`, `2`, ...
    pub label: String,
    pub kind: ElementKind,
    /// Verbatim: `range` of the request's text.
    pub text: String,
    pub range: Span,
}

/// Cuts the text into the elements to search: how, the elements (capped),
/// and how many were dropped by the cap.
pub fn split_text(text: &str, mode: SplitMode) -> (Split, Vec<QueryElement>, usize) {
    let as_claim = match mode {
        SplitMode::Claim => true,
        SplitMode::Sentences => false,
        SplitMode::Auto => reads_as_claim(text),
    };
    let (split, mut pieces, cap): (Split, Vec<(ElementKind, Span)>, usize) = if as_claim {
        let pieces = claim_elements(text)
            .into_iter()
            .map(|e| (e.kind, e.range))
            .collect();
        (Split::Claim, pieces, MAX_CLAIM_ELEMENTS)
    } else {
        let all = split_sentences(text);
        let long: Vec<Span> = all
            .iter()
            .copied()
            .filter(|s| s.text(text).split_whitespace().count() >= MIN_WORDS)
            .collect();
        let spans = if long.is_empty() { all } else { long };
        let pieces = spans
            .into_iter()
            .map(|s| (ElementKind::Element, s))
            .collect();
        (Split::Sentences, pieces, MAX_SENTENCE_ELEMENTS)
    };
    if pieces.is_empty() {
        // Too short to cut: the whole text is the one element.
        pieces.extend(whole(text).map(|span| (ElementKind::Element, span)));
    }
    let dropped = pieces.len().saturating_sub(cap);
    pieces.truncate(cap);
    let mut letter = 0u8;
    let mut number = 0;
    let elements = pieces
        .into_iter()
        .map(|(kind, range)| {
            let label = match (split, kind) {
                (Split::Claim, ElementKind::Preamble) => "pre".to_string(),
                (Split::Claim, ElementKind::Element) => {
                    letter += 1;
                    element_letter(letter)
                }
                (Split::Sentences, _) => {
                    number += 1;
                    number.to_string()
                }
            };
            QueryElement {
                label,
                kind,
                text: range.text(text).to_string(),
                range,
            }
        })
        .collect();
    (split, elements, dropped)
}

/// The pieces a passage is quoted by: with [`Split::Claim`] (the passage is
/// a claim) its elements; else its sentences, each cut into its clauses at
/// `;` and `: `. A passage that yields none is one piece, trimmed; an empty
/// one has none.
pub fn quote_pieces(text: &str, split: Split) -> Vec<Span> {
    let spans: Vec<Span> = match split {
        Split::Claim => claim_elements(text).into_iter().map(|e| e.range).collect(),
        Split::Sentences => split_sentences(text)
            .into_iter()
            .flat_map(|s| clauses(text, s))
            .collect(),
    };
    if spans.is_empty() {
        return whole(text).into_iter().collect();
    }
    spans
}

/// The whole text, trimmed; `None` when it is blank.
fn whole(text: &str) -> Option<Span> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let start = text.len() - text.trim_start().len();
    Some(Span::new(start, start + trimmed.len()))
}

/// A sentence's clauses: cut at its clause breaks (after a `;`, or a `:`
/// followed by whitespace, outside brackets: `claim::clause_breaks`, the
/// rule claim bodies are cut by); each trimmed of whitespace and of the `;`
/// or `:` that ends it. Clauses of fewer than three words join the next
/// one (the last joins the one before), so none is a fragment.
///
/// Unlike a claim body ([`claim_elements`]) a sentence of prose is not cut
/// before `wherein`, and its fragments join a neighbour rather than being
/// dropped: a quote must cover the whole sentence.
fn clauses(text: &str, sentence: Span) -> Vec<Span> {
    let s = sentence.text(text);
    let cuts = crate::claim::clause_breaks(s);
    let mut bounds = vec![0];
    bounds.extend(cuts.into_iter().filter(|&c| c < s.len()));
    bounds.push(s.len());
    let words = |a: usize, b: usize| s[a..b].split_whitespace().count();
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut start = bounds[0];
    for &end in &bounds[1..] {
        if words(start, end) >= MIN_WORDS || end == s.len() {
            pieces.push((start, end));
            start = end;
        }
    }
    // A short last clause joins the one before.
    if pieces.len() > 1 {
        let (last_start, last_end) = pieces[pieces.len() - 1];
        if words(last_start, last_end) < MIN_WORDS {
            pieces.pop();
            if let Some(previous) = pieces.last_mut() {
                previous.1 = last_end;
            }
        }
    }
    pieces
        .into_iter()
        .filter_map(|(a, b)| {
            let piece = &s[a..b];
            let lead = piece.len() - piece.trim_start().len();
            let trimmed = piece.trim().trim_end_matches([';', ':']).trim_end();
            (!trimmed.is_empty()).then(|| {
                let start = sentence.start + a + lead;
                Span::new(start, start + trimmed.len())
            })
        })
        .collect()
}

/// `a` for 1, `b` for 2 ... `z`, then `aa`, `ab` ...
fn element_letter(n: u8) -> String {
    let n = n - 1;
    if n < 26 {
        char::from(b'a' + n).to_string()
    } else {
        format!(
            "{}{}",
            char::from(b'a' + n / 26 - 1),
            char::from(b'a' + n % 26)
        )
    }
}

/// Whether a text reads as a claim: one sentence (pieces cut at `; ` inside
/// a long sentence do not count) with a preamble before a transitional
/// phrase.
fn reads_as_claim(text: &str) -> bool {
    let sentences = split_sentences(text);
    let ended = sentences
        .iter()
        .rev()
        .skip(1)
        .filter(|s| s.text(text).ends_with(['.', '?', '!']))
        .count();
    ended == 0
        && claim_elements(text)
            .first()
            .is_some_and(|e| e.kind == ElementKind::Preamble)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(elements: &[QueryElement]) -> Vec<(&str, &str)> {
        elements
            .iter()
            .map(|e| (e.label.as_str(), e.text.as_str()))
            .collect()
    }

    #[test]
    fn a_claim_is_cut_into_its_elements() {
        let text = "1. A method of making tea, the method comprising: boiling the water; steeping leaves in the water; and removing the leaves from the water.";
        let (split, elements, dropped) = split_text(text, SplitMode::Auto);
        assert_eq!(split, Split::Claim);
        assert_eq!(dropped, 0);
        assert_eq!(
            labels(&elements),
            vec![
                ("pre", "A method of making tea, the method comprising:"),
                ("a", "boiling the water"),
                ("b", "steeping leaves in the water"),
                ("c", "removing the leaves from the water"),
            ]
        );
        for e in &elements {
            assert_eq!(e.range.text(text), e.text);
        }
    }

    #[test]
    fn a_description_is_cut_into_sentences_and_capped() {
        let text = "A teapot keeps tea warm. It has a double wall filled with air. The lid seals with a silicone ring.";
        let (split, elements, _) = split_text(text, SplitMode::Auto);
        assert_eq!(split, Split::Sentences);
        assert_eq!(
            labels(&elements),
            vec![
                ("1", "A teapot keeps tea warm."),
                ("2", "It has a double wall filled with air."),
                ("3", "The lid seals with a silicone ring."),
            ]
        );
        let long = "The pot holds water. ".repeat(12);
        let (_, elements, dropped) = split_text(&long, SplitMode::Sentences);
        assert_eq!(elements.len(), MAX_SENTENCE_ELEMENTS);
        assert_eq!(dropped, 12 - MAX_SENTENCE_ELEMENTS);
        // A forced claim split of prose, and a text too short to cut.
        let (split, _, _) = split_text(text, SplitMode::Claim);
        assert_eq!(split, Split::Claim);
        let (_, elements, _) = split_text("  teapot  ", SplitMode::Auto);
        assert_eq!(labels(&elements), vec![("1", "teapot")]);
        assert!(split_text(" \n ", SplitMode::Auto).1.is_empty());
    }

    /// The pieces `text` is quoted by, as text.
    fn quoted(text: &str, split: Split) -> Vec<&str> {
        quote_pieces(text, split)
            .iter()
            .map(|s| s.text(text))
            .collect()
    }

    #[test]
    fn sentences_are_quoted_by_their_clauses() {
        let text = "A pump is disclosed. The method includes: heating the fluid; pumping it (e.g. at 3 bar; or less) through a pipe; and cooling it. Short one; ok.";
        let pieces = quoted(text, Split::Sentences);
        assert_eq!(
            pieces,
            [
                "A pump is disclosed.",
                "The method includes",
                "heating the fluid",
                "pumping it (e.g. at 3 bar; or less) through a pipe",
                "and cooling it.",
                "Short one; ok.",
            ]
        );
        let claim =
            "A pump comprising: a rotor turning in a housing; and a motor driving the rotor.";
        let pieces = quoted(claim, Split::Claim);
        assert_eq!(
            pieces,
            [
                "A pump comprising:",
                "a rotor turning in a housing",
                "a motor driving the rotor"
            ]
        );
    }

    #[test]
    fn prose_and_claims_break_clauses_alike_inside_braces_too() {
        let text = "The salt {sodium; potassium or lithium} is dissolved in water; the solution is then heated slowly.";
        let pieces = quoted(text, Split::Sentences);
        assert_eq!(
            pieces,
            [
                "The salt {sodium; potassium or lithium} is dissolved in water",
                "the solution is then heated slowly.",
            ]
        );
        let body = "heating {a; b} the water; stirring the water";
        assert_eq!(
            crate::claim::clause_breaks(body),
            [body.find("water;").unwrap() + "water;".len()]
        );
    }

    #[test]
    fn a_passage_without_pieces_is_one_piece() {
        let claim = "  a lid ";
        let pieces = quoted(claim, Split::Claim);
        assert_eq!(pieces, ["a lid"]);
        assert!(quote_pieces(" \n", Split::Sentences).is_empty());
    }

    #[test]
    fn letters() {
        assert_eq!(element_letter(1), "a");
        assert_eq!(element_letter(26), "z");
        assert_eq!(element_letter(27), "aa");
    }
}
