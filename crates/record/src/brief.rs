//! The part of a record a list of results shows.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::{Classification, DocumentRef, Party, PublicationNumber};

/// What a list of results shows of a [`crate::PatentRecord`] (an export
/// row, a reference manager's entry): read from the record's JSON, whose
/// text (claims, description, citations) is skipped without being built, a
/// small part of reading the whole record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordBrief {
    pub publication_number: PublicationNumber,
    pub country: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub publication_date: Option<NaiveDate>,
    #[serde(default)]
    pub application: Option<DocumentRef>,
    #[serde(default)]
    pub priority_claims: Vec<DocumentRef>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub cpc: Vec<Classification>,
    #[serde(default)]
    pub ipc: Vec<Classification>,
    #[serde(default)]
    pub applicants: Vec<Party>,
    #[serde(default)]
    pub assignees: Vec<Party>,
    #[serde(default)]
    pub inventors: Vec<Party>,
}

impl RecordBrief {
    /// The filing date of the application, when known.
    pub fn filing_date(&self) -> Option<NaiveDate> {
        self.application.as_ref().and_then(|a| a.date)
    }

    /// The earliest priority date, falling back to the filing date (as
    /// [`crate::PatentRecord::priority_date`]).
    pub fn priority_date(&self) -> Option<NaiveDate> {
        crate::earliest_priority(&self.priority_claims, self.filing_date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PatentRecord;

    #[test]
    fn a_brief_reads_the_same_fields_as_the_whole_record() {
        let mut record = PatentRecord::new("US8752472B2".parse().unwrap());
        record.title = "Tilt \"detector\", with commas".into();
        record.publication_date = NaiveDate::from_ymd_opt(2014, 6, 10);
        record.application = Some(DocumentRef {
            country: Some("US".into()),
            number: "13/123,456".into(),
            kind: None,
            date: NaiveDate::from_ymd_opt(2011, 3, 4),
        });
        record.priority_claims = vec![DocumentRef {
            country: Some("JP".into()),
            number: "2010-1".into(),
            kind: None,
            date: NaiveDate::from_ymd_opt(2010, 1, 2),
        }];
        record.cpc = vec![Classification {
            code: "H02J7/025".into(),
            main: Some(true),
        }];
        record.assignees = vec![Party {
            name: "Ünïcode Co., Ltd.".into(),
            ..Party::default()
        }];
        record.inventors = vec![Party {
            name: "Ada Lovelace".into(),
            ..Party::default()
        }];
        record.description = vec![crate::Paragraph {
            text: "a long description the brief skips".into(),
            ..Default::default()
        }];
        let json = serde_json::to_string(&record).unwrap();
        let brief: RecordBrief = serde_json::from_str(&json).unwrap();
        assert_eq!(brief.publication_number, record.publication_number);
        assert_eq!(brief.title, record.title);
        assert_eq!(brief.kind, record.kind);
        assert_eq!(brief.publication_date, record.publication_date);
        assert_eq!(brief.filing_date(), record.filing_date());
        assert_eq!(brief.priority_date(), record.priority_date());
        assert_eq!(brief.priority_date(), NaiveDate::from_ymd_opt(2010, 1, 2));
        assert_eq!(brief.cpc, record.cpc);
        assert_eq!(brief.assignees, record.assignees);
        assert_eq!(brief.inventors, record.inventors);
    }
}
