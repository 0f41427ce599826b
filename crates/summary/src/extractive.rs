//! Extractive summaries without a model: what the invention is, in the
//! patent's own sentences, and the two baselines it is measured against.
//!
//! [`invention_summary`] reads the description and the claims (never the
//! abstract, so the abstract can judge it: `patsearch eval --task summary`)
//! and scores each candidate sentence ([`crate::candidates`]: boilerplate,
//! figure lists and fragments out; sentences up to 2,000 characters, as the
//! sentence that states an invention in full is often a 100-word one) by
//! the product of
//!
//! * **centrality against what the applicant says the invention is:** the
//!   TF-IDF cosine ([`crate::terms`]) to an anchor of equal votes: the title,
//!   the independent claims (the legal definition of the invention), the
//!   description's summary part (its restatement in prose) and the whole
//!   description (what it dwells on), whichever exist;
//! * **where it stands:** by part, a sentence of the summary or problem part
//!   counts fully, of the field 0.9, of the detailed description (or of a
//!   description without parts) 0.6, of the background 0.4 (it describes the
//!   prior art); by position, the `i`-th candidate counts `1 / (1 + i /
//!   100)`, as a description states its invention before it details one
//!   embodiment;
//! * **what it says of itself:** a sentence that presents the invention (`The
//!   present invention provides`, `In one aspect`, `According to an
//!   embodiment`, `There is provided`, `is disclosed`) counts 1.5 times, and
//!   so, again, does one that defines a thing by its parts (`a method ...
//!   includes`, `the system comprising`), the way claims and abstracts do;
//!   one that speaks of a figure (`FIG. 3`, `as shown in`) or is mostly
//!   reference numerals 0.7 times, as abstracts name no figures;
//! * **its length:** a sentence shorter than 33 words (a third of a
//!   100-word summary) counts in proportion, as a short sentence fills a
//!   reader's budget with little.
//!
//! Sentences are then chosen by Maximal Marginal Relevance over the same
//! vectors (lambda 0.7, [`crate::mmr`]'s trade-off), so a restatement of a
//! chosen sentence is not chosen again, and returned in reading order.
//!
//! How the parts were weighed: each factor was added for a stated reason and
//! kept when it raised ROUGE on half A of the benchmark corpus (`patsearch
//! eval --task summary --half a`), then checked on half B; the figures are
//! in `benches/README.md`.
//!
//! The baselines: [`lead`] (the description's first sentences, as they are)
//! and [`textrank`] (PageRank over the TF-IDF cosine graph of the same
//! candidates, Mihalcea & Tarau 2004).

use std::sync::LazyLock;

use patsearch_record::PatentRecord;
use regex::Regex;

use crate::candidates::{record_sentences, CandidateOptions, Section, SourceSentence};
use crate::facts::independent_claims;
use crate::section::{description_parts, Part};
use crate::terms::{tf_idf, TermVector, Vocabulary};

/// Redundancy trade-off of the selection (relevance weight).
const LAMBDA: f32 = 0.7;
/// The longest sentence quoted (characters).
const MAX_SENTENCE_CHARS: usize = 2_000;
/// Sentences shorter than this many words count in proportion.
const FULL_LENGTH_WORDS: f32 = 33.0;
/// The candidate at this position counts half as much as the first.
const HALF_WEIGHT_POSITION: f32 = 100.0;
/// The weight of each cue a sentence carries.
const CUE_WEIGHT: f32 = 1.5;
/// TextRank's graph is quadratic in its sentences: it reads at most this
/// many (a 50,000-character description has some 300).
pub const MAX_TEXTRANK_SENTENCES: usize = 600;
/// The invention summary scores at most this many candidates, the first in
/// reading order (a 3,000-paragraph description stays well under 100 ms).
pub const MAX_SCORED_SENTENCES: usize = 2_000;

/// A sentence of an extractive summary and why it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredSentence {
    pub sentence: SourceSentence,
    /// Its score before redundancy was taken into account (centrality times
    /// the weights), relative to the best candidate's: in (0, 1].
    pub score: f32,
}

/// The first `n` sentences of the description, verbatim and unfiltered: the
/// LEAD baseline.
pub fn lead(record: &PatentRecord, n: usize) -> Vec<SourceSentence> {
    let parts = description_parts(&record.description);
    record_sentences(record, &parts, false)
        .into_iter()
        .filter(|s| s.section == Section::Description)
        .take(n)
        .collect()
}

/// TextRank over the description's candidate sentences: each sentence's
/// PageRank (damping 0.85) in the graph weighted by TF-IDF cosine, the best
/// `n` in reading order. The baseline the invention summary must beat.
pub fn textrank(record: &PatentRecord, n: usize) -> Vec<SourceSentence> {
    let mut candidates = description_candidates(record);
    candidates.truncate(MAX_TEXTRANK_SENTENCES);
    let mut vocabulary = Vocabulary::default();
    let terms: Vec<Vec<u32>> = candidates
        .iter()
        .map(|s| vocabulary.terms(&s.text))
        .collect();
    let (vectors, _) = tf_idf(&terms, &[]);
    let ranks = pagerank(&vectors, 0.85);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| ranks[b].total_cmp(&ranks[a]).then(a.cmp(&b)));
    order.truncate(n);
    order.sort_unstable();
    let mut candidates: Vec<Option<SourceSentence>> = candidates.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| candidates[i].take())
        .collect()
}

fn pagerank(vectors: &[TermVector], damping: f32) -> Vec<f32> {
    let n = vectors.len();
    if n == 0 {
        return Vec::new();
    }
    let mut weights = vec![0.0f32; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let w = vectors[i].cosine(&vectors[j]);
            weights[i * n + j] = w;
            weights[j * n + i] = w;
        }
    }
    let out_sum: Vec<f32> = (0..n)
        .map(|i| weights[i * n..(i + 1) * n].iter().sum())
        .collect();
    let mut rank = vec![1.0 / n as f32; n];
    for _ in 0..50 {
        let mut next = vec![(1.0 - damping) / n as f32; n];
        for j in 0..n {
            if out_sum[j] == 0.0 {
                continue;
            }
            let share = damping * rank[j] / out_sum[j];
            for (i, r) in next.iter_mut().enumerate() {
                *r += share * weights[j * n + i];
            }
        }
        let delta: f32 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if delta < 1e-6 {
            break;
        }
    }
    rank
}

/// The description's sentences a summary may quote (see
/// [`crate::candidates`]), in reading order.
fn description_candidates(record: &PatentRecord) -> Vec<SourceSentence> {
    let parts = description_parts(&record.description);
    let options = CandidateOptions {
        max_chars: MAX_SENTENCE_CHARS,
        ..CandidateOptions::default()
    };
    record_sentences(record, &parts, false)
        .into_iter()
        .filter(|s| {
            s.section == Section::Description && crate::candidates::is_candidate(s, &options)
        })
        .collect()
}

/// An invention summary and what it was chosen from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InventionSummary {
    /// In reading order.
    pub sentences: Vec<ScoredSentence>,
    /// Candidate sentences scored.
    pub candidates: usize,
}

/// Up to `n` sentences saying what the invention is, from the description
/// and the claims (see the module documentation), in reading order; none
/// when the description has no sentence worth quoting. Deterministic.
pub fn invention_summary(record: &PatentRecord, n: usize) -> InventionSummary {
    let mut candidates = description_candidates(record);
    candidates.truncate(MAX_SCORED_SENTENCES);
    let count = candidates.len();
    if candidates.is_empty() || n == 0 {
        return InventionSummary {
            sentences: Vec::new(),
            candidates: count,
        };
    }
    let mut vocabulary = Vocabulary::default();
    let terms: Vec<Vec<u32>> = candidates
        .iter()
        .map(|s| vocabulary.terms(&s.text))
        .collect();
    let claims: Vec<Vec<u32>> = independent_claims(record)
        .map(|(_, c)| vocabulary.terms(&c.text))
        .collect();
    let title = vec![vocabulary.terms(&record.title)];
    let extra: Vec<Vec<u32>> = title.into_iter().chain(claims).collect();
    let (vectors, extra) = tf_idf(&terms, &extra);
    let anchor = anchor(&candidates, &vectors, &extra);
    let scores: Vec<f32> = candidates
        .iter()
        .zip(&vectors)
        .enumerate()
        .map(|(i, (s, v))| {
            let words = s.text.split_whitespace().count() as f32;
            let position = 1.0 / (1.0 + i as f32 / HALF_WEIGHT_POSITION);
            v.cosine(&anchor)
                * part_weight(s.part)
                * cue_weight(&s.text)
                * (words / FULL_LENGTH_WORDS).min(1.0)
                * position
        })
        .collect();
    let chosen = select(&vectors, &scores, n);
    let best = scores.iter().copied().fold(0.0f32, f32::max);
    let mut candidates: Vec<Option<SourceSentence>> = candidates.into_iter().map(Some).collect();
    let sentences = chosen
        .into_iter()
        .filter_map(|i| {
            candidates[i].take().map(|sentence| ScoredSentence {
                sentence,
                score: if best > 0.0 { scores[i] / best } else { 0.0 },
            })
        })
        .collect();
    InventionSummary {
        sentences,
        candidates: count,
    }
}

/// The one sentence that best says what the invention is (the first pick of
/// [`invention_summary`]).
pub fn gist(record: &PatentRecord) -> Option<SourceSentence> {
    invention_summary(record, 1)
        .sentences
        .into_iter()
        .next()
        .map(|s| s.sentence)
}

/// What the applicant says the invention is: title, independent claims, the
/// summary part and the whole description as equal votes (`extra` is the
/// title, then the claims).
fn anchor(
    candidates: &[SourceSentence],
    vectors: &[TermVector],
    extra: &[TermVector],
) -> TermVector {
    let summary: Vec<(&TermVector, f32)> = candidates
        .iter()
        .zip(vectors)
        .filter(|(s, _)| matches!(s.part, Some(Part::Summary | Part::Problem)))
        .map(|(_, v)| (v, 1.0))
        .collect();
    let mut votes: Vec<TermVector> = Vec::new();
    let (title, claims) = extra
        .split_first()
        .map_or((None, &[][..]), |(t, c)| (Some(t), c));
    if !claims.is_empty() {
        votes.push(TermVector::centroid(claims.iter().map(|v| (v, 1.0))));
    }
    if !summary.is_empty() {
        votes.push(TermVector::centroid(summary));
    }
    votes.push(TermVector::centroid(vectors.iter().map(|v| (v, 1.0))));
    if let Some(title) = title.filter(|t| !t.is_empty()) {
        votes.push(title.clone());
    }
    TermVector::centroid(votes.iter().map(|v| (v, 1.0)))
}

fn part_weight(part: Option<Part>) -> f32 {
    match part {
        Some(Part::Summary | Part::Problem) => 1.0,
        Some(Part::Field) => 0.9,
        Some(Part::Background) => 0.4,
        Some(Part::Detailed) | None => 0.6,
        Some(Part::Administrative | Part::Drawings) => 0.0,
    }
}

/// How a sentence that presents the invention opens (matched on its first
/// [`OPENING_BYTES`]).
static PRESENTS_INVENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        ^(?:\S+\s+){0,3}?(?:the|this)\s+(?:present\s+)?(?:invention|disclosure|application|technique|technology)\s+(?:provides|relates|is\s+directed|concerns|includes|comprises|describes|discloses)
        | ^(?:in|according\s+to|in\s+accordance\s+with)\s+(?:one|an|a|another|some|various|certain|the|a\s+first|a\s+second|yet\s+another|still\s+another|further|other)\s+(?:\S+\s+){0,3}?(?:aspects?|embodiments?|implementations?|examples?)\b
        | \bthere\s+(?:is|are)\s+(?:provided|disclosed|described)\b
        | ^(?:disclosed|described|provided)\s+(?:herein|here|below)\b
        | ^(?:embodiments|aspects|implementations)\s+(?:\S+\s+){0,4}?(?:provide|include|relate|are\s+directed)
        ",
    )
    .unwrap()
});

/// How a sentence that presents the invention may close: `A pump ... is
/// disclosed.` (matched on its last [`CLOSING_BYTES`]).
static PRESENTED_AT_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:is|are)\s+(?:disclosed|provided)\s*(?:herein)?\s*[.,]?$").unwrap()
});

/// The cues are read in a sentence's opening and closing words only: the
/// patterns are anchored there, and a 2,000-character sentence would
/// otherwise cost a regex scan of all of it.
const OPENING_BYTES: usize = 240;
const CLOSING_BYTES: usize = 48;

fn opening(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn closing(text: &str, bytes: usize) -> &str {
    let mut start = text.len().saturating_sub(bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Nouns a claim or abstract defines by their parts.
const DEFINED_THINGS: &[&str] = &[
    "method",
    "system",
    "apparatus",
    "device",
    "assembly",
    "circuit",
    "medium",
    "composition",
    "process",
    "machine",
    "product",
    "structure",
    "network",
    "module",
    "unit",
    "tool",
    "kit",
];
/// Verbs that introduce the parts.
const PART_VERBS: &[&str] = &[
    "comprises",
    "comprising",
    "includes",
    "including",
    "consists",
    "has",
    "having",
];

/// Whether a sentence defines a thing by its parts, the way claims and
/// abstracts do: one of [`DEFINED_THINGS`] (or its plural) among its first
/// 20 words, and one of [`PART_VERBS`] within the 20 words after it.
fn defines_by_parts(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(40)
        .collect();
    let is_thing = |w: &str| {
        let singular = w.strip_suffix('s').unwrap_or(w);
        DEFINED_THINGS
            .iter()
            .any(|t| t.eq_ignore_ascii_case(w) || t.eq_ignore_ascii_case(singular))
    };
    let Some(thing) = words.iter().take(20).position(|w| is_thing(w)) else {
        return false;
    };
    words[thing + 1..]
        .iter()
        .take(20)
        .any(|w| PART_VERBS.iter().any(|v| v.eq_ignore_ascii_case(w)))
}

static SPEAKS_OF_FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bfigs?\.\s*\d|\bfigures?\s+\d|\bas\s+(?:shown|illustrated|depicted)\s+in\b")
        .unwrap()
});

/// Whether a sentence presents the invention (`The present invention
/// provides`, `In one aspect`, `According to an embodiment`, `There is
/// provided`, `... is disclosed`).
pub fn presents_invention(text: &str) -> bool {
    PRESENTS_INVENTION.is_match(opening(text, OPENING_BYTES))
        || PRESENTED_AT_END.is_match(closing(text.trim_end(), CLOSING_BYTES))
}

fn cue_weight(text: &str) -> f32 {
    let mut weight = 1.0;
    if presents_invention(text) {
        weight *= CUE_WEIGHT;
    }
    if defines_by_parts(text) {
        weight *= CUE_WEIGHT;
    }
    if weight == 1.0
        && (SPEAKS_OF_FIGURE.is_match(opening(text, OPENING_BYTES)) || numeral_share(text) > 0.15)
    {
        weight = 0.7;
    }
    weight
}

/// The share of a sentence's words that are numbers (reference numerals).
fn numeral_share(text: &str) -> f32 {
    let (mut words, mut numbers) = (0usize, 0usize);
    for w in text.split_whitespace() {
        words += 1;
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        if !w.is_empty()
            && w.chars().all(|c| {
                c.is_ascii_digit()
                    || c.is_ascii_lowercase()
                        && w.len() <= 4
                        && w.starts_with(|d: char| d.is_ascii_digit())
            })
        {
            numbers += 1;
        }
    }
    if words == 0 {
        0.0
    } else {
        numbers as f32 / words as f32
    }
}

/// Maximal Marginal Relevance over term vectors: `n` indices in ascending
/// (reading) order; ties go to the earlier sentence.
fn select(vectors: &[TermVector], scores: &[f32], n: usize) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    let mut redundancy = vec![0.0f32; vectors.len()];
    while chosen.len() < n.min(vectors.len()) {
        let mut best: Option<(usize, f32)> = None;
        for i in 0..vectors.len() {
            if chosen.contains(&i) || scores[i] <= 0.0 {
                continue;
            }
            let value = LAMBDA * scores[i] - (1.0 - LAMBDA) * redundancy[i];
            if best.is_none_or(|(_, b)| value > b) {
                best = Some((i, value));
            }
        }
        let Some((pick, _)) = best else { break };
        chosen.push(pick);
        for (i, r) in redundancy.iter_mut().enumerate() {
            *r = r.max(vectors[i].cosine(&vectors[pick]));
        }
    }
    chosen.sort_unstable();
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use patsearch_record::{Claim, Paragraph};

    fn paragraph(text: &str) -> Paragraph {
        Paragraph {
            number: None,
            heading: None,
            text: text.into(),
        }
    }

    /// A heading-less description, as the benchmark corpus has them.
    fn record() -> PatentRecord {
        let mut r = PatentRecord::new("US1234567B2".parse().unwrap());
        r.title = "Helical rotor pump for viscous fluids".into();
        r.description = vec![
            paragraph("This application claims priority to U.S. Provisional Application No. 61/000,000 filed Jan. 1 2012."),
            paragraph("The present invention relates to pumps, and more particularly to pumps for viscous fluids."),
            paragraph("Gear pumps are widely used in the chemical industry to move liquids. However, gear pumps shear viscous fluids and degrade many polymer melts. Lobe pumps are expensive to build and to maintain."),
            paragraph("The present invention provides a pump with a helical rotor that moves viscous fluid without shear. In one embodiment, the helical rotor is driven by a brushless motor at low speed. The pump is cheap to build."),
            paragraph("FIG. 1 is a sectional view of the pump according to the invention."),
            paragraph("As shown in FIG. 1, the pump 10 has a housing 12 and a rotor 14 in the housing 12. The housing 12 is made of cast iron and painted blue for the customer. The rotor 14 is made of hardened steel and has a helical groove 16."),
        ];
        r
    }

    #[test]
    fn lead_takes_the_first_sentences_as_they_are() {
        let r = record();
        let lead = lead(&r, 2);
        assert_eq!(lead.len(), 2);
        assert!(lead[0].text.starts_with("This application claims priority"));
        assert!(lead[1].text.starts_with("The present invention relates"));
    }

    #[test]
    fn invention_summary_prefers_sentences_presenting_the_invention() {
        let r = record();
        let summary = invention_summary(&r, 2).sentences;
        let texts: Vec<&str> = summary.iter().map(|s| s.sentence.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "The present invention provides a pump with a helical rotor that moves viscous fluid without shear.",
                "In one embodiment, the helical rotor is driven by a brushless motor at low speed.",
            ]
        );
        assert!(summary
            .windows(2)
            .all(|w| w[0].sentence.position < w[1].sentence.position));
        for s in &summary {
            let source = &r.description[s.sentence.index].text;
            assert_eq!(s.sentence.range.text(source), s.sentence.text);
        }
        assert_eq!(
            gist(&r).map(|s| s.text),
            Some("The present invention provides a pump with a helical rotor that moves viscous fluid without shear.".into())
        );
    }

    #[test]
    fn claims_pull_the_summary_towards_what_is_claimed() {
        let mut r = record();
        r.claims = vec![Claim {
            number: 1,
            text: "A pump comprising: a cast iron housing; and a hardened steel rotor having a helical groove.".into(),
            depends_on: vec![],
        }];
        let groove = "The rotor 14 is made of hardened steel and has a helical groove 16.";
        let score_of = |r: &PatentRecord| {
            invention_summary(r, 20)
                .sentences
                .into_iter()
                .find(|s| s.sentence.text == groove)
                .map_or(0.0, |s| s.score)
        };
        let (without, with) = (score_of(&record()), score_of(&r));
        assert!(
            with > 1.5 * without,
            "with claims {with}, without {without}"
        );
    }

    #[test]
    fn textrank_returns_central_sentences_in_reading_order() {
        let r = record();
        let picked = textrank(&r, 3);
        assert_eq!(picked.len(), 3);
        assert!(picked.windows(2).all(|w| w[0].position < w[1].position));
        assert!(picked.iter().all(|s| s.section == Section::Description));
    }

    #[test]
    fn nothing_to_summarise_gives_nothing() {
        let mut r = PatentRecord::new("US1B1".parse().unwrap());
        assert!(invention_summary(&r, 3).sentences.is_empty());
        assert!(textrank(&r, 3).is_empty());
        assert!(lead(&r, 3).is_empty());
        r.description = vec![paragraph("FIG. 1 is a view.")];
        assert!(invention_summary(&r, 3).sentences.is_empty());
        assert_eq!(gist(&r), None);
    }

    #[test]
    fn cues() {
        for presents in [
            "The present invention provides a pump.",
            "In one aspect, a method of pumping includes turning a rotor.",
            "According to a first embodiment of the invention, a pump has a rotor.",
            "There is provided a pump having a helical rotor.",
            "A pump having a helical rotor is disclosed.",
            "Embodiments of the present disclosure provide a pump.",
        ] {
            assert!(cue_weight(presents) >= 1.5, "{presents}");
        }
        assert_eq!(
            cue_weight("In one aspect, a pumping system includes a rotor."),
            2.25
        );
        assert!(defines_by_parts("The apparatus has a rotor."));
        assert!(defines_by_parts(
            "Such a method, as described, comprises three steps."
        ));
        assert!(!defines_by_parts("The rotor has a groove."));
        assert_eq!(cue_weight("As shown in FIG. 2, the rotor turns."), 0.7);
        assert_eq!(
            cue_weight("The rotor 14 turns in the housing 12 past the seal 18."),
            0.7
        );
        assert_eq!(cue_weight("The rotor turns slowly in the housing."), 1.0);
    }
}
