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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassageOptions {
    /// At most this many description paragraphs, one vector each, chosen
    /// by what they are ([`patsearch_summary::search_paragraphs`]: summary,
    /// field, detailed description; never background, figure lists or
    /// boilerplate). `usize::MAX`: every substantial paragraph.
    pub description_paragraphs: usize,
}

/// Description paragraphs embedded per patent by default. Measured on the
/// judged topics (benches/README.md, "Passages"): 3 gives about what 4
/// gives, for three quarters of the embedding work.
pub const DEFAULT_DESCRIPTION_PASSAGES: usize = 3;

impl Default for PassageOptions {
    fn default() -> Self {
        Self {
            description_paragraphs: DEFAULT_DESCRIPTION_PASSAGES,
        }
    }
}

impl PassageOptions {
    /// Title + abstract and independent claims only.
    pub fn summary_only() -> Self {
        Self {
            description_paragraphs: 0,
        }
    }
}

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
        if !seen.insert(claim.number) {
            continue;
        }
        out.push((claim_passage(claim.number, text), text.to_string()));
    }
    let chosen = if options.description_paragraphs == usize::MAX {
        (0..record.description.len())
            .filter(|&i| {
                record.description[i].text.trim().chars().count()
                    >= patsearch_summary::passage::MIN_PARAGRAPH_CHARS
            })
            .collect()
    } else {
        patsearch_summary::search_paragraphs(&record.description, options.description_paragraphs)
    };
    for i in chosen {
        let p = &record.description[i];
        out.push((paragraph_passage(record, i), p.text.trim().to_string()));
    }
    out
}

fn claim_passage(number: u32, text: &str) -> Passage {
    Passage::claim(number).with_label(truncate(text, LABEL_CHARS))
}

fn paragraph_passage(record: &PatentRecord, index: usize) -> Passage {
    let passage = Passage::description(index as u32);
    match record
        .description
        .get(index)
        .and_then(|p| p.number.as_ref())
    {
        Some(n) => passage.with_label(format!("[{n}]")),
        None => passage,
    }
}

/// A passage of `record` of `kind`, labelled as when it is embedded;
/// `None` when the record has no such part.
pub(crate) fn passage_of(record: &PatentRecord, kind: PassageKind) -> Option<Passage> {
    match kind {
        PassageKind::TitleAbstract => Some(Passage::title_abstract()),
        PassageKind::Claim(n) => record
            .claims
            .iter()
            .find(|c| c.number == n)
            .map(|c| claim_passage(n, c.text.trim())),
        PassageKind::Description(i) => {
            ((i as usize) < record.description.len()).then(|| paragraph_passage(record, i as usize))
        }
    }
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
            Paragraph {
                number: Some("0003".into()),
                heading: None,
                text: "DETAILED DESCRIPTION".into(),
            },
            Paragraph {
                number: Some("0004".into()),
                heading: None,
                text: "Referring to the pad, a flat primary coil under its top surface is driven at 140 kHz when a phone lies on it.".into(),
            },
        ];
        r
    }

    #[test]
    fn title_abstract_and_independent_claims_without_description_passages() {
        let p = passages(&record(), &PassageOptions::summary_only());
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

    /// A cancelled claim is not an independent claim, whatever its links say:
    /// it is neither embedded nor charted.
    #[test]
    fn cancelled_claims_are_not_passages() {
        let mut r = record();
        r.claims.insert(
            0,
            Claim {
                number: 4,
                text: "4. (Cancelled)".into(),
                depends_on: vec![],
            },
        );
        r.claims.push(Claim {
            number: 5,
            text: "5-7. (canceled)".into(),
            depends_on: vec![],
        });
        let kinds = |r: &PatentRecord| -> Vec<PassageKind> {
            let p = passages(r, &PassageOptions::summary_only());
            p.iter().map(|(p, _)| p.kind).collect()
        };
        assert_eq!(kinds(&r), kinds(&record()));
    }

    #[test]
    fn every_substantial_paragraph_when_asked() {
        let p = passages(
            &record(),
            &PassageOptions {
                description_paragraphs: usize::MAX,
            },
        );
        let kinds: Vec<PassageKind> = p[3..].iter().map(|(p, _)| p.kind).collect();
        assert_eq!(
            kinds,
            [PassageKind::Description(1), PassageKind::Description(3)]
        );
        assert_eq!(p[3].0.label.as_deref(), Some("[0002]"));
    }

    #[test]
    fn by_default_chosen_paragraphs_follow_the_claims_and_skip_the_background() {
        let p = passages(&record(), &PassageOptions::default());
        let kinds: Vec<PassageKind> = p.iter().map(|(p, _)| p.kind).collect();
        assert_eq!(
            kinds,
            [
                PassageKind::TitleAbstract,
                PassageKind::Claim(1),
                PassageKind::Claim(3),
                PassageKind::Description(3),
            ]
        );
    }

    #[test]
    fn missing_parts_are_left_out() {
        let mut r = record();
        r.abstract_text.clear();
        r.claims.clear();
        r.description.clear();
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
