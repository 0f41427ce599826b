//! Which text of a patent is embedded, passage by passage.
//!
//! Per document: one passage of title + ". " + abstract (the summary), one
//! per independent claim (dependent claims mostly repeat their parent), and,
//! only when asked, one per description paragraph (a 50,000-character
//! description is a hundred paragraphs: a hundred times the embedding cost).
//!
//! Measured on the judged topics (benches/README.md, "Relevance tuning"):
//! title + abstract alone is the best summary for search. Appending the
//! start of the description to it (still one vector; the model reads the
//! first 256 tokens) and embedding the first two description paragraphs as
//! passages of their own (3 times the vectors and the embedding work) both
//! ranked worse in semantic and hybrid search; the first did help
//! similar-patent search, where family members share their descriptions.

use patsearch_record::PatentRecord;
use patsearch_vectors::{Passage, PassageKind};

/// What to embed besides title + abstract and the independent claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PassageOptions {
    /// Also one vector per description paragraph (off by default: costly).
    pub description: bool,
}

/// Paragraphs shorter than this (headings, "BRIEF DESCRIPTION OF THE
/// DRAWINGS", figure lists) say too little to be worth a vector.
const MIN_PARAGRAPH_CHARS: usize = 80;
/// Characters of a claim kept as its passage label.
const LABEL_CHARS: usize = 60;

/// The passages of `record` to embed, with their texts, in a fixed order:
/// title and abstract, independent claims by number, then paragraphs.
pub fn passages(record: &PatentRecord, options: &PassageOptions) -> Vec<(Passage, String)> {
    let mut out = Vec::new();
    let title = record.title.trim();
    let abstract_text = record.abstract_text.trim();
    let summary = match (title.is_empty(), abstract_text.is_empty()) {
        (false, false) => format!("{title}. {abstract_text}"),
        (false, true) => title.to_string(),
        (true, false) => abstract_text.to_string(),
        (true, true) => String::new(),
    };
    if !summary.is_empty() {
        out.push((Passage::title_abstract(), summary));
    }
    let mut seen = std::collections::HashSet::new();
    for claim in record.independent_claims() {
        let text = claim.text.trim();
        if text.is_empty() || !seen.insert(claim.number) {
            continue;
        }
        out.push((
            Passage::claim(claim.number).with_label(truncate(text, LABEL_CHARS)),
            text.to_string(),
        ));
    }
    if options.description {
        for (i, p) in record.description.iter().enumerate() {
            let text = p.text.trim();
            if text.chars().count() < MIN_PARAGRAPH_CHARS {
                continue;
            }
            let mut passage = Passage::description(i as u32);
            if let Some(n) = &p.number {
                passage = passage.with_label(format!("[{n}]"));
            }
            out.push((passage, text.to_string()));
        }
    }
    out
}

/// The text of a passage, read back from the record it came from.
pub fn passage_text(record: &PatentRecord, kind: PassageKind) -> Option<String> {
    match kind {
        PassageKind::TitleAbstract => {
            if record.abstract_text.trim().is_empty() {
                Some(record.title.clone())
            } else {
                Some(record.abstract_text.clone())
            }
        }
        PassageKind::Claim(n) => record
            .claims
            .iter()
            .find(|c| c.number == n)
            .map(|c| c.text.clone()),
        PassageKind::Description(i) => record.description.get(i as usize).map(|p| p.text.clone()),
    }
}

/// At most `max` characters of `text`, with "…" when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patsearch_record::{Claim, Paragraph};

    fn record() -> PatentRecord {
        let mut r = PatentRecord::new("US1B1".parse().unwrap());
        r.title = "Wireless charger".into();
        r.abstract_text = "A pad charges a phone.".into();
        r.claims = vec![
            Claim {
                number: 1,
                text: "A charger comprising a coil.".into(),
                depends_on: vec![],
            },
            Claim {
                number: 2,
                text: "The charger of claim 1, wherein the coil is flat.".into(),
                depends_on: vec![1],
            },
            Claim {
                number: 3,
                text: "A method of charging a phone with a coil.".into(),
                depends_on: vec![],
            },
        ];
        r.description = vec![
            Paragraph {
                number: Some("0001".into()),
                heading: None,
                text: "BACKGROUND".into(),
            },
            Paragraph {
                number: Some("0002".into()),
                heading: None,
                text: "Phones need charging every day, and cables wear out; a pad that charges through the air avoids them.".into(),
            },
        ];
        r
    }

    #[test]
    fn title_abstract_and_independent_claims_by_default() {
        let p = passages(&record(), &PassageOptions::default());
        let kinds: Vec<PassageKind> = p.iter().map(|(p, _)| p.kind).collect();
        assert_eq!(
            kinds,
            [
                PassageKind::TitleAbstract,
                PassageKind::Claim(1),
                PassageKind::Claim(3)
            ]
        );
        assert_eq!(p[0].1, "Wireless charger. A pad charges a phone.");
        assert_eq!(
            p[1].0.label.as_deref(),
            Some("A charger comprising a coil.")
        );
    }

    #[test]
    fn description_paragraphs_only_when_asked_and_only_substantial_ones() {
        let p = passages(&record(), &PassageOptions { description: true });
        let last = p.last().unwrap();
        assert_eq!(last.0.kind, PassageKind::Description(1));
        assert_eq!(last.0.label.as_deref(), Some("[0002]"));
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn missing_parts_are_left_out() {
        let mut r = record();
        r.abstract_text.clear();
        r.claims.clear();
        let p = passages(&r, &PassageOptions::default());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].1, "Wireless charger");
        r.title.clear();
        assert!(passages(&r, &PassageOptions::default()).is_empty());
    }

    #[test]
    fn passage_texts_come_back_from_the_record() {
        let r = record();
        assert_eq!(
            passage_text(&r, PassageKind::Claim(3)).as_deref(),
            Some("A method of charging a phone with a coil.")
        );
        assert_eq!(
            passage_text(&r, PassageKind::TitleAbstract).as_deref(),
            Some("A pad charges a phone.")
        );
        assert_eq!(passage_text(&r, PassageKind::Claim(9)), None);
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
