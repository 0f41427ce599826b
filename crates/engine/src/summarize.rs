//! Grounded summaries: a few sentences of the patent itself, each with where
//! it comes from, and the key facts beside them. Nothing is generated: every
//! sentence of a [`Summary`] is a slice of the record, and `range` says
//! which.
//!
//! * Without a query, what the invention is
//!   ([`SummaryMethod::Invention`]): `patsearch_summary::invention_summary`
//!   reads the description and the claims, no model, cheaply enough to run
//!   per request (benches/README.md, "Summaries").
//!   A record whose description has nothing to quote gets the first
//!   candidates of the abstract and claims ([`SummaryMethod::Lead`]).
//! * With a query (and a model), the sentences most relevant to it
//!   ([`SummaryMethod::Mmr`]): the summary crate's candidates, embedded with
//!   the query in one call (the embedder spreads a few texts over the cores)
//!   and chosen by Maximal Marginal Relevance. The embedding is nearly all
//!   of the cost, so [`CandidateOptions::max_tokens`] bounds the latency (see
//!   `patsearch_summary::candidates`).

use std::time::{Duration, Instant};

use patsearch_embed::Embedder;
use patsearch_record::{Cancellation, Claim, PatentRecord, PublicationNumber};
use patsearch_summary::{
    estimate_tokens, invention_summary, key_facts, mmr_select, summary_candidates,
    CandidateOptions, KeyFact, SourceSentence, DEFAULT_LAMBDA,
};
use serde::{Serialize, Serializer};

use crate::{Engine, EngineError};

/// Sentences in a summary unless asked otherwise.
pub const DEFAULT_SUMMARY_SENTENCES: usize = 5;
/// The most sentences a summary may have.
pub const MAX_SUMMARY_SENTENCES: usize = 50;

/// What summary to make.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRequest {
    /// Sentences to choose (at least 1, at most [`MAX_SUMMARY_SENTENCES`]).
    pub sentences: usize,
    /// A query to focus on: the sentences most similar to it come first.
    /// Blank counts as none.
    pub query: Option<String>,
    /// MMR's trade-off between relevance (1) and novelty (0).
    pub lambda: f32,
    /// Which sentences are candidates, and the embedding budget.
    pub candidates: CandidateOptions,
    /// Stops the summary when cancelled or past its deadline
    /// ([`EngineError::Cancelled`]); never, by default.
    pub cancel: Cancellation,
}

impl Default for SummaryRequest {
    fn default() -> Self {
        Self {
            sentences: DEFAULT_SUMMARY_SENTENCES,
            query: None,
            lambda: DEFAULT_LAMBDA,
            candidates: CandidateOptions::default(),
            cancel: Cancellation::never(),
        }
    }
}

impl SummaryRequest {
    fn query(&self) -> Option<&str> {
        self.query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
    }
}

/// How the sentences were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SummaryMethod {
    /// Focused on a query: Maximal Marginal Relevance over sentence
    /// embeddings, by cosine to the query.
    Mmr,
    /// What the invention is, without a model: the description's sentences
    /// by TF-IDF centrality against the claims and the summary part, part
    /// and cue weights, redundancy removed
    /// (`patsearch_summary::invention_summary`); the abstract is left out,
    /// as it is shown beside the summary.
    Invention,
    /// The description has nothing to quote: the first candidates in tier
    /// order (abstract, the first claim, ...).
    Lead,
}

/// One sentence of a summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummarySentence {
    /// The sentence, verbatim, and where it comes from.
    #[serde(flatten)]
    pub source: SourceSentence,
    /// Cosine with the query, or without one with the candidates' centroid
    /// (how central the sentence is); `None` for [`SummaryMethod::Lead`].
    pub relevance: Option<f32>,
}

/// Key facts as the patent states them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryFacts {
    /// The technical problem: verbatim sentences of the background (or of a
    /// problem or summary section).
    pub problem: Option<KeyFact>,
    /// The solution: verbatim sentences of the summary, or that present
    /// the invention.
    pub solution: Option<KeyFact>,
    /// The effect (advantage) the description ascribes to the invention.
    pub effect: Option<KeyFact>,
    /// The first independent claim.
    pub first_claim: Option<Claim>,
    /// CPC codes, as the record lists them.
    pub cpc: Vec<String>,
    /// IPC codes.
    pub ipc: Vec<String>,
}

/// A grounded summary of one patent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub publication_number: PublicationNumber,
    pub title: String,
    /// The query the summary is focused on.
    pub query: Option<String>,
    pub method: SummaryMethod,
    /// With a query: most relevant first. Without: in reading order.
    pub sentences: Vec<SummarySentence>,
    /// Candidate sentences considered.
    pub candidates: usize,
    pub key_facts: SummaryFacts,
    #[serde(rename = "took_ms", serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e3)
}

impl Engine {
    /// A grounded summary of a stored patent (a number without kind finds
    /// any stored kind): see [`summarize_record`]. A query needs the model.
    pub fn summarize(
        &self,
        number: &PublicationNumber,
        request: &SummaryRequest,
    ) -> Result<Summary, EngineError> {
        let started = Instant::now();
        let record = self
            .keyword
            .get(number)?
            .ok_or_else(|| EngineError::UnknownDocument(number.clone()))?;
        if request.query().is_some() && self.embedder.is_none() {
            return Err(match &self.vectors {
                Some(vectors) => EngineError::NoModel {
                    path: self.dir.root().to_path_buf(),
                    model: vectors.model().to_string(),
                },
                None => EngineError::InvalidRequest(
                    "a summary focused on a query needs an embedding model, and this index has none (it was built with --no-embed); ask without a query".into(),
                ),
            });
        }
        let mut summary = summarize_record(&record, request, self.embedder.as_deref())?;
        summary.took = started.elapsed();
        Ok(summary)
    }
}

/// A grounded summary of `record`: [`summary_candidates`], embedded (with
/// the query, together) and chosen by [`mmr_select`]; the lead candidates
/// without an embedder (a query is then ignored, and
/// [`Summary::method`] says [`SummaryMethod::Lead`]). Deterministic.
pub fn summarize_record(
    record: &PatentRecord,
    request: &SummaryRequest,
    embedder: Option<&Embedder>,
) -> Result<Summary, EngineError> {
    let started = Instant::now();
    if request.sentences == 0 || request.sentences > MAX_SUMMARY_SENTENCES {
        return Err(EngineError::InvalidRequest(format!(
            "a summary has 1 to {MAX_SUMMARY_SENTENCES} sentences, not {}",
            request.sentences
        )));
    }
    if !(0.0..=1.0).contains(&request.lambda) {
        return Err(EngineError::InvalidRequest(format!(
            "lambda must lie in [0, 1], not {}",
            request.lambda
        )));
    }
    let query = request.query();
    let (method, candidates, sentences) = match (query, embedder) {
        (Some(q), Some(embedder)) => {
            let candidates = focused_candidates(record, &request.candidates, q);
            request.cancel.check()?;
            let sentences = select(embedder, &candidates, q, request)?;
            request.cancel.check()?;
            (SummaryMethod::Mmr, candidates.len(), sentences)
        }
        _ => {
            let extract = invention_summary(record, request.sentences);
            request.cancel.check()?;
            if extract.sentences.is_empty() {
                lead_summary(record, request)
            } else {
                let sentences = extract
                    .sentences
                    .into_iter()
                    .map(|s| SummarySentence {
                        source: s.sentence,
                        relevance: Some(s.score),
                    })
                    .collect();
                (SummaryMethod::Invention, extract.candidates, sentences)
            }
        }
    };
    let facts = key_facts(record);
    Ok(Summary {
        publication_number: record.publication_number.clone(),
        title: record.title.clone(),
        query: match method {
            SummaryMethod::Mmr => query.map(str::to_string),
            SummaryMethod::Invention | SummaryMethod::Lead => None,
        },
        method,
        sentences,
        candidates,
        key_facts: SummaryFacts {
            problem: facts.problem,
            solution: facts.solution,
            effect: facts.effect,
            first_claim: facts.first_claim.cloned(),
            cpc: record.cpc.iter().map(|c| c.code.clone()).collect(),
            ipc: record.ipc.iter().map(|c| c.code.clone()).collect(),
        },
        took: started.elapsed(),
    })
}

/// The first candidates in tier order (abstract, the description's summary,
/// the first claim, ...): what a record whose description has nothing to
/// quote (none, or only figure lists) can still be summarised by.
fn lead_summary(
    record: &PatentRecord,
    request: &SummaryRequest,
) -> (SummaryMethod, usize, Vec<SummarySentence>) {
    let lead = CandidateOptions {
        max_sentences: request.sentences,
        ..request.candidates.clone()
    };
    let sentences: Vec<SummarySentence> = summary_candidates(record, &lead)
        .into_iter()
        .map(|source| SummarySentence {
            source,
            relevance: None,
        })
        .collect();
    (SummaryMethod::Lead, sentences.len(), sentences)
}

/// The candidates of a summary focused on `query`: half the token budget
/// goes to the sentences of the whole patent that share the most words with
/// the query (each word weighted by its inverse document frequency among the
/// patent's sentences; words compared by their first six letters, so
/// `protected` meets `protection`), the rest to the usual tiers
/// ([`summary_candidates`]). Without this, a query could only reorder the
/// abstract and the summary; with it, a passage deep in the description can
/// lead. In document order, each sentence once.
fn focused_candidates(
    record: &PatentRecord,
    options: &CandidateOptions,
    query: &str,
) -> Vec<SourceSentence> {
    let terms = stems(query);
    if terms.is_empty() {
        return summary_candidates(record, options);
    }
    let everything = summary_candidates(
        record,
        &CandidateOptions {
            max_tokens: usize::MAX,
            ..options.clone()
        },
    );
    let sentence_stems: Vec<Vec<String>> = everything.iter().map(|s| stems(&s.text)).collect();
    let n = everything.len() as f32;
    let idf: Vec<f32> = terms
        .iter()
        .map(|t| {
            let df = sentence_stems.iter().filter(|s| s.contains(t)).count() as f32;
            ((n + 1.0) / (df + 0.5)).ln()
        })
        .collect();
    let mut scored: Vec<(f32, usize)> = sentence_stems
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let score = terms
                .iter()
                .zip(&idf)
                .filter(|(t, _)| s.contains(t))
                .map(|(_, w)| w)
                .sum::<f32>();
            (score, i)
        })
        .filter(|(score, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let half = options.max_tokens / 2;
    let mut tokens = 0;
    let mut chosen: Vec<usize> = Vec::new();
    for (_, i) in scored {
        let t = estimate_tokens(&everything[i].text);
        if tokens + t > half || chosen.len() >= options.max_sentences {
            continue;
        }
        tokens += t;
        chosen.push(i);
    }
    let mut out: Vec<SourceSentence> = chosen.iter().map(|&i| everything[i].clone()).collect();
    let rest = summary_candidates(
        record,
        &CandidateOptions {
            max_tokens: options.max_tokens.saturating_sub(tokens),
            ..options.clone()
        },
    );
    for s in rest {
        if out.len() >= options.max_sentences {
            break;
        }
        if !out.iter().any(|o| o.position == s.position) {
            out.push(s);
        }
    }
    out.sort_by_key(|s| s.position);
    out
}

/// Lower-case words of three letters or more, stop words left out, cut to
/// their first six characters; each once.
fn stems(text: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "the", "and", "for", "with", "that", "this", "from", "are", "was", "were", "which", "what",
        "how", "who", "when", "where", "its", "has", "have", "not", "but", "can", "may", "into",
        "such", "one", "more", "than", "each", "any", "all", "does", "about", "also",
    ];
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.chars().count() < 3 {
            continue;
        }
        let lower = word.to_lowercase();
        if STOP.contains(&lower.as_str()) {
            continue;
        }
        let stem: String = lower.chars().take(6).collect();
        if !out.contains(&stem) {
            out.push(stem);
        }
    }
    out
}

/// Embeds the candidates (and the query) together and picks by MMR.
fn select(
    embedder: &Embedder,
    candidates: &[SourceSentence],
    query: &str,
    request: &SummaryRequest,
) -> Result<Vec<SummarySentence>, EngineError> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let texts: Vec<&str> = candidates.iter().map(|s| s.text.as_str()).collect();
    let mut texts = crate::prompts::as_passages(embedder, &texts);
    texts.push(crate::prompts::as_query(embedder, query));
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut vectors = embedder.embed(&texts)?;
    let Some(reference) = vectors.pop() else {
        return Ok(Vec::new());
    };
    let picked = mmr_select(
        &vectors,
        Some(&reference),
        request.sentences,
        request.lambda,
    );
    Ok(picked
        .into_iter()
        .map(|i| SummarySentence {
            source: candidates[i].clone(),
            relevance: Some(patsearch_simd::cosine(&vectors[i], &reference)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use patsearch_record::Paragraph;
    use patsearch_summary::Section;

    fn record() -> PatentRecord {
        let mut r = PatentRecord::new("US1234567B2".parse().unwrap());
        r.title = "Helical pump".into();
        r.abstract_text = "A pump for viscous fluids is disclosed. The pump has a helical rotor driven by a brushless motor.".into();
        r.description = vec![
            Paragraph {
                number: Some("0001".into()),
                heading: Some("BACKGROUND".into()),
                text: "Conventional gear pumps shear viscous fluids. However, shearing degrades many polymer melts, which is a serious problem.".into(),
            },
            Paragraph {
                number: Some("0002".into()),
                heading: Some("SUMMARY".into()),
                text: "The present invention provides a pump with a helical rotor that moves fluid without shear.".into(),
            },
        ];
        r.claims = vec![Claim {
            number: 1,
            text: "A pump comprising: a helical rotor; and a brushless motor driving the rotor."
                .into(),
            depends_on: vec![],
        }];
        r
    }

    fn source_of<'a>(r: &'a PatentRecord, s: &SourceSentence) -> &'a str {
        match s.section {
            Section::Abstract => r.abstract_text.as_str(),
            Section::Description => r.description[s.index].text.as_str(),
            Section::Claims => r.claims[s.index].text.as_str(),
        }
    }

    #[test]
    fn summary_says_what_the_invention_is_from_the_description_verbatim() {
        let r = record();
        let request = SummaryRequest {
            sentences: 3,
            ..SummaryRequest::default()
        };
        let s = summarize_record(&r, &request, None).unwrap();
        assert_eq!(s.method, SummaryMethod::Invention);
        assert!(!s.sentences.is_empty() && s.sentences.len() <= 3);
        assert_eq!(
            s.sentences.iter().find(|x| x.source.paragraph == "0002").map(|x| x.source.text.as_str()),
            Some("The present invention provides a pump with a helical rotor that moves fluid without shear.")
        );
        for sentence in &s.sentences {
            assert_eq!(sentence.source.section, Section::Description);
            assert_eq!(
                sentence.source.range.text(source_of(&r, &sentence.source)),
                sentence.source.text
            );
            assert!(sentence.relevance.is_some_and(|r| r > 0.0));
        }
        assert!(s
            .sentences
            .windows(2)
            .all(|w| w[0].source.position < w[1].source.position));
        assert_eq!(s.key_facts.first_claim.as_ref().map(|c| c.number), Some(1));
        assert!(s.key_facts.problem.is_some() && s.key_facts.solution.is_some());
    }

    #[test]
    fn nothing_to_quote_in_the_description_falls_back_to_the_lead_of_abstract_and_claims() {
        let mut r = record();
        r.description.clear();
        let request = SummaryRequest {
            sentences: 3,
            ..SummaryRequest::default()
        };
        let s = summarize_record(&r, &request, None).unwrap();
        assert_eq!(s.method, SummaryMethod::Lead);
        assert_eq!(s.sentences.len(), 3);
        assert_eq!(
            s.sentences[0].source.text,
            "A pump for viscous fluids is disclosed."
        );
        assert_eq!(s.sentences[2].source.section, Section::Claims);
        for sentence in &s.sentences {
            assert_eq!(
                sentence.source.range.text(source_of(&r, &sentence.source)),
                sentence.source.text
            );
            assert_eq!(sentence.relevance, None);
        }
        r.claims.clear();
        r.abstract_text.clear();
        let s = summarize_record(&r, &request, None).unwrap();
        assert!(
            s.sentences.is_empty(),
            "nothing to summarise: {:?}",
            s.sentences
        );
    }

    #[test]
    fn edge_records_get_a_summary_or_nothing_never_an_error() {
        let request = SummaryRequest {
            sentences: 3,
            ..SummaryRequest::default()
        };
        // One paragraph.
        let mut one = record();
        one.abstract_text.clear();
        one.claims.clear();
        one.description.truncate(1);
        let s = summarize_record(&one, &request, None).unwrap();
        assert_eq!(s.method, SummaryMethod::Invention);
        assert!(!s.sentences.is_empty());
        // Only claims.
        let mut claims_only = record();
        claims_only.abstract_text.clear();
        claims_only.description.clear();
        let s = summarize_record(&claims_only, &request, None).unwrap();
        assert_eq!(s.method, SummaryMethod::Lead);
        assert_eq!(s.sentences[0].source.section, Section::Claims);
        // 3,000 paragraphs: the candidates scored are capped, the summary
        // still comes from the description.
        let mut long = record();
        for i in 0..3_000 {
            long.description.push(Paragraph {
                number: Some(format!("{:04}", i + 3)),
                heading: Some("DETAILED DESCRIPTION".into()),
                text: format!("In embodiment {i}, the rotor segment is machined from a steel bar and balanced. The segment {i} is then mounted on the shaft of the pump."),
            });
        }
        let s = summarize_record(&long, &request, None).unwrap();
        assert_eq!(s.method, SummaryMethod::Invention);
        assert_eq!(s.sentences.len(), 3);
        assert!(s.candidates <= patsearch_summary::extractive::MAX_SCORED_SENTENCES);
    }

    #[test]
    fn bad_requests_are_refused() {
        let r = record();
        for request in [
            SummaryRequest {
                sentences: 0,
                ..SummaryRequest::default()
            },
            SummaryRequest {
                sentences: MAX_SUMMARY_SENTENCES + 1,
                ..SummaryRequest::default()
            },
            SummaryRequest {
                lambda: 1.5,
                ..SummaryRequest::default()
            },
        ] {
            assert!(matches!(
                summarize_record(&r, &request, None),
                Err(EngineError::InvalidRequest(_))
            ));
        }
    }

    #[test]
    fn a_query_brings_matching_sentences_into_the_candidates() {
        let mut r = record();
        for i in 0..40 {
            r.description.push(Paragraph {
                number: Some(format!("{:04}", i + 3)),
                heading: Some("DETAILED DESCRIPTION".into()),
                text: format!("The rotor segment number {i} is machined from a single steel bar."),
            });
        }
        r.description.push(Paragraph {
            number: Some("0099".into()),
            heading: Some("DETAILED DESCRIPTION".into()),
            text: "A ceramic coating protects the rotor against abrasive slurries.".into(),
        });
        // The tiers before the detailed description take 104 of the 110
        // tokens.
        let options = CandidateOptions {
            max_tokens: 110,
            ..CandidateOptions::default()
        };
        let plain = summary_candidates(&r, &options);
        assert!(!plain.iter().any(|s| s.paragraph == "0099"));
        let focused = focused_candidates(&r, &options, "coating protection against abrasion");
        assert!(focused.iter().any(|s| s.paragraph == "0099"), "{focused:?}");
        assert!(focused.windows(2).all(|w| w[0].position < w[1].position));
        assert_eq!(
            stems("The Protected protection, of a pump"),
            ["protec", "pump"]
        );
        // No usable words: the usual candidates.
        assert_eq!(focused_candidates(&r, &options, "the of"), plain);
    }
}
