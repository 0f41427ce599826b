//! JSONL input: one record per line, either in the canonical shape (what
//! `patsearch ingest --dump` writes) or in the flat shape of the patents-2013
//! corpus (`assignee` as a string, `filing_date`, `description` as one text).

use patsearch_record::{
    parse_date, DocumentRef, Paragraph, Party, PatentRecord, PublicationNumber, SourceRef,
};
use serde::Deserialize;

use crate::{DocContext, DocError};

/// The flat corpus shape. Unknown fields are ignored so that exports from
/// other tools with extra columns still load.
#[derive(Deserialize)]
struct FlatRecord {
    publication_number: String,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default, rename = "abstract")]
    abstract_text: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    assignee_city: Option<String>,
    #[serde(default)]
    assignee_country: Option<String>,
    #[serde(default)]
    filing_date: Option<String>,
    #[serde(default)]
    publication_date: Option<String>,
    #[serde(default)]
    source_file: Option<String>,
}

pub(crate) fn parse(line: &[u8], ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    // The canonical shape is strict (unknown fields rejected), so a flat line
    // never half-parses as canonical: try it first only when it looks canonical.
    let looks_canonical = memchr::memmem::find(line, b"\"source\"").is_some()
        || memchr::memmem::find(line, b"\"claims\"").is_some()
        || memchr::memmem::find(line, b"\"assignees\"").is_some()
        || memchr::memmem::find(line, b"\"application\"").is_some();
    if looks_canonical {
        if let Ok(mut record) = serde_json::from_slice::<PatentRecord>(line) {
            if record.source.is_none() {
                record.source = Some(source(ctx, None));
            }
            return Ok(record);
        }
    }
    let flat: FlatRecord =
        serde_json::from_slice(line).map_err(|e| DocError::InvalidJson(e.to_string()))?;
    from_flat(flat, ctx)
}

fn source(ctx: DocContext<'_>, original: Option<String>) -> SourceRef {
    let file = match original {
        Some(orig) => format!("{} ({orig})", ctx.file),
        None => ctx.file.to_string(),
    };
    SourceRef {
        file,
        ordinal: ctx.ordinal,
        format: Some("jsonl".into()),
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn from_flat(flat: FlatRecord, ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    let default_country = non_empty(flat.country.clone()).unwrap_or_else(|| "US".into());
    let mut number =
        PublicationNumber::parse_with_default(&flat.publication_number, &default_country)?;
    if let Some(kind) = non_empty(flat.kind) {
        number = number.with_kind(Some(&kind));
    }
    let mut record = PatentRecord::new(number);
    record.title = non_empty(flat.title).unwrap_or_default();
    record.abstract_text = non_empty(flat.abstract_text).unwrap_or_default();
    record.publication_date = flat.publication_date.as_deref().and_then(parse_date);
    if let Some(date) = flat.filing_date.as_deref().and_then(parse_date) {
        record.application = Some(DocumentRef {
            country: Some(record.country.clone()),
            number: String::new(),
            kind: None,
            date: Some(date),
        });
    }
    if let Some(name) = non_empty(flat.assignee) {
        record.assignees.push(Party {
            name,
            city: non_empty(flat.assignee_city),
            country: non_empty(flat.assignee_country),
        });
    }
    if let Some(description) = flat.description {
        record.description = description
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| Paragraph {
                number: None,
                heading: None,
                text: p.to_string(),
            })
            .collect();
    }
    let references = crate::crossref::cross_references(&record.description);
    record.related_documents = references.related;
    record.priority_claims = references.priorities;
    record.lang = Some("en".into());
    record.source = Some(source(ctx, non_empty(flat.source_file)));
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: DocContext<'static> = DocContext {
        file: "corpus.jsonl",
        ordinal: 3,
    };

    #[test]
    fn flat_corpus_line() {
        let line = br#"{"publication_number":"US8799651","country":"US","kind":null,"title":"Method and system for encrypted file access","abstract":"A method.","description":"First para.\n\nSecond para.","assignee":"International Business Machines Corporation","assignee_city":"Armonk","assignee_country":"US","filing_date":"2013-01-01","source_file":"2013-01-01-x.markdown"}"#;
        let r = parse(line, CTX).unwrap();
        assert_eq!(r.publication_number.to_string(), "US8799651");
        assert_eq!(r.kind, None);
        assert_eq!(r.description.len(), 2);
        assert_eq!(
            r.assignees[0].name,
            "International Business Machines Corporation"
        );
        assert_eq!(r.filing_date().unwrap().to_string(), "2013-01-01");
        assert_eq!(r.source.as_ref().unwrap().ordinal, 3);
    }

    #[test]
    fn canonical_round_trip() {
        let mut record = PatentRecord::new("US8799651B2".parse().unwrap());
        record.title = "T".into();
        record.claims.push(patsearch_record::Claim {
            number: 1,
            text: "A thing.".into(),
            depends_on: vec![],
        });
        record.source = Some(SourceRef {
            file: "x.xml".into(),
            ordinal: 1,
            format: None,
        });
        let line = serde_json::to_vec(&record).unwrap();
        assert_eq!(parse(&line, CTX).unwrap(), record);
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(matches!(
            parse(b"{not json", CTX),
            Err(DocError::InvalidJson(_))
        ));
        assert!(matches!(
            parse(br#"{"title":"no number"}"#, CTX),
            Err(DocError::InvalidJson(_))
        ));
        assert!(matches!(
            parse(br#"{"publication_number":""}"#, CTX),
            Err(DocError::BadNumber(_))
        ));
    }
}
