//! `GET /v1/patents/{publication_number}/summary`: a grounded summary (verbatim
//! sentences of the patent, each with its source) and the key facts, with
//! its wire types.

use axum::extract::State;
use axum::Json;
use patsearch_engine::{
    Detection, KeyFact, Part, Section, SourceSentence, Summary, SummaryMethod, SummaryRequest,
    SummarySentence, DEFAULT_SUMMARY_SENTENCES, MAX_SUMMARY_SENTENCES,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiQuery};
use crate::patents::parse_number;
use crate::state::AppState;
use crate::work::Lane;

/// `GET /v1/patents/{publication_number}/summary` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// Focus the summary on this: the sentences most similar to it come
    /// first (needs the embedding model).
    pub query: Option<String>,
    /// Sentences in the summary (default 5, at most 50).
    pub sentences: Option<usize>,
}

/// Where a sentence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionBody {
    Abstract,
    Description,
    Claims,
}

/// The part of the description a paragraph belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartBody {
    Administrative,
    Field,
    Background,
    Problem,
    Summary,
    Drawings,
    Detailed,
}

/// How the description's parts were found: from its headings, or (a
/// description without headings) from cue phrases, which is less certain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DetectionBody {
    Headings,
    Cues,
}

/// How the sentences were chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SummaryMethodBody {
    /// Focused on the query: Maximal Marginal Relevance over sentence
    /// embeddings.
    Mmr,
    /// What the invention is: the description's sentences by centrality
    /// against the claims and the summary part, with part and cue weights,
    /// redundancy removed, in reading order (the abstract is left out: it
    /// is shown beside the summary).
    Invention,
    /// The description has nothing to quote: the first sentences of the
    /// abstract and the first claim.
    Lead,
}

/// A sentence quoted verbatim from the patent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceSentenceBody {
    /// The sentence, exactly as in the source.
    pub text: String,
    pub section: SectionBody,
    /// The description part, when known.
    pub part: Option<PartBody>,
    /// The paragraph: the description paragraph's number as printed
    /// (`0012`) or its position from 1; the claim number; `abstract`.
    #[schema(example = "0012")]
    pub paragraph: String,
    /// Index from 0 into the record's `description` or `claims` (0 for the
    /// abstract).
    pub index: usize,
    /// Byte range `[start, end)` of `text` in that paragraph, claim or
    /// abstract (UTF-8 offsets).
    pub range: [usize; 2],
}

/// A sentence of the summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummarySentenceBody {
    #[serde(flatten)]
    pub source: SourceSentenceBody,
    /// `mmr`: cosine with the query; `invention`: the sentence's score
    /// (centrality times part and cue weights); null for `lead`.
    pub relevance: Option<f32>,
}

/// A fact in the patent's own sentences.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyFactBody {
    /// One or two sentences, in document order.
    pub sentences: Vec<SourceSentenceBody>,
    pub detection: DetectionBody,
}

/// A claim.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimBody {
    pub number: u32,
    pub text: String,
}

/// Key facts as the patent states them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyFactsBody {
    /// The technical problem (from the background, or a problem or summary
    /// section); null when the description states none.
    pub problem: Option<KeyFactBody>,
    /// The solution (from the summary, or the sentences that present the
    /// invention where the description has no headings); null when no
    /// sentence states it.
    pub solution: Option<KeyFactBody>,
    /// The effect: the advantage the description ascribes to the
    /// invention; null when no sentence states one.
    pub effect: Option<KeyFactBody>,
    /// The first independent claim.
    pub first_claim: Option<ClaimBody>,
    pub cpc: Vec<String>,
    pub ipc: Vec<String>,
}

/// A grounded summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummaryResponse {
    #[schema(example = "US8799651")]
    pub publication_number: String,
    pub title: String,
    /// The query the summary is focused on.
    pub query: Option<String>,
    pub method: SummaryMethodBody,
    /// With a query: the most relevant first. Without: in reading order.
    pub sentences: Vec<SummarySentenceBody>,
    /// Candidate sentences considered.
    pub candidates: usize,
    pub key_facts: KeyFactsBody,
    pub took_ms: f64,
}

impl From<SourceSentence> for SourceSentenceBody {
    fn from(s: SourceSentence) -> Self {
        Self {
            text: s.text,
            section: match s.section {
                Section::Abstract => SectionBody::Abstract,
                Section::Description => SectionBody::Description,
                Section::Claims => SectionBody::Claims,
            },
            part: s.part.map(|p| match p {
                Part::Administrative => PartBody::Administrative,
                Part::Field => PartBody::Field,
                Part::Background => PartBody::Background,
                Part::Problem => PartBody::Problem,
                Part::Summary => PartBody::Summary,
                Part::Drawings => PartBody::Drawings,
                Part::Detailed => PartBody::Detailed,
            }),
            paragraph: s.paragraph,
            index: s.index,
            range: [s.range.start, s.range.end],
        }
    }
}

impl From<SummarySentence> for SummarySentenceBody {
    fn from(s: SummarySentence) -> Self {
        Self {
            source: s.source.into(),
            relevance: s.relevance,
        }
    }
}

impl From<KeyFact> for KeyFactBody {
    fn from(f: KeyFact) -> Self {
        Self {
            sentences: f.sentences.into_iter().map(Into::into).collect(),
            detection: match f.detection {
                Detection::Headings => DetectionBody::Headings,
                Detection::Cues => DetectionBody::Cues,
            },
        }
    }
}

impl From<Summary> for SummaryResponse {
    fn from(s: Summary) -> Self {
        Self {
            publication_number: s.publication_number.to_string(),
            title: s.title,
            query: s.query,
            method: match s.method {
                SummaryMethod::Mmr => SummaryMethodBody::Mmr,
                SummaryMethod::Invention => SummaryMethodBody::Invention,
                SummaryMethod::Lead => SummaryMethodBody::Lead,
            },
            sentences: s.sentences.into_iter().map(Into::into).collect(),
            candidates: s.candidates,
            key_facts: KeyFactsBody {
                problem: s.key_facts.problem.map(Into::into),
                solution: s.key_facts.solution.map(Into::into),
                effect: s.key_facts.effect.map(Into::into),
                first_claim: s.key_facts.first_claim.map(|c| ClaimBody {
                    number: c.number,
                    text: c.text,
                }),
                cpc: s.key_facts.cpc,
                ipc: s.key_facts.ipc,
            },
            took_ms: s.took.as_secs_f64() * 1e3,
        }
    }
}

/// A grounded summary of a patent: sentences of its own abstract,
/// description and claims, chosen by embedding centrality (or, with
/// `query`, relevance to it) with redundancy removed, each verbatim with its
/// section, paragraph and byte range; and the key facts beside it (the
/// technical problem and the solution as the description states them, the
/// first independent claim, the classification codes).
#[utoipa::path(
    get,
    path = "/v1/patents/{publication_number}/summary",
    tag = "patents",
    params(
        ("publication_number" = String, Path, description = "A publication number (`US8752472`, `US8752472B2`)"),
        SummaryParams,
    ),
    responses(
        (status = 200, description = "The summary and key facts", body = SummaryResponse),
        (status = 400, description = "`bad_request` (a bad number, `sentences` of 0, a query on an index without a model), `limit_too_large` (`sentences` above 50), `query_too_long`", body = ErrorBody),
        (status = 401, description = "`unauthorized` (when reads need the API key)", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 422, description = "`unknown_field`", body = ErrorBody),
        (status = 429, description = "`overloaded`: the server's queue is full; retry after `Retry-After` seconds", body = ErrorBody),
        (status = 503, description = "`timeout`, `model_unavailable`, `index_unavailable`", body = ErrorBody),
    ),
    security((), ("bearer" = []), ("api_key" = [])),
)]
pub async fn summary(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
    ApiQuery(params): ApiQuery<SummaryParams>,
) -> Result<Json<SummaryResponse>, ApiError> {
    let number = parse_number(&number)?;
    let sentences = params.sentences.unwrap_or(DEFAULT_SUMMARY_SENTENCES);
    if sentences == 0 {
        return Err(ApiError::bad_request("sentences must be at least 1"));
    }
    if sentences > MAX_SUMMARY_SENTENCES {
        return Err(ApiError::new(
            ErrorCode::LimitTooLarge,
            format!("sentences {sentences} is above the maximum of {MAX_SUMMARY_SENTENCES}"),
        ));
    }
    if let Some(query) = &params.query {
        let chars = query.chars().count();
        let max = state.config().max_query_chars;
        if chars > max {
            return Err(ApiError::new(
                ErrorCode::QueryTooLong,
                format!("the query has {chars} characters; the server accepts at most {max}"),
            ));
        }
    }
    let request = SummaryRequest {
        sentences,
        query: params.query,
        ..SummaryRequest::default()
    };
    let engine = state.engine();
    let summary = state
        .read(Lane::Heavy, move |cancel| {
            let request = SummaryRequest {
                cancel: cancel.clone(),
                ..request
            };
            Ok(engine.summarize(&number, &request)?)
        })
        .await?;
    Ok(Json(summary.into()))
}
