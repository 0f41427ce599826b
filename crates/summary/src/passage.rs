//! Which description paragraphs are worth a search vector of their own.
//!
//! Embedding every paragraph of a patent costs about fifty times the
//! title-and-abstract vector, so a document gets a budget of paragraphs,
//! chosen by what they are rather than where they stand:
//!
//! 1. the summary of the invention (and a stated technical problem), where
//!    the applicant says in a few paragraphs what the invention is;
//! 2. the field paragraph (`This invention relates to ...`);
//! 3. the detailed description, from its start (its first paragraphs
//!    usually give the overview the later ones refine);
//! 4. paragraphs of no known part (a description without headings or cues).
//!
//! Never: cross-references and other administrative paragraphs, the figure
//! list, the background (it describes other people's inventions: a query
//! about the prior art's problem would match every patent of the field
//! equally), heading lines, paragraphs under [`MIN_PARAGRAPH_CHARS`], and
//! paragraphs that are mostly boilerplate (scope and modification phrases,
//! drawing conventions; see [`is_boilerplate`]).
//!
//! The order within a rank is the description's, and the chosen paragraphs
//! are returned in ranking order, so a smaller budget is a prefix of a
//! larger one.

use patsearch_record::Paragraph;

use crate::candidates::is_boilerplate;
use crate::section::{description_parts, Part};
use crate::sentence::split_sentences;

/// Paragraphs shorter than this (headings, one-line figure entries, `[0001]`
/// stubs) say too little to be worth a vector.
pub const MIN_PARAGRAPH_CHARS: usize = 80;

/// Up to `budget` paragraph indexes of `description`, best first (see the
/// module docs for the order).
pub fn search_paragraphs(description: &[Paragraph], budget: usize) -> Vec<usize> {
    if budget == 0 || description.is_empty() {
        return Vec::new();
    }
    let parts = description_parts(description);
    let mut ranked: Vec<(u8, usize)> = Vec::new();
    for (i, paragraph) in description.iter().enumerate() {
        if parts.heading_lines[i] || !is_substantive(&paragraph.text) {
            continue;
        }
        let rank = match parts.parts[i] {
            Some(Part::Summary | Part::Problem) => 0,
            Some(Part::Field) => 1,
            Some(Part::Detailed) => 2,
            None => 3,
            Some(Part::Administrative | Part::Drawings | Part::Background) => continue,
        };
        ranked.push((rank, i));
    }
    // Stable: within a rank, description order.
    ranked.sort_by_key(|&(rank, _)| rank);
    ranked.into_iter().take(budget).map(|(_, i)| i).collect()
}

/// Long enough, and not mostly boilerplate by characters.
fn is_substantive(text: &str) -> bool {
    let text = text.trim();
    if text.chars().count() < MIN_PARAGRAPH_CHARS {
        return false;
    }
    let boilerplate: usize = split_sentences(text)
        .into_iter()
        .map(|span| &text[span.start..span.end])
        .filter(|sentence| is_boilerplate(sentence))
        .map(str::len)
        .sum();
    boilerplate * 2 <= text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraphs(texts: &[&str]) -> Vec<Paragraph> {
        texts
            .iter()
            .map(|t| Paragraph {
                number: None,
                heading: None,
                text: t.to_string(),
            })
            .collect()
    }

    const CROSS_REF: &str = "This application claims the benefit of U.S. Provisional Application Ser. No. 61/123,456, filed Jan. 1, 2012, which is incorporated herein by reference in its entirety.";
    const FIELD: &str = "The present invention relates generally to wireless charging, and more particularly to charging a mobile phone placed on a pad.";
    const BACKGROUND: &str = "Mobile phones are charged through cables that wear out, and users often forget to plug their phones in before going to sleep at night.";
    const SUMMARY_1: &str = "The present invention provides a charging pad having a coil that detects a phone placed on it and transmits power to it inductively.";
    const SUMMARY_2: &str = "In one aspect, the pad measures the coupling between its coil and the phone's coil and adjusts the transmitted power to keep it efficient.";
    const DRAWINGS: &str = "FIG. 1 is a perspective view of a charging pad according to an embodiment, with a phone placed on it and its coil drawn dashed.";
    const DETAILED_1: &str = "Referring to FIG. 1, a charging pad 10 includes a primary coil 12 driven by an inverter 14 under the control of a microcontroller 16.";
    const DETAILED_2: &str = "The microcontroller 16 pings the coil every 500 ms and reads the reflected impedance to decide whether a receiver is present on the pad.";
    const LEGAL: &str = "While the invention has been described with reference to embodiments, it will be understood by those skilled in the art that various modifications may be made without departing from the scope of the appended claims.";

    fn corpus_like() -> Vec<Paragraph> {
        paragraphs(&[
            CROSS_REF, FIELD, BACKGROUND, SUMMARY_1, SUMMARY_2, DRAWINGS, DETAILED_1, DETAILED_2,
            "Short.", LEGAL,
        ])
    }

    #[test]
    fn summary_first_then_field_then_detailed_never_background_or_boilerplate() {
        let d = corpus_like();
        let chosen = search_paragraphs(&d, 10);
        assert_eq!(chosen, vec![3, 4, 1, 6, 7], "{chosen:?}");
    }

    #[test]
    fn a_smaller_budget_is_a_prefix_of_a_larger_one() {
        let d = corpus_like();
        let all = search_paragraphs(&d, 10);
        for budget in 0..=all.len() {
            assert_eq!(search_paragraphs(&d, budget), all[..budget]);
        }
    }

    #[test]
    fn headed_descriptions_use_their_headings() {
        let mut d = paragraphs(&[
            "BACKGROUND OF THE INVENTION",
            BACKGROUND,
            "SUMMARY OF THE INVENTION",
            SUMMARY_2,
            "DETAILED DESCRIPTION",
            DETAILED_2,
        ]);
        d[1].heading = Some("BACKGROUND OF THE INVENTION".into());
        let chosen = search_paragraphs(&d, 4);
        assert_eq!(chosen, vec![3, 5]);
    }

    #[test]
    fn degenerate_descriptions_give_what_they_have() {
        assert!(search_paragraphs(&[], 4).is_empty());
        assert!(search_paragraphs(&paragraphs(&["a", "b", "word"]), 4).is_empty());
        // 2,000 paragraphs of no known part: the first ones, in order.
        let many: Vec<String> = (0..2000)
            .map(|i| format!("Paragraph {i} explains one more detail of the apparatus and how its parts cooperate in use."))
            .collect();
        let many = paragraphs(&many.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(search_paragraphs(&many, 3), vec![0, 1, 2]);
    }
}
