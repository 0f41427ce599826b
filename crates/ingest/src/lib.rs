//! Patent file ingest: formats and containers in, canonical records out.
//!
//! This crate owns everything between bytes on disk and
//! [`patsearch_record::PatentRecord`]: opening files, directories and archives
//! (zip, gzip, zstd) as streams; splitting weekly files of concatenated XML
//! documents; recognising each document's format; parsing USPTO XML (v4.x
//! grants and applications, pre-2005 pap v1.x and ST.32 v2.5), EPO
//! `ep-patent-document` XML and JSONL; and reporting every document it cannot
//! read with its file, position and publication number. It knows nothing of
//! indexes: callers receive records through [`run`] (parallel, streamed, in
//! input order) or parse single documents with [`parse_xml_document`].

mod claim_markup;
mod classes;
mod crossref;
mod description;
mod entities;
mod epo;
mod jsonl;
mod legacy_text;
mod pap;
mod pipeline;
mod source;
mod st32;
mod st36;
mod uspto;
mod xml;

use std::fmt;

use patsearch_record::{NumberError, PatentRecord};

pub use pipeline::{run, Event, IngestOptions, Progress, Summary};
pub use source::{total_input_bytes, UnsupportedFormat};

/// Where a document sits: the file (or `archive.zip!member`) and its position, from 1.
#[derive(Debug, Clone, Copy)]
pub struct DocContext<'a> {
    pub file: &'a str,
    pub ordinal: u64,
}

/// A document that parsed but is not a patent (a sequence listing, a report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonPatent {
    pub what: String,
}

/// What one document turned into.
#[derive(Debug)]
pub enum Parsed {
    Record(Box<PatentRecord>),
    NonPatent(NonPatent),
}

/// Why a document was not ingested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("not well-formed XML: {0}")]
    MalformedXml(String),
    #[error("unknown document type <{0}>")]
    UnknownDocumentType(String),
    #[error("missing {0}")]
    MissingField(&'static str),
    #[error("bad publication number: {0}")]
    BadNumber(#[from] NumberError),
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("unsupported format: {0} (convert it to USPTO XML or JSONL first)")]
    Unsupported(UnsupportedFormat),
    #[error("document larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// Entities declared in the document's own DTD grow it past the
    /// per-document limit (a 100 KB entity referenced 20,000 times).
    #[error("entity expansion exceeds the {} document limit", size(*limit))]
    EntityExpansion { limit: usize },
    /// Elements or containers (a gzip inside a zip inside ...) nested deeper
    /// than any real file does; walking them would exhaust the stack.
    #[error("{what} nested deeper than {limit} levels")]
    TooDeep { what: &'static str, limit: usize },
    /// A directory that contains itself (through a symlink or bind mount):
    /// followed, it would never end.
    #[error("directory loop: leads back to {0}, already being read")]
    DirectoryLoop(String),
    #[error("cannot read input: {0}")]
    Io(String),
    #[error("parser failure (a bug, please report it): {0}")]
    Internal(String),
}

impl DocError {
    /// A stable, short name for counting skips by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            DocError::MalformedXml(_) => "malformed-xml",
            DocError::UnknownDocumentType(_) => "unknown-document-type",
            DocError::MissingField(_) => "missing-field",
            DocError::BadNumber(_) => "bad-publication-number",
            DocError::InvalidJson(_) => "invalid-json",
            DocError::Unsupported(_) => "unsupported-format",
            DocError::TooLarge { .. } => "too-large",
            DocError::EntityExpansion { .. } => "entity-expansion",
            DocError::TooDeep { .. } => "too-deep",
            DocError::DirectoryLoop(_) => "directory-loop",
            DocError::Io(_) => "io-error",
            DocError::Internal(_) => "internal-error",
        }
    }
}

/// `bytes` in the unit people set limits in.
fn size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// A document that was skipped, with everything needed to find it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub file: String,
    /// Position of the document in its file, from 1; 0 when the whole file failed.
    pub ordinal: u64,
    pub publication_number: Option<String>,
    pub error: DocError,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.ordinal > 0 {
            write!(f, " document #{}", self.ordinal)?;
        }
        if let Some(number) = &self.publication_number {
            write!(f, " ({number})")?;
        }
        write!(f, ": {}", self.error)
    }
}

/// Parses one XML document (USPTO or EPO, any supported version).
///
/// Entity expansion is bounded by the default per-document limit
/// ([`IngestOptions::default`]'s `max_document_bytes`).
pub fn parse_xml_document(bytes: &[u8], ctx: DocContext<'_>) -> Result<Parsed, DocError> {
    parse_xml_document_within(bytes, ctx, pipeline::DEFAULT_MAX_DOCUMENT_BYTES)
}

/// [`parse_xml_document`] with the text after entity expansion held to `limit` bytes.
pub(crate) fn parse_xml_document_within(
    bytes: &[u8],
    ctx: DocContext<'_>,
    limit: usize,
) -> Result<Parsed, DocError> {
    let prepared = xml::prepare(bytes, limit)?;
    let text = &prepared.text;
    let repaired;
    let parsed = match xml::parse(text) {
        Ok(doc) => Ok(doc),
        // Rarely, text holds a bare `<`: repair and retry only then, so clean
        // documents never pay for the extra pass.
        Err(e) => match xml::escape_stray_lt(text) {
            Some(fixed) => {
                repaired = fixed;
                xml::parse(&repaired).map_err(|_| e)
            }
            None => Err(e),
        },
    };
    let doc = parsed.map_err(|e| {
        if memchr::memmem::find(
            &bytes[..bytes.len().min(4096)],
            b"ST.32 US PATENT GRANT V2.4",
        )
        .is_some()
        {
            DocError::Unsupported(UnsupportedFormat::Sgml)
        } else {
            DocError::MalformedXml(xml::describe_error(&e, prepared.lines_before))
        }
    })?;
    // The tree is built without recursion, but the readers below walk it
    // recursively, so depth must be bounded before they see it.
    if xml::nesting_exceeds(&doc, xml::MAX_ELEMENT_DEPTH) {
        return Err(DocError::TooDeep {
            what: "elements",
            limit: xml::MAX_ELEMENT_DEPTH,
        });
    }
    let root = doc.root_element();
    let name = root.tag_name().name();
    let record = match name {
        "us-patent-grant" | "us-patent-application" => uspto::parse(root, ctx)?,
        "patent-application-publication" => pap::parse(root, ctx)?,
        "PATDOC" => st32::parse(root, ctx)?,
        "ep-patent-document" => epo::parse(root, ctx)?,
        "sequence-cwu" => {
            return Ok(Parsed::NonPatent(NonPatent {
                what: "sequence listing".into(),
            }))
        }
        "html" | "HTML" => {
            return Ok(Parsed::NonPatent(NonPatent {
                what: "HTML report".into(),
            }))
        }
        "CPCMasterClassificationFile" | "class-scheme" | "classification-scheme" => {
            return Ok(Parsed::NonPatent(NonPatent {
                what: "classification scheme".into(),
            }))
        }
        "ClaimsDocument" | "SpecificationDocument" | "AbstractDocument" => {
            return Err(DocError::Unsupported(UnsupportedFormat::Xml4Ip))
        }
        "world-patent-data" => return Err(DocError::Unsupported(UnsupportedFormat::EpoOps)),
        other => return Err(DocError::UnknownDocumentType(other.to_string())),
    };
    Ok(Parsed::Record(Box::new(record)))
}

/// Parses one JSONL line: a canonical record, or a line of the
/// patents-2013 corpus shape.
pub fn parse_json_line(line: &[u8], ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    jsonl::parse(line, ctx)
}

/// Best-effort publication number of a document that failed to parse, read
/// from its raw text, so the report can name it.
pub fn sniff_publication_number(bytes: &[u8]) -> Option<String> {
    source::sniff_publication_number(bytes)
}
