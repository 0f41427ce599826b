//! The request and results of a prior-art search, as the engine's callers
//! (the server's wire types, the CLI's `--json`) read them.

use std::time::Duration;

use chrono::NaiveDate;
use patsearch_record::{Cancellation, Filters, PublicationNumber};
use patsearch_summary::{QueryElement, Span, Split, SplitMode};
use patsearch_vectors::{Passage, PassageKind};
use serde::{Deserialize, Serialize, Serializer};

/// Results per page unless asked otherwise.
pub const DEFAULT_PRIOR_ART_LIMIT: usize = 10;
/// Documents each element's search contributes to the candidates.
pub const DEFAULT_ELEMENT_CANDIDATES: usize = 100;
/// The similarity at which an element counts as disclosed by a document.
///
/// Measured with all-MiniLM-L6-v2 on the benchmark corpus: the elements of
/// the four paraphrased 6-element claims of `benches/summary.rs` score
/// 0.13 – 0.74 against the title and abstract of the patent they paraphrase,
/// which then covers 3 – 6 of 6 and ranks first each time, while the best
/// other document covers 2 – 4.
pub const DEFAULT_COVERAGE_THRESHOLD: f32 = 0.4;
/// Hits whose chart quotes the best sentence of each passage.
pub const DEFAULT_REFINE: usize = 3;

/// Which date of a document the cut-off tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateField {
    /// The earliest priority date, else the filing date.
    #[default]
    Priority,
    /// The filing date of the application.
    Filed,
    /// The publication date.
    Published,
}

impl std::fmt::Display for DateField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DateField::Priority => "priority",
            DateField::Filed => "filed",
            DateField::Published => "published",
        })
    }
}

/// A prior-art search.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorArtRequest {
    /// A claim, or a description of the invention.
    pub text: String,
    /// Only documents whose `date_field` date is strictly earlier; a
    /// document without that date is left out.
    pub before: Option<NaiveDate>,
    /// The date `before` tests.
    pub date_field: DateField,
    /// Structured filters, as in search.
    pub filters: Filters,
    /// Hits to return.
    pub limit: usize,
    pub split: SplitMode,
    /// Documents each element's search contributes.
    pub candidates: usize,
    /// The similarity at which an element counts as covered.
    pub threshold: f32,
    /// Hits (from the first) whose chart quotes sentences.
    pub refine: usize,
    /// Documents never returned (any kind of each number).
    pub exclude: Vec<PublicationNumber>,
    /// Stops the search when cancelled or past its deadline
    /// ([`EngineError::Cancelled`](crate::EngineError::Cancelled)); never, by default.
    pub cancel: Cancellation,
}

impl Default for PriorArtRequest {
    fn default() -> Self {
        Self {
            text: String::new(),
            before: None,
            date_field: DateField::default(),
            filters: Filters::default(),
            limit: DEFAULT_PRIOR_ART_LIMIT,
            split: SplitMode::default(),
            candidates: DEFAULT_ELEMENT_CANDIDATES,
            threshold: DEFAULT_COVERAGE_THRESHOLD,
            refine: DEFAULT_REFINE,
            exclude: Vec::new(),
            cancel: Cancellation::never(),
        }
    }
}

impl PriorArtRequest {
    /// A request for `text` with every other setting at its default.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }
}

/// The cut-off applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cutoff {
    /// Documents dated strictly before this.
    pub before: NaiveDate,
    pub date_field: DateField,
}

/// What [`Engine::prior_art_of`](crate::Engine::prior_art_of) searched with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorArtSource {
    pub publication_number: PublicationNumber,
    /// `claim N` or `title and abstract`.
    pub basis: PassageKind,
    /// The text searched.
    pub text: String,
}

/// A sentence of a passage, quoted verbatim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// `range` of the passage's full text (the abstract, the claim, the
    /// description paragraph).
    pub text: String,
    pub range: Span,
    /// Cosine of the element with this sentence.
    pub similarity: f32,
}

/// How one document discloses one element.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementMatch {
    /// Index into [`PriorArtResults::elements`].
    pub element: usize,
    /// Cosine of the element with its best passage of the document (what
    /// coverage is judged on).
    pub similarity: f32,
    /// Whether the similarity reaches the threshold.
    pub covered: bool,
    /// The passage charted: the best one, or for the first hits the one
    /// holding the best-matching sentence (the abstract's sentence can state
    /// an element better than the best whole paragraph's).
    pub passage: Passage,
    /// The passage for a person: `title and abstract`, `claim 1`.
    pub label: String,
    /// The start of the passage's text.
    pub text: Option<String>,
    /// The passage's best sentence, for the first hits.
    pub quote: Option<Quote>,
}

/// One prior-art document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorArtHit {
    pub publication_number: String,
    /// From 1.
    pub rank: usize,
    pub title: String,
    /// The mean of the elements' similarities.
    pub score: f32,
    /// Elements whose similarity reaches the threshold.
    pub covered: usize,
    pub priority_date: Option<NaiveDate>,
    pub filing_date: Option<NaiveDate>,
    pub publication_date: Option<NaiveDate>,
    /// One per element, in the elements' order.
    pub mapping: Vec<ElementMatch>,
}

/// A page of prior art.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorArtResults {
    /// What [`Engine::prior_art_of`](crate::Engine::prior_art_of) searched with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<PriorArtSource>,
    pub split: Split,
    pub elements: Vec<QueryElement>,
    /// Elements beyond the cap, not searched.
    pub elements_dropped: usize,
    pub cutoff: Option<Cutoff>,
    pub threshold: f32,
    pub hits: Vec<PriorArtHit>,
    /// Candidate documents ranked.
    pub total: usize,
    #[serde(rename = "took_ms", serialize_with = "millis")]
    pub took: Duration,
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e3)
}
