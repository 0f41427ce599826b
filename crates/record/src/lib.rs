//! The canonical patent record.
//!
//! Every source format (USPTO XML of any vintage, EPO XML, JSONL) is parsed into
//! [`PatentRecord`], and every later stage (keyword index, embeddings, search
//! engine, API) reads only this type. It owns the shape of the data and the
//! small pieces of logic that belong to the data itself (number normalisation,
//! claim and classification rules); it knows nothing about parsing or indexing.

mod brief;
mod cancel;
pub mod claims;
pub mod classification;
pub mod error_kind;
mod family;
mod filter;
mod number;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use brief::RecordBrief;
pub use cancel::{Cancellation, Cancelled};
pub use claims::{Claim, ClaimSet};
pub use classification::{code_has_prefix, compact_code};
pub use family::{
    application_key, family_keys, relation_label, TextSignature, BAND_ROWS, MIN_SHINGLES,
    SIGNATURE_BANDS, SIGNATURE_HASHES,
};
pub use filter::{name_words, DateRange, FilterFields, Filters};
pub use number::{NumberError, PublicationNumber};

/// The earliest of the priority claims' dates and the filing date.
pub(crate) fn earliest_priority(
    priority_claims: &[DocumentRef],
    filing: Option<NaiveDate>,
) -> Option<NaiveDate> {
    priority_claims
        .iter()
        .filter_map(|p| p.date)
        .chain(filing)
        .min()
}

/// One patent publication, whatever format it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatentRecord {
    /// Country + number + kind, normalised (`US8799651B2`).
    pub publication_number: PublicationNumber,
    /// Publishing office (`US`, `EP`).
    pub country: String,
    /// Kind code (`B2`, `A1`, `S1`) when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Language of the publication (`en`, `de`, `fr`) when the source states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication_date: Option<NaiveDate>,
    /// The application this publication stems from (number and filing date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<DocumentRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority_claims: Vec<DocumentRef>,
    /// Continuations, divisionals, provisionals and the like.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_documents: Vec<RelatedDocument>,
    /// Family identifier when the source carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_id: Option<String>,
    /// Title in the publication's language (English preferred when several are given).
    #[serde(default)]
    pub title: String,
    #[serde(default, rename = "abstract")]
    pub abstract_text: String,
    /// The claims in the primary language (English when the source has it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Claim>,
    /// Language of [`PatentRecord::claims`] when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims_lang: Option<String>,
    /// Claim sets in other languages (EPO grants carry de, en and fr).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_claim_sets: Vec<ClaimSet>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub description: Vec<Paragraph>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpc: Vec<Classification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipc: Vec<Classification>,
    /// US Patent Classification (`707/200`), main first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub us_classes: Vec<Classification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applicants: Vec<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignees: Vec<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventors: Vec<Party>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patent_citations: Vec<PatentCitation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub npl_citations: Vec<NplCitation>,
    /// Where the record was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
}

/// A reference to another filing or publication: application, priority, parent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// How a related document relates to this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Continuation,
    ContinuationInPart,
    Division,
    Provisional,
    Reissue,
    Reexamination,
    Substitution,
    /// Any other relation the source names (continuing reissue, correction, ...).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelatedDocument {
    pub relation: Relation,
    /// The parent (or the provisional) this document claims continuity from.
    pub document: DocumentRef,
}

/// One description paragraph with the heading it sits under.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paragraph {
    /// The paragraph number the source prints (`0012`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// The nearest heading above the paragraph (`BACKGROUND OF THE INVENTION`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    pub text: String,
}

/// A classification symbol (CPC, IPC or USPC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// The symbol in its usual printed form: `G06F16/245`, `H04L 29/06`
    /// normalised to `H04L29/06`, `707/200` for USPC.
    pub code: String,
    /// `Some(true)` for the main/first symbol, `Some(false)` for further
    /// symbols, `None` where the source does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<bool>,
}

/// An applicant, assignee or inventor.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Organisation name, or "First Last" for a person.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Who put a citation on the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CitedBy {
    Applicant,
    Examiner,
    ThirdParty,
    /// Search report or opposition citations where the source does not say who.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatentCitation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cited_by: Option<CitedBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NplCitation {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cited_by: Option<CitedBy>,
}

/// Where a record came from: the file (or archive member) and the document's
/// position in it, counted from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    pub file: String,
    pub ordinal: u64,
    /// The format it was parsed as (`uspto-grant-v4.5`, `ep-patent-document-v1-5`, `jsonl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl PatentRecord {
    /// An empty record for `publication_number`; parsers fill in the rest.
    pub fn new(publication_number: PublicationNumber) -> Self {
        Self {
            country: publication_number.country().to_string(),
            kind: publication_number.kind().map(str::to_string),
            publication_number,
            lang: None,
            publication_date: None,
            application: None,
            priority_claims: Vec::new(),
            related_documents: Vec::new(),
            family_id: None,
            title: String::new(),
            abstract_text: String::new(),
            claims: Vec::new(),
            claims_lang: None,
            other_claim_sets: Vec::new(),
            description: Vec::new(),
            cpc: Vec::new(),
            ipc: Vec::new(),
            us_classes: Vec::new(),
            applicants: Vec::new(),
            assignees: Vec::new(),
            inventors: Vec::new(),
            patent_citations: Vec::new(),
            npl_citations: Vec::new(),
            source: None,
        }
    }

    /// The filing date of the application, when known.
    pub fn filing_date(&self) -> Option<NaiveDate> {
        self.application.as_ref().and_then(|a| a.date)
    }

    /// The earliest priority date, falling back to the filing date.
    pub fn priority_date(&self) -> Option<NaiveDate> {
        earliest_priority(&self.priority_claims, self.filing_date())
    }

    /// The independent claims (see [`Claim::is_independent`]): none that is
    /// cancelled or depends on another claim.
    pub fn independent_claims(&self) -> impl Iterator<Item = &Claim> {
        self.claims.iter().filter(|c| c.is_independent())
    }

    /// The description as one text, paragraphs separated by blank lines.
    pub fn description_text(&self) -> String {
        let mut out = String::new();
        for p in &self.description {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(&p.text);
        }
        out
    }
}

/// Reads a date written `YYYYMMDD` or `YYYY-MM-DD`. USPTO data has dates with
/// a zero day or month (`19890800`): those are read as the first of the month
/// or year rather than dropped, since the year is still worth filtering on.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 8 {
        return None;
    }
    let year: i32 = digits[0..4].parse().ok()?;
    let month: u32 = digits[4..6].parse().ok()?;
    let day: u32 = digits[6..8].parse().ok()?;
    if !(1000..=2999).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month.max(1), day.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_patent_forms() {
        assert_eq!(parse_date("20150106"), NaiveDate::from_ymd_opt(2015, 1, 6));
        assert_eq!(
            parse_date("2013-01-01"),
            NaiveDate::from_ymd_opt(2013, 1, 1)
        );
        assert_eq!(parse_date("19890800"), NaiveDate::from_ymd_opt(1989, 8, 1));
        assert_eq!(parse_date("20151340"), None);
        assert_eq!(parse_date("2015"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn record_round_trips_through_json() {
        let mut record = PatentRecord::new("US8799651B2".parse().unwrap());
        record.title = "Method and system for encrypted file access".into();
        record.claims = vec![
            Claim {
                number: 1,
                text: "A method comprising: encrypting.".into(),
                depends_on: vec![],
            },
            Claim {
                number: 2,
                text: "The method of claim 1, wherein ...".into(),
                depends_on: vec![1],
            },
        ];
        record.application = Some(DocumentRef {
            country: Some("US".into()),
            number: "13732051".into(),
            kind: None,
            date: NaiveDate::from_ymd_opt(2012, 12, 31),
        });
        let json = serde_json::to_string(&record).unwrap();
        let back: PatentRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record);
        assert_eq!(back.independent_claims().count(), 1);
        assert_eq!(back.filing_date(), NaiveDate::from_ymd_opt(2012, 12, 31));
        assert!(json.contains("\"abstract\":\"\""));
    }

    #[test]
    fn priority_date_is_the_earliest() {
        let mut record = PatentRecord::new("US1B1".parse().unwrap());
        record.application = Some(DocumentRef {
            number: "1".into(),
            date: NaiveDate::from_ymd_opt(2010, 5, 1),
            ..Default::default()
        });
        record.priority_claims.push(DocumentRef {
            number: "JP1".into(),
            date: NaiveDate::from_ymd_opt(2009, 5, 1),
            ..Default::default()
        });
        assert_eq!(record.priority_date(), NaiveDate::from_ymd_opt(2009, 5, 1));
    }
}
