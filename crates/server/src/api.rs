//! The wire types of the API: requests (`deny_unknown_fields`, so a typo is
//! an error rather than a silently ignored setting) and responses, with
//! their OpenAPI schemas, and the mapping to and from the engine's types.
//! The engine's own types stay free to change; these are the contract.

use chrono::NaiveDate;
use patsearch_engine::{Fusion, Hit, PassageKind, SearchMode, SearchResults, SemanticMatch};
use patsearch_keyword::{FacetCount, Facets, Snippet, SnippetField};
use patsearch_record::{DateRange, Filters};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// `POST /v1/search`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    /// The query: keyword syntax (boolean, phrases, fields, dates) or
    /// natural language. Hybrid mode reads it both ways.
    #[schema(example = "wireless charging of a mobile device")]
    pub query: String,
    /// Default: `hybrid` when the index has vectors, else `keyword`.
    #[serde(default)]
    pub mode: Option<Mode>,
    #[serde(default)]
    pub filters: FiltersBody,
    /// Hits per page (default 10, at most the server's `max_limit`, 100 by default).
    #[serde(default)]
    #[schema(minimum = 0, example = 10)]
    pub limit: Option<usize>,
    /// Hits to skip (at most the server's `max_offset`, 1000 by default).
    #[serde(default)]
    #[schema(minimum = 0)]
    pub offset: usize,
    /// How hybrid search combines the two rankings (default: RRF, k = 60).
    #[serde(default)]
    pub fusion: Option<FusionBody>,
    /// Highlighted keyword snippets (default true).
    #[serde(default = "yes")]
    pub highlight: bool,
    /// Facet counts (CPC subclass, assignee, year) over the keyword
    /// matches, in keyword and hybrid mode (default false): the top 1,000
    /// publications by keyword score, or all of them when fewer match
    /// (`facets.counted` says how many were counted).
    #[serde(default)]
    pub facets: bool,
    /// One hit per family (default true): the best-ranked member of each
    /// group of publications that share an application (continuations,
    /// divisionals, provisionals, priorities) or a description (80% of its
    /// word 5-shingles), with `family_size` and the other members'
    /// numbers; `total`, `offset` and `limit` then count families. False
    /// lists every publication. Facets count publications either way.
    #[serde(default = "yes")]
    pub collapse: bool,
    /// Detect the query's language (default true). A query the English
    /// keyword index cannot match (another script, or reliably another
    /// language) is then ranked in hybrid mode by the semantic side alone;
    /// the response names the language and says so in `note`. False keeps
    /// the keyword side for every query.
    #[serde(default = "yes")]
    pub detect_language: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Keyword,
    Semantic,
    Hybrid,
}

impl From<Mode> for SearchMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Keyword => SearchMode::Keyword,
            Mode::Semantic => SearchMode::Semantic,
            Mode::Hybrid => SearchMode::Hybrid,
        }
    }
}

impl From<SearchMode> for Mode {
    fn from(mode: SearchMode) -> Self {
        match mode {
            SearchMode::Keyword => Mode::Keyword,
            SearchMode::Semantic => Mode::Semantic,
            SearchMode::Hybrid => Mode::Hybrid,
        }
    }
}

/// Structured filters: within a list any value may match, across lists all
/// must. They narrow every mode without changing the order.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiltersBody {
    /// CPC prefixes at any level (`H02J`, `H02J7`, `H02J7/025`).
    #[serde(default)]
    pub cpc: Vec<String>,
    /// IPC prefixes.
    #[serde(default)]
    pub ipc: Vec<String>,
    /// Assignee names (every word of one must appear in an assignee).
    #[serde(default)]
    pub assignee: Vec<String>,
    /// Country codes (`US`, `EP`).
    #[serde(default)]
    pub country: Vec<String>,
    /// Kind codes (`B2`, `A1`).
    #[serde(default)]
    pub kind: Vec<String>,
    #[serde(default)]
    pub filed: DateRangeBody,
    #[serde(default)]
    pub published: DateRangeBody,
    #[serde(default)]
    pub priority: DateRangeBody,
}

/// An inclusive date range (`YYYY-MM-DD`); either end may be left out.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateRangeBody {
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

impl From<DateRangeBody> for DateRange {
    fn from(range: DateRangeBody) -> Self {
        DateRange {
            from: range.from,
            to: range.to,
        }
    }
}

impl From<FiltersBody> for Filters {
    fn from(f: FiltersBody) -> Self {
        Filters {
            cpc: f.cpc,
            ipc: f.ipc,
            filed: f.filed.into(),
            published: f.published.into(),
            priority: f.priority.into(),
            assignee: f.assignee,
            country: f.country,
            kind: f.kind,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FusionMethod {
    /// Reciprocal rank fusion: `Σ weight / (k + rank)`.
    #[default]
    Rrf,
    /// Min-max normalised scores onto `[floor, 1]`, weighted and summed.
    Linear,
}

/// Fusion settings for hybrid search.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FusionBody {
    #[serde(default)]
    pub method: FusionMethod,
    /// RRF only: the rank constant (default 60).
    #[serde(default)]
    pub k: Option<f64>,
    /// Weight of the keyword ranking (default 1).
    #[serde(default)]
    pub keyword_weight: Option<f64>,
    /// Weight of the semantic ranking (default 1).
    #[serde(default)]
    pub semantic_weight: Option<f64>,
    /// Linear only: what the worst candidate of a list is worth (default 0.1).
    #[serde(default)]
    pub floor: Option<f64>,
}

impl FusionBody {
    pub fn to_fusion(self) -> Result<Fusion, ApiError> {
        let keyword_weight = self.keyword_weight.unwrap_or(1.0);
        let semantic_weight = self.semantic_weight.unwrap_or(1.0);
        let fusion = match self.method {
            FusionMethod::Rrf => {
                if self.floor.is_some() {
                    return Err(ApiError::bad_request(
                        "fusion.floor applies to the linear method only",
                    ));
                }
                Fusion::Rrf {
                    k: self.k.unwrap_or(patsearch_engine::fusion::DEFAULT_RRF_K),
                    keyword_weight,
                    semantic_weight,
                }
            }
            FusionMethod::Linear => {
                if self.k.is_some() {
                    return Err(ApiError::bad_request(
                        "fusion.k applies to the rrf method only",
                    ));
                }
                Fusion::Linear {
                    keyword_weight,
                    semantic_weight,
                    floor: self
                        .floor
                        .unwrap_or(patsearch_engine::fusion::DEFAULT_LINEAR_FLOOR),
                }
            }
        };
        fusion.validate().map_err(ApiError::bad_request)?;
        Ok(fusion)
    }
}

/// A page of results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The mode that ran.
    pub mode: Mode,
    pub hits: Vec<HitBody>,
    /// Keyword mode: every matching document. Semantic and hybrid modes:
    /// the documents ranked in the candidate window (what paging can reach).
    /// Families rather than documents when the request collapses them.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    /// Facet counts, when asked for (keyword and hybrid modes).
    pub facets: Option<FacetsBody>,
    /// The query's detected language; null when it has no letters or
    /// detection is off.
    pub language: Option<LanguageBody>,
    /// What the engine did differently because of the query (for example
    /// a query in another language than the keyword index ranked by the
    /// semantic side alone); null when nothing.
    #[schema(
        example = "the query looks German and the keyword index is English: ranked by meaning alone (the semantic side), without the keyword side"
    )]
    pub note: Option<String>,
    /// Time the engine took, in milliseconds.
    pub took_ms: f64,
}

/// The language detected in a query.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LanguageBody {
    /// ISO 639-3 code (`eng`, `cmn`, `deu`, `spa`, `jpn`, ...).
    #[schema(example = "deu")]
    pub code: String,
    /// The language's English name.
    #[schema(example = "German")]
    pub name: String,
    /// The script of most of the query's letters.
    #[schema(example = "Latin")]
    pub script: String,
    /// Whether the detector trusts its guess of the language.
    pub reliable: bool,
    /// Whether the (English) keyword index can match the query's words.
    pub keyword_applies: bool,
}

/// One hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HitBody {
    #[schema(example = "US8752472")]
    pub publication_number: String,
    /// Position in the whole ranking, from 1.
    pub rank: usize,
    pub title: String,
    /// One verbatim sentence of the description saying what the patent is
    /// (at most 300 characters, cut with `…`), chosen at ingest; empty
    /// when the record has no text to take it from.
    #[schema(
        example = "The present invention provides a pump with a helical rotor that moves viscous fluid without shear."
    )]
    pub gist: String,
    /// The ranking score: BM25 in keyword mode, cosine in semantic mode,
    /// the fused score in hybrid mode.
    pub score: f64,
    /// How the keyword retriever placed it; null when it did not find it.
    pub keyword: Option<ComponentBody>,
    /// How the semantic retriever placed it; null when it did not find it.
    pub semantic: Option<SemanticBody>,
    /// The query's words highlighted in the best matching field; null when
    /// highlighting is off or the query's words do not occur.
    pub snippet: Option<SnippetBody>,
    /// Similar patents only: why this one is a relative of the patent asked
    /// about (a family member or a near-duplicate); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<RelatedBody>,
    /// Publications in its family, itself included (1 when alone).
    #[schema(example = 3)]
    pub family_size: usize,
    /// The other members of its family (at most 20): with `collapse`, the
    /// publications this hit stands for.
    #[schema(example = json!(["US9286337", "US9524308"]))]
    pub family: Vec<String>,
}

/// Why a similar patent is a relative: relatives come before the
/// semantically similar patents, family members first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelatedBody {
    /// 1 when both name one application (a parent, a provisional, a
    /// priority), 2 through one more member, ...; 0 for a near-duplicate
    /// outside the family.
    pub hops: usize,
    /// The application that links them (`US61107876`, `PCTUS2013040618`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "US61107876")]
    pub application: Option<String>,
    /// Estimated share of description word 5-shingles both have (MinHash),
    /// when at least 0.8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_overlap: Option<f32>,
    /// Why, in words.
    #[schema(example = "both claim provisional application US61107876")]
    pub label: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComponentBody {
    /// Rank in this retriever's list, from 1.
    pub rank: usize,
    /// BM25 score.
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SemanticBody {
    /// Rank in the semantic list, from 1.
    pub rank: usize,
    /// Cosine similarity of the best passage with the query.
    pub score: f32,
    /// The passage that matched best.
    pub passage: PassageBody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PassageKindBody {
    TitleAbstract,
    Claim,
    Description,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassageBody {
    pub kind: PassageKindBody,
    /// The claim number, or the description paragraph's index (from 0).
    pub number: Option<u32>,
    /// For a person: `title and abstract`, `claim 1`.
    pub label: String,
    /// The start of the passage's text.
    pub text: Option<String>,
}

/// A stretch of a field with the query's words marked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SnippetBody {
    /// `title`, `abstract`, `claims` or `description`.
    pub field: String,
    /// Plain text.
    pub text: String,
    /// Byte ranges `[start, end)` of `text` to highlight (UTF-8 offsets).
    pub highlights: Vec<[usize; 2]>,
    /// `text` as HTML: `<b>` around the highlights, everything else escaped.
    pub html: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacetsBody {
    /// The ten most frequent, ties by value.
    pub cpc_subclass: Vec<FacetCountBody>,
    pub assignee: Vec<FacetCountBody>,
    pub country: Vec<FacetCountBody>,
    pub kind: Vec<FacetCountBody>,
    /// By publication year, every year counted, most recent first.
    pub year: Vec<FacetCountBody>,
    /// By filing year, every year counted, most recent first.
    pub filing_year: Vec<FacetCountBody>,
    /// Publications the counts are over. Keyword mode: every match, or the
    /// top 1,000 by keyword score when more match (the counts describe the
    /// best answers rather than everything a long natural-language query
    /// matches, and cost the same at any index size). Semantic and hybrid
    /// modes have no boolean match: their ranked candidate window (`total`,
    /// what paging can reach), each hit counted once.
    pub counted: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacetCountBody {
    pub value: String,
    pub count: u64,
    /// The CPC subclass's title, when the server was given the CPC titles
    /// (`cpc_titles`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl SearchResponse {
    pub fn from_results(results: SearchResults, offset: usize, limit: usize) -> Self {
        Self {
            mode: results.mode.into(),
            hits: results.hits.into_iter().map(HitBody::from).collect(),
            total: results.total,
            offset,
            limit,
            facets: results.facets.map(FacetsBody::from),
            language: results.language.map(|l| LanguageBody {
                code: l.code.to_string(),
                name: l.name.to_string(),
                script: l.script,
                reliable: l.reliable,
                keyword_applies: l.keyword_applies,
            }),
            note: results.note,
            took_ms: results.took.as_secs_f64() * 1e3,
        }
    }
}

impl From<Hit> for HitBody {
    fn from(hit: Hit) -> Self {
        Self {
            publication_number: hit.publication_number,
            rank: hit.rank,
            title: hit.title,
            gist: hit.gist,
            score: hit.score,
            keyword: hit.keyword.map(|c| ComponentBody {
                rank: c.rank,
                score: c.score,
            }),
            semantic: hit.semantic.map(SemanticBody::from),
            snippet: hit.snippet.map(SnippetBody::from),
            related: hit.related.map(|r| RelatedBody {
                hops: r.hops,
                application: r.application,
                text_overlap: r.text_overlap,
                label: r.label,
            }),
            family_size: hit.family_size,
            family: hit.family,
        }
    }
}

impl From<SemanticMatch> for SemanticBody {
    fn from(m: SemanticMatch) -> Self {
        let (kind, number) = match m.passage.kind {
            PassageKind::TitleAbstract => (PassageKindBody::TitleAbstract, None),
            PassageKind::Claim(n) => (PassageKindBody::Claim, Some(n)),
            PassageKind::Description(i) => (PassageKindBody::Description, Some(i)),
        };
        Self {
            rank: m.rank,
            score: m.score,
            passage: PassageBody {
                kind,
                number,
                label: m.label,
                text: m.text,
            },
        }
    }
}

impl From<Snippet> for SnippetBody {
    fn from(s: Snippet) -> Self {
        let field = match s.field {
            SnippetField::Title => "title",
            SnippetField::Abstract => "abstract",
            SnippetField::Claims => "claims",
            SnippetField::Description => "description",
        };
        Self {
            field: field.to_string(),
            highlights: s.highlights.iter().map(|&(a, b)| [a, b]).collect(),
            text: s.text,
            html: s.html,
        }
    }
}

impl From<Facets> for FacetsBody {
    fn from(f: Facets) -> Self {
        let counts = |v: Vec<FacetCount>| {
            v.into_iter()
                .map(|c| FacetCountBody {
                    value: c.value,
                    count: c.count,
                    title: None,
                })
                .collect()
        };
        Self {
            cpc_subclass: counts(f.cpc_subclass),
            assignee: counts(f.assignee),
            country: counts(f.country),
            kind: counts(f.kind),
            year: counts(f.year),
            filing_year: counts(f.filing_year),
            counted: f.counted,
        }
    }
}

/// `GET /v1/patents/{publication_number}/similar` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SimilarParams {
    /// Neighbours to return (default 10, at most the server's `max_limit`).
    pub limit: Option<usize>,
}

/// Nearest neighbours of a patent (itself excluded).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SimilarResponse {
    /// The stored publication the neighbours are of.
    pub publication_number: String,
    pub hits: Vec<HitBody>,
    pub took_ms: f64,
}

/// `POST /v1/documents`: canonical records (the JSONL interchange shape,
/// as `patsearch ingest --dump` writes and `GET /v1/patents/{number}`
/// returns), either as this object or as a bare array of records.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentsBody {
    #[schema(value_type = Vec<Object>)]
    pub documents: Vec<patsearch_record::PatentRecord>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentsResponse {
    /// Distinct documents added or replaced (a publication number the
    /// request has twice counts once).
    pub upserted: usize,
    /// The numbers written, each once, in request order.
    pub publication_numbers: Vec<String>,
    /// Documents of the request that a later one of the same request
    /// replaced (the same publication number): the last one wins.
    pub duplicates: usize,
    /// Documents in the index afterwards.
    pub documents: u64,
    pub took_ms: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeleteResponse {
    /// The number asked for (without a kind: every kind of it was deleted).
    pub deleted: String,
    /// Documents in the index afterwards.
    pub documents: u64,
    pub took_ms: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadyResponse {
    /// `ready`, or `not_ready` with a `reason`.
    pub status: String,
    pub reason: Option<String>,
    /// Documents in the index.
    pub documents: u64,
    /// Vectors in the vector index; null for a keyword-only index.
    pub vectors: Option<u64>,
    /// The embedding model loaded for queries, when the index has vectors.
    pub model: Option<String>,
    /// Whether writes are enabled (an API key is configured).
    pub writes: bool,
    /// Whether every document is in both the keyword and the vector index,
    /// once (always true for a keyword-only index without duplicates). An
    /// incomplete index still serves: keyword search sees every document,
    /// semantic search misses those without vectors.
    pub complete: bool,
    /// Documents of the keyword index without vectors.
    pub documents_without_vectors: u64,
    /// What is amiss when the index is incomplete.
    pub incomplete: Option<String>,
}

/// Hits per page when a request does not say.
pub const DEFAULT_LIMIT: usize = 10;
