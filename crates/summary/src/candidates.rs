//! The sentences of a record a summary may quote.
//!
//! [`summary_candidates`] splits the abstract, the description and the
//! independent claims into sentences ([`crate::sentence`]), drops what a
//! reader would not want quoted as a summary (headings, figure lists,
//! cross-references and incorporation by reference, legal boilerplate,
//! fragments under [`CandidateOptions::min_words`] words, run-ons over
//! [`CandidateOptions::max_chars`] characters), and keeps the most useful ones
//! within a count and a token budget.
//!
//! # The budget
//!
//! The caller embeds every candidate, and that embedding is nearly all of a
//! summary's cost, so the candidates' tokens bound its latency. The default
//! of `max_tokens: 1000` estimated tokens (some 25 sentences; on the
//! benchmark corpus the estimate runs about 20 % above the real word-piece
//! count) keeps a summary of a long description well within the latency goal
//! with some load on the machine, where every sentence of such a description
//! would take many times as long. Finding the candidates is cheap next to
//! embedding them. Figures, and the command that measures them:
//! benches/README.md, "Figures behind the code's choices".
//! The count is capped at 400 for callers that raise the token budget (a
//! summary computed once at index time, or with cached sentence vectors, can
//! afford 12,000). Tokens are estimated, not counted (no tokenizer here):
//! [`estimate_tokens`].
//!
//! # Which sentences are kept first
//!
//! Candidates are taken in tiers until the count or the budget is spent; a
//! sentence that does not fit is skipped and smaller ones after it may still
//! fit. Within a tier, document order. The tiers:
//!
//! 1. the abstract (the applicant's own summary);
//! 2. the summary and problem sections of the description ([`Part::Summary`],
//!    [`Part::Problem`]);
//! 3. the first independent claim;
//! 4. the background and field;
//! 5. the rest of the description (so its first paragraphs first);
//! 6. the other independent claims.
//!
//! The result is in document (reading) order: abstract, description, claims.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use patsearch_record::PatentRecord;
use serde::{Deserialize, Serialize};

use crate::facts::independent_claims;
use crate::section::{
    description_parts, is_figure_entry, DescriptionParts, Part, ADMINISTRATIVE_PHRASES,
};
use crate::sentence::{split_sentences, Span};

/// Where in the record a sentence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Abstract,
    Description,
    Claims,
}

/// A sentence quoted verbatim from a record, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSentence {
    /// The sentence, verbatim: `text == range.text(source)` where `source` is
    /// the abstract, the description paragraph or the claim named below.
    pub text: String,
    pub section: Section,
    /// The description part the paragraph belongs to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    /// A label for the paragraph: the description paragraph's number as the
    /// record prints it (`0012`), else its 1-based position (`7`); the claim
    /// number for a claim; `abstract` for the abstract.
    pub paragraph: String,
    /// Index into `record.description` or `record.claims` (0 for the
    /// abstract).
    pub index: usize,
    /// Byte range of the sentence within its paragraph, claim or abstract.
    pub range: Span,
    /// Reading-order position among the record's sentences (the abstract,
    /// the description's prose paragraphs, the independent claims), counted
    /// before any filtering: it orders sentences and tells neighbours apart.
    pub position: usize,
}

/// What [`summary_candidates`] keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CandidateOptions {
    /// At most this many sentences.
    pub max_sentences: usize,
    /// At most this many estimated tokens in all ([`estimate_tokens`]).
    pub max_tokens: usize,
    /// Sentences with fewer words are dropped.
    pub min_words: usize,
    /// Sentences with more characters are dropped.
    pub max_chars: usize,
    /// Whether independent claims are candidates.
    pub claims: bool,
}

impl Default for CandidateOptions {
    /// 400 sentences, 1,000 estimated tokens (the latency bound: see the
    /// module documentation), at least 6 words, at most 600 characters,
    /// independent claims included.
    fn default() -> Self {
        Self {
            max_sentences: 400,
            max_tokens: 1000,
            min_words: 6,
            max_chars: 600,
            claims: true,
        }
    }
}

/// An estimate of the word-piece tokens a BERT tokenizer makes of `text`,
/// with `[CLS]` and `[SEP]`: 1.4 per word (patent vocabulary splits more
/// than everyday English) plus 2.
pub fn estimate_tokens(text: &str) -> usize {
    let words = text.split_whitespace().count();
    (words * 7).div_ceil(5) + 2
}

/// Whether a sentence is boilerplate no summary should quote: cross-references
/// and incorporation by reference, priority claims, drawing conventions, and
/// the legal phrases about scope and modifications.
pub fn is_boilerplate(sentence: &str) -> bool {
    // A figure entry shows in its first words; the phrases anywhere, matched
    // in one pass without lower-casing the sentence (every candidate of
    // every summary and gist is tested).
    let head: String = sentence
        .chars()
        .take(60)
        .flat_map(char::to_lowercase)
        .collect();
    is_figure_entry(&head) || BOILERPLATE.is_match(sentence)
}

/// The administrative phrases and those of [`BOILERPLATE_PHRASES`], ASCII
/// case-insensitive.
static BOILERPLATE: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(ADMINISTRATIVE_PHRASES.iter().chain(BOILERPLATE_PHRASES))
        .expect("boilerplate phrases")
});

/// Drawing conventions and the legal phrases about scope and modifications
/// (lower case).
const BOILERPLATE_PHRASES: &[&str] = &[
    "for simplicity and clarity of illustration",
    "drawn to scale",
    "numerous specific details",
    "without these specific details",
    "without departing from",
    "various modifications",
    "modifications and variations",
    "the foregoing description",
    "foregoing general description",
    "further explanation of the invention",
    "this summary is provided",
    "identify key features",
    "as an aid in determining",
    "intended to limit the scope",
    "not intended to be limiting",
    "general background information",
    "scope of the appended claims",
    "scope of the claims",
    "skilled in the art will",
    "skill in the art will",
    "apparent to those skilled",
    "understood by those skilled",
    "it is to be understood that",
    "it should be understood that",
    "terminology used herein",
    "singular forms",
    "reference numerals",
    "reference numbers",
    "like numerals",
    "the following detailed description",
    "described in detail below",
    "described in more detail below",
    "will become apparent",
    "will become more apparent",
    "readily apparent",
    "brief description of the drawings",
    "is set forth in the accompanying",
    "entirely hardware embodiment",
    "entirely software embodiment",
];

/// Candidate sentences of `record` for a summary (see the module
/// documentation), in document order.
pub fn summary_candidates(
    record: &PatentRecord,
    options: &CandidateOptions,
) -> Vec<SourceSentence> {
    let parts = description_parts(&record.description);
    let all = record_sentences(record, &parts, options.claims);
    let first_claim = independent_claims(record).next().map(|(i, _)| i);
    let kept: Vec<SourceSentence> = all
        .into_iter()
        .filter(|s| is_candidate(s, options))
        .collect();
    let tier = |s: &SourceSentence| -> u8 {
        match s.section {
            Section::Abstract => 0,
            Section::Claims if Some(s.index) == first_claim => 2,
            Section::Claims => 5,
            Section::Description => match s.part {
                Some(Part::Summary | Part::Problem) => 1,
                Some(Part::Background | Part::Field) => 3,
                _ => 4,
            },
        }
    };
    let mut order: Vec<usize> = (0..kept.len()).collect();
    order.sort_by_key(|&i| (tier(&kept[i]), kept[i].position));
    let mut chosen = Vec::new();
    let mut tokens = 0;
    for i in order {
        if chosen.len() >= options.max_sentences {
            break;
        }
        let t = estimate_tokens(&kept[i].text);
        if tokens + t > options.max_tokens && !chosen.is_empty() {
            continue;
        }
        tokens += t;
        chosen.push(i);
    }
    chosen.sort_unstable();
    let mut kept: Vec<Option<SourceSentence>> = kept.into_iter().map(Some).collect();
    chosen.into_iter().filter_map(|i| kept[i].take()).collect()
}

pub(crate) fn is_candidate(s: &SourceSentence, options: &CandidateOptions) -> bool {
    if s.part
        .is_some_and(|p| matches!(p, Part::Administrative | Part::Drawings))
    {
        return false;
    }
    let words = s.text.split_whitespace().count();
    words >= options.min_words
        && s.text.chars().count() <= options.max_chars
        && !is_boilerplate(&s.text)
}

/// Every sentence of the abstract, the description (heading lines left out)
/// and, with `claims`, the independent claims, in reading order.
pub(crate) fn record_sentences(
    record: &PatentRecord,
    parts: &DescriptionParts,
    claims: bool,
) -> Vec<SourceSentence> {
    let mut out = Vec::new();
    let mut position = 0;
    let mut push = |out: &mut Vec<SourceSentence>,
                    source: &str,
                    section: Section,
                    part: Option<Part>,
                    paragraph: &str,
                    index: usize| {
        for span in split_sentences(source) {
            out.push(SourceSentence {
                text: span.text(source).to_string(),
                section,
                part,
                paragraph: paragraph.to_string(),
                index,
                range: span,
                position,
            });
            position += 1;
        }
    };
    push(
        &mut out,
        &record.abstract_text,
        Section::Abstract,
        None,
        "abstract",
        0,
    );
    for (i, p) in record.description.iter().enumerate() {
        if parts.heading_lines.get(i).copied().unwrap_or(false) {
            continue;
        }
        let label = p.number.clone().unwrap_or_else(|| (i + 1).to_string());
        let part = parts.parts.get(i).copied().flatten();
        push(&mut out, &p.text, Section::Description, part, &label, i);
    }
    if claims {
        for (i, c) in independent_claims(record) {
            push(
                &mut out,
                &c.text,
                Section::Claims,
                None,
                &c.number.to_string(),
                i,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use patsearch_record::{Claim, Paragraph};

    fn record() -> PatentRecord {
        let mut r = PatentRecord::new("US1234567B2".parse().unwrap());
        r.abstract_text = "A pump for viscous fluids is disclosed. The pump has a helical rotor \
                           driven by a brushless motor."
            .into();
        let p = |n: &str, h: &str, t: &str| Paragraph {
            number: Some(n.into()),
            heading: Some(h.into()),
            text: t.into(),
        };
        r.description = vec![
            p("0001", "CROSS-REFERENCE TO RELATED APPLICATIONS", "This application claims priority to U.S. Provisional Application No. 61/000,000, which is incorporated herein by reference."),
            p("0002", "BACKGROUND", "Conventional gear pumps shear viscous fluids. However, shearing degrades many polymer melts."),
            p("0003", "SUMMARY", "The present invention provides a pump with a helical rotor that moves fluid without shear. Other features will become apparent from the following detailed description."),
            p("0004", "BRIEF DESCRIPTION OF THE DRAWINGS", "FIG. 1 is a sectional view of the pump according to the invention."),
            p("0005", "DETAILED DESCRIPTION", "The rotor is made of hardened steel and turns at low speed. It stops."),
        ];
        r.claims = vec![
            Claim {
                number: 1,
                text:
                    "A pump comprising: a helical rotor; and a brushless motor driving the rotor."
                        .into(),
                depends_on: vec![],
            },
            Claim {
                number: 2,
                text: "The pump of claim 1, wherein the rotor is made of steel.".into(),
                depends_on: vec![1],
            },
        ];
        r
    }

    fn texts(c: &[SourceSentence]) -> Vec<&str> {
        c.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn candidates_skip_boilerplate_and_keep_sources() {
        let r = record();
        let options = CandidateOptions {
            max_tokens: usize::MAX,
            ..CandidateOptions::default()
        };
        let c = summary_candidates(&r, &options);
        assert_eq!(
            texts(&c),
            vec![
                "A pump for viscous fluids is disclosed.",
                "The pump has a helical rotor driven by a brushless motor.",
                "Conventional gear pumps shear viscous fluids.",
                "However, shearing degrades many polymer melts.",
                "The present invention provides a pump with a helical rotor that moves fluid without shear.",
                "The rotor is made of hardened steel and turns at low speed.",
                "A pump comprising: a helical rotor; and a brushless motor driving the rotor.",
            ]
        );
        for s in &c {
            let source = match s.section {
                Section::Abstract => r.abstract_text.as_str(),
                Section::Description => r.description[s.index].text.as_str(),
                Section::Claims => r.claims[s.index].text.as_str(),
            };
            assert_eq!(s.range.text(source), s.text);
        }
        let summary = &c[4];
        assert_eq!(summary.section, Section::Description);
        assert_eq!(summary.part, Some(Part::Summary));
        assert_eq!(summary.paragraph, "0003");
        assert_eq!(summary.index, 2);
        assert_eq!(summary.range, Span::new(0, 90));
        let claim = &c[6];
        assert_eq!(
            (claim.section, claim.paragraph.as_str()),
            (Section::Claims, "1")
        );
        assert!(c.windows(2).all(|w| w[0].position < w[1].position));
    }

    #[test]
    fn budget_prefers_abstract_then_summary() {
        let r = record();
        let options = CandidateOptions {
            max_sentences: 3,
            max_tokens: usize::MAX,
            ..CandidateOptions::default()
        };
        let c = summary_candidates(&r, &options);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].section, Section::Abstract);
        assert_eq!(c[1].section, Section::Abstract);
        assert_eq!(c[2].part, Some(Part::Summary));
        // A token budget: the abstract's first sentence (7 words: 12 tokens)
        // fits in 14, the second (11 words: 18 tokens) does not.
        let options = CandidateOptions {
            max_tokens: 14,
            ..CandidateOptions::default()
        };
        let c = summary_candidates(&r, &options);
        assert_eq!(texts(&c), vec!["A pump for viscous fluids is disclosed."]);
        let c = summary_candidates(
            &r,
            &CandidateOptions {
                claims: false,
                max_tokens: usize::MAX,
                ..CandidateOptions::default()
            },
        );
        assert!(c.iter().all(|s| s.section != Section::Claims));
    }

    #[test]
    fn token_estimate() {
        assert_eq!(estimate_tokens(""), 2);
        assert_eq!(estimate_tokens("one two three four five"), 9);
    }

    #[test]
    fn boilerplate() {
        assert!(is_boilerplate("The disclosure of U.S. Pat. No. 7,000,000 is incorporated herein by reference in its entirety."));
        assert!(is_boilerplate("FIG. 2 is a flow chart of the method."));
        assert!(is_boilerplate("is a block diagram of a computer system."));
        assert!(is_boilerplate("It will be apparent to those skilled in the art that various modifications can be made without departing from the scope."));
        assert!(is_boilerplate(
            "This Summary is provided to introduce a selection of concepts in a simplified form."
        ));
        assert!(!is_boilerplate(
            "The rotor is made of hardened steel and turns at low speed."
        ));
    }
}
