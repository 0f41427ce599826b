//! The text algorithms of grounded summaries and prior-art claim charts.
//!
//! This crate owns the parts of a summary or a claim chart that are about
//! patent *text*, and none that are about models: every sentence it hands
//! out is a verbatim slice of the record with its source (section, paragraph,
//! byte range), so whatever the engine shows can be quoted and checked.
//!
//! * [`sentence`]: sentence splitting tuned for patent prose (`U.S. Pat. No.
//!   7,928,248`, `FIG. 3`, `e.g.`, claim numbers), as byte ranges.
//! * [`section`]: which part of a description a paragraph belongs to
//!   (background, summary, drawings, ...), by headings or, where a source has
//!   none, by cue phrases.
//! * [`candidates`]: the sentences of a record a summary may quote, without
//!   boilerplate, within a count and token budget for embedding.
//! * [`extractive`]: summaries without a model that say what the invention
//!   is (TF-IDF centrality against the claims and the summary part, cues),
//!   the one-sentence gist, and the LEAD and TextRank baselines, over
//!   [`terms`] (stemmed TF-IDF sentence vectors).
//! * [`facts`]: key facts as the description states them: the technical
//!   problem, the solution, the first independent claim.
//! * [`mod@mmr`]: Maximal Marginal Relevance selection over sentence vectors
//!   the caller computed (L2-normalised `&[Vec<f32>]`).
//! * [`passage`]: the description paragraphs worth a search vector, by
//!   what they are (summary, field, detailed description) within a budget.
//! * [`claim`]: claim elements (preamble and limitations) for claim charts,
//!   and how per-element similarities make one document score.
//! * [`elements`]: a prior-art text cut into the elements to search (a
//!   claim's, else its sentences), and a passage into the pieces a chart
//!   quotes.
//!
//! Not for: embedding (the engine embeds the candidates with
//! `patsearch-embed` and passes the vectors in), retrieval, or rendering.

pub mod candidates;
pub mod claim;
pub mod elements;
pub mod extractive;
pub mod facts;
pub mod mmr;
pub mod passage;
pub mod section;
pub mod sentence;
pub mod terms;

pub use candidates::{
    estimate_tokens, is_boilerplate, summary_candidates, CandidateOptions, Section, SourceSentence,
};
pub use claim::{claim_elements, combine_element_scores, compare_coverage, Element, ElementKind};
pub use elements::{
    quote_pieces, split_text, QueryElement, Split, SplitMode, MAX_CLAIM_ELEMENTS,
    MAX_SENTENCE_ELEMENTS,
};
pub use extractive::{
    gist, invention_summary, lead, presents_invention, textrank, InventionSummary, ScoredSentence,
};
pub use facts::{
    effect, effect_score, first_independent_claim, key_facts, problem_score, solution,
    technical_problem, KeyFact, KeyFacts,
};
pub use mmr::{mmr_select, DEFAULT_LAMBDA};
pub use passage::search_paragraphs;
pub use section::{description_parts, DescriptionParts, Detection, Part};
pub use sentence::{split_sentences, Span};
