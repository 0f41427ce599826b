//! Whether the two indexes of a directory hold the same documents, and the
//! pairing of their commits that keeps them so.
//!
//! An [`Indexer`](crate::Indexer) commit writes a new vector generation
//! first, keeping the one before it (`VectorIndex::stage`), then commits the
//! keyword index with a payload naming that generation: the keyword commit
//! is the commit point of both. Opening loads the vector generation the
//! keyword index's last commit names, so a crash between the two commits
//! (or a failed keyword commit) leaves the index as of the commit before,
//! on both sides. An index whose last keyword commit names no generation
//! (written by a build before this pairing, or never committed) or names one
//! missing from disk is checked document by document ([`IndexCheck`]), and
//! a writer repairs what the check finds.

use std::collections::HashSet;
use std::path::Path;

use patsearch_keyword::{KeywordIndex, KeywordWriter};
use patsearch_record::PublicationNumber;
use patsearch_vectors::VectorIndex;

use crate::EngineError;

/// What a consistency check of an index directory found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexCheck {
    /// Documents in the keyword index.
    pub documents: u64,
    /// Documents in the vector index; `None` for a keyword-only index.
    pub vector_documents: Option<u64>,
    /// Whether the vectors loaded are the generation the keyword index's
    /// last commit names (always true for a keyword-only index whose last
    /// commit was paired).
    pub paired: bool,
    /// Whether the documents were compared one by one (done when the
    /// commits are not paired or the counts differ; otherwise the pairing
    /// vouches for the sets being the same).
    pub compared: bool,
    /// Keyword documents without vectors (semantic search misses them).
    pub missing_vectors: Vec<PublicationNumber>,
    /// Vector documents without a keyword record.
    pub orphan_vectors: Vec<PublicationNumber>,
    /// Kindless documents stored beside a kind of the same number
    /// (`US8752472` beside `US8752472B2`): one publication twice.
    pub duplicates: Vec<PublicationNumber>,
}

impl IndexCheck {
    /// Whether every document is in both indexes, once.
    pub fn is_complete(&self) -> bool {
        self.missing_vectors.is_empty()
            && self.orphan_vectors.is_empty()
            && self.duplicates.is_empty()
    }

    /// A one-line account of what is wrong (empty when complete).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.missing_vectors.is_empty() {
            parts.push(format!(
                "{} documents without vectors",
                self.missing_vectors.len()
            ));
        }
        if !self.orphan_vectors.is_empty() {
            parts.push(format!(
                "{} vector documents without a record",
                self.orphan_vectors.len()
            ));
        }
        if !self.duplicates.is_empty() {
            parts.push(format!(
                "{} kindless duplicates of a kinded publication",
                self.duplicates.len()
            ));
        }
        parts.join(", ")
    }
}

const PAYLOAD_PREFIX: &str = "{\"patsearch\":1,\"vector_generation\":";

/// The keyword commit payload naming vector generation `generation`
/// (`None`: a keyword-only index).
pub(crate) fn encode_payload(generation: Option<u64>) -> String {
    match generation {
        Some(g) => format!("{PAYLOAD_PREFIX}{g}}}"),
        None => format!("{PAYLOAD_PREFIX}null}}"),
    }
}

/// What the last keyword commit says: `None` when it was not a paired
/// commit; `Some(None)` for a keyword-only index; `Some(Some(g))` when it
/// goes with vector generation `g`.
pub(crate) fn paired_generation(
    keyword: &KeywordIndex,
) -> Result<Option<Option<u64>>, EngineError> {
    let Some(payload) = keyword.commit_payload()? else {
        return Ok(None);
    };
    let Some(rest) = payload
        .strip_prefix(PAYLOAD_PREFIX)
        .and_then(|r| r.strip_suffix('}'))
    else {
        return Ok(None);
    };
    Ok(match rest {
        "null" => Some(None),
        digits => digits.parse().ok().map(Some),
    })
}

/// Whether `vectors` are the generation the keyword commit names.
pub(crate) fn is_paired(pairing: Option<Option<u64>>, vectors: Option<&VectorIndex>) -> bool {
    match (pairing, vectors) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(at), Some(v)) => at.unwrap_or(0) == v.generation(),
    }
}

/// Checks the two indexes: cheaply (counts) when `paired`, document by
/// document otherwise or when the counts differ.
pub(crate) fn check(
    keyword: &KeywordIndex,
    vectors: Option<&VectorIndex>,
    paired: bool,
) -> Result<IndexCheck, EngineError> {
    let mut out = IndexCheck {
        documents: keyword.num_docs(),
        vector_documents: vectors.map(|v| v.num_docs() as u64),
        paired,
        ..IndexCheck::default()
    };
    let counts_agree = out.vector_documents.is_none_or(|n| n == out.documents);
    if paired && counts_agree {
        return Ok(out);
    }
    out.compared = true;
    let numbers = keyword.numbers()?;
    out.duplicates = kindless_duplicates(&numbers);
    if let Some(vectors) = vectors {
        let stored: HashSet<&PublicationNumber> = numbers.iter().collect();
        out.missing_vectors = numbers
            .iter()
            .filter(|n| !vectors.contains(n))
            .cloned()
            .collect();
        out.orphan_vectors = vectors
            .numbers()
            .filter(|n| !stored.contains(n))
            .cloned()
            .collect();
    }
    out.missing_vectors.sort();
    out.orphan_vectors.sort();
    Ok(out)
}

/// Keyword writer memory for a commit that adds no document.
const PAIRING_WRITER_BYTES: usize = 32 * 1024 * 1024;

/// The one commit protocol of the two indexes: `vectors`' generation is
/// staged, the keyword index commits with a payload naming it, then the
/// generation settles; when any step fails the keyword writer has rolled
/// back and the staged generation is taken back.
pub(crate) fn commit_pair(
    writer: &mut KeywordWriter,
    mut vectors: Option<&mut VectorIndex>,
) -> Result<(), EngineError> {
    let committed = writer.commit_with(|| -> Result<Option<String>, EngineError> {
        let generation = match vectors.as_deref_mut() {
            Some(v) => Some(v.stage()?),
            None => None,
        };
        Ok(Some(encode_payload(generation)))
    });
    match (committed, vectors) {
        (Ok(()), Some(vectors)) => {
            vectors.settle();
            Ok(())
        }
        (Ok(()), None) => Ok(()),
        (Err(e), Some(vectors)) => {
            if let Err(unstaged) = vectors.unstage() {
                tracing::warn!("vector index: taking the staged generation back: {unstaged}");
            }
            Err(e)
        }
        (Err(e), None) => Err(e),
    }
}

/// Makes `vectors`, written in the index directory `root` outside an
/// [`Indexer`](crate::Indexer) (vectors computed elsewhere, or a
/// benchmark's structured ones), the vector side of the directory's keyword
/// index by the indexers' commit protocol (a keyword commit that adds no
/// document). The caller keeps the two indexes' documents the same: the
/// next open checks the counts, and compares document by document when
/// they differ.
pub fn commit_vectors_paired(root: &Path, vectors: &mut VectorIndex) -> Result<(), EngineError> {
    let keyword = KeywordIndex::open(root)?;
    let mut writer = keyword.writer(PAIRING_WRITER_BYTES)?;
    commit_pair(&mut writer, Some(vectors))?;
    writer.finish()?;
    Ok(())
}

/// Kindless numbers that have a kinded form of the same number beside them.
fn kindless_duplicates(numbers: &[PublicationNumber]) -> Vec<PublicationNumber> {
    let kinded: HashSet<String> = numbers
        .iter()
        .filter(|n| n.kind().is_some())
        .map(PublicationNumber::base)
        .collect();
    let mut out: Vec<PublicationNumber> = numbers
        .iter()
        .filter(|n| n.kind().is_none() && kinded.contains(&n.base()))
        .cloned()
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_through_their_text() {
        for generation in [None, Some(0), Some(17)] {
            let text = encode_payload(generation);
            let rest = text
                .strip_prefix(PAYLOAD_PREFIX)
                .and_then(|r| r.strip_suffix('}'))
                .unwrap();
            let back = match rest {
                "null" => None,
                d => Some(d.parse::<u64>().unwrap()),
            };
            assert_eq!(back, generation, "{text}");
        }
    }

    #[test]
    fn a_kindless_number_beside_a_kind_of_it_is_a_duplicate() {
        let numbers: Vec<PublicationNumber> = [
            "US8752472",
            "US8752472B2",
            "US1111111",
            "EP1234567A1",
            "EP1234567B1",
        ]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
        assert_eq!(
            kindless_duplicates(&numbers),
            vec!["US8752472".parse::<PublicationNumber>().unwrap()]
        );
    }
}
