//! The chart's quotes: for the first hits, the best piece (sentence clause,
//! claim element) of the passages that may state each element, the distinct
//! pieces of all of them embedded together in one call within a budget of
//! estimated tokens.

use std::collections::{HashMap, HashSet};

use patsearch_record::PatentRecord;
use patsearch_summary::{estimate_tokens, quote_pieces, Span, Split};
use patsearch_vectors::PassageKind;

use super::{shown_text, ElementMatch, PriorArtHit, Quote};
use crate::passages::{passage_of, passage_text};
use crate::{Engine, EngineError};

/// Estimated tokens the quotes of one request may embed, so that quoting
/// stays a small part of a search's cost: quoting stops at the hit that
/// would exceed it. Distinct pieces count once.
const REFINE_TOKEN_BUDGET: usize = 300;
/// The first hit's quotes may use this many: every element of the best
/// document should be quoted, and its passages may be several long claims.
/// Its passages are taken in element order while they fit.
const FIRST_HIT_TOKEN_BUDGET: usize = 800;

/// A passage of a hit, cut into the pieces it may be quoted by.
struct Quotable {
    kind: PassageKind,
    text: String,
    pieces: Vec<Span>,
}

/// What the budget admits: per hit from the first, the passages it may
/// quote; and the distinct piece texts to embed.
#[derive(Default)]
struct Plan {
    passages: Vec<Vec<Quotable>>,
    to_embed: HashSet<String>,
}

impl Engine {
    /// Fills [`ElementMatch::quote`] for the first `refine` hits, as far as
    /// the budget goes (see [`plan`]): the best piece of the passages that
    /// may state each element.
    pub(super) fn quote_best_sentences(
        &self,
        hits: &mut [PriorArtHit],
        records: &[PatentRecord],
        element_vectors: &[Vec<f32>],
        refine: usize,
    ) -> Result<(), EngineError> {
        let Some(embedder) = self.embedder.as_deref() else {
            return Ok(());
        };
        let plan = plan(hits, records, refine);
        // One batched call for every distinct piece, in a fixed order.
        let mut texts: Vec<&str> = plan.to_embed.iter().map(String::as_str).collect();
        texts.sort_unstable();
        let vectors = if texts.is_empty() {
            Vec::new()
        } else {
            let prompted = crate::prompts::as_passages(embedder, &texts);
            let prompted: Vec<&str> = prompted.iter().map(String::as_str).collect();
            embedder.embed(&prompted)?
        };
        let vector_of: HashMap<&str, &[f32]> = texts
            .iter()
            .zip(&vectors)
            .map(|(t, v)| (*t, v.as_slice()))
            .collect();
        for ((hit, passages), record) in hits.iter_mut().zip(&plan.passages).zip(records) {
            for m in &mut hit.mapping {
                let e = &element_vectors[m.element];
                let Some((kind, quote)) = best_quote(m, e, passages, &vector_of) else {
                    continue;
                };
                if kind != m.passage.kind {
                    if let Some(passage) = passage_of(record, kind) {
                        m.label = kind.to_string();
                        m.text = shown_text(record, kind);
                        m.passage = passage;
                    }
                }
                m.quote = Some(quote);
            }
        }
        Ok(())
    }
}

/// Which passages of the first `refine` hits are quoted: of each hit, its
/// elements' best passages, and the abstract and independent claims too (a
/// whole paragraph may match an element best while the abstract or a claim
/// limitation states it). The first hit is always quoted, passage by
/// passage while its pieces fit [`FIRST_HIT_TOKEN_BUDGET`]; each later hit
/// whole, while all the pieces so far fit [`REFINE_TOKEN_BUDGET`]. A piece
/// already counted (claims of one patent often repeat their limitations
/// word for word) costs nothing.
fn plan(hits: &[PriorArtHit], records: &[PatentRecord], refine: usize) -> Plan {
    let mut plan = Plan::default();
    let mut tokens = 0;
    for (h, (hit, record)) in hits.iter().zip(records).enumerate().take(refine) {
        let wanted = quotable_passages(hit, record);
        if h == 0 {
            let mut admitted = Vec::new();
            for passage in wanted {
                let (new, cost) = new_texts(&[&passage], &plan.to_embed);
                if tokens == 0 || tokens + cost <= FIRST_HIT_TOKEN_BUDGET {
                    tokens += cost;
                    plan.to_embed.extend(new);
                    admitted.push(passage);
                }
            }
            plan.passages.push(admitted);
        } else {
            let all: Vec<&Quotable> = wanted.iter().collect();
            let (new, cost) = new_texts(&all, &plan.to_embed);
            if tokens + cost > REFINE_TOKEN_BUDGET {
                break;
            }
            tokens += cost;
            plan.to_embed.extend(new);
            plan.passages.push(wanted);
        }
    }
    plan
}

/// A hit's passages that may be quoted, each once, in order: its elements'
/// best passages, the title and abstract, the independent claims.
fn quotable_passages(hit: &PriorArtHit, record: &PatentRecord) -> Vec<Quotable> {
    let kinds = hit
        .mapping
        .iter()
        .map(|m| m.passage.kind)
        .chain([PassageKind::TitleAbstract])
        .chain(
            record
                .independent_claims()
                .map(|c| PassageKind::Claim(c.number)),
        );
    let mut wanted: Vec<Quotable> = Vec::new();
    for kind in kinds {
        if wanted.iter().any(|w| w.kind == kind) {
            continue;
        }
        let Some(text) = passage_text(record, kind) else {
            continue;
        };
        let split = match kind {
            PassageKind::Claim(_) => Split::Claim,
            PassageKind::TitleAbstract | PassageKind::Description(_) => Split::Sentences,
        };
        let pieces = quote_pieces(&text, split);
        wanted.push(Quotable { kind, text, pieces });
    }
    wanted
}

/// The piece texts `passages` add to `known`, and their estimated tokens;
/// none for a passage of one piece, which is its own quote.
fn new_texts(passages: &[&Quotable], known: &HashSet<String>) -> (Vec<String>, usize) {
    let mut new: Vec<String> = Vec::new();
    for passage in passages {
        if passage.pieces.len() < 2 {
            continue;
        }
        for s in &passage.pieces {
            let t = s.text(&passage.text);
            if !known.contains(t) && !new.iter().any(|n| n == t) {
                new.push(t.to_string());
            }
        }
    }
    let cost: usize = new.iter().map(|t| estimate_tokens(t)).sum();
    (new, cost)
}

/// The best quote of an element (vector `e`) among a hit's quotable
/// passages, and the passage it is from. A passage of one piece is its own
/// quote, with the element's similarity to its stored vector, known only
/// for the element's best passage. Ties go to the element's best passage,
/// then to the passage first in order.
fn best_quote(
    m: &ElementMatch,
    e: &[f32],
    passages: &[Quotable],
    vector_of: &HashMap<&str, &[f32]>,
) -> Option<(PassageKind, Quote)> {
    let mut best: Option<(PassageKind, Quote)> = None;
    for Quotable { kind, text, pieces } in passages {
        let candidate = match pieces.as_slice() {
            [] => continue,
            [only] if *kind == m.passage.kind => Quote {
                text: only.text(text).to_string(),
                range: *only,
                similarity: m.similarity,
            },
            [_] => continue,
            pieces => {
                let Some((span, similarity)) = pieces
                    .iter()
                    .filter_map(|s| {
                        vector_of
                            .get(s.text(text))
                            .map(|v| (s, patsearch_simd::dot(e, v)))
                    })
                    .fold(None, |acc: Option<(&Span, f32)>, (s, sim)| match acc {
                        Some((_, best)) if best >= sim => acc,
                        _ => Some((s, sim)),
                    })
                else {
                    continue;
                };
                Quote {
                    text: span.text(text).to_string(),
                    range: *span,
                    similarity,
                }
            }
        };
        let better = match &best {
            None => true,
            Some((best_kind, q)) => {
                candidate.similarity > q.similarity
                    || (candidate.similarity == q.similarity
                        && *kind == m.passage.kind
                        && *best_kind != m.passage.kind)
            }
        };
        if better {
            best = Some((*kind, candidate));
        }
    }
    best
}
