//! The cross-reference statement a US description opens with ("This
//! application is a continuation of U.S. application Ser. No. 12/361,268
//! filed Jan. 28, 2009, which claims the benefit of U.S. Provisional
//! Application No. 61/107,876 ..."), read into related documents and
//! priority claims for a source that has no bibliographic fields for them
//! (the flat JSONL shape). XML sources carry them as data and are not read
//! this way.
//!
//! Each application number found is given the relation named last before
//! it in its clause: "continuation-in-part", "continuation", "divisional",
//! "provisional", "reissue"; "priority", "benefit" or "national stage" make
//! it a priority claim; a number with none of these before it ("This
//! application is related to ...": applications filed beside it, not its
//! family) is not read. The country of a number that is not a US serial
//! number (two-digit series and six digits) comes from the adjective before
//! it ("Chinese", "Korean", ...); a number with no country named is not read.

use std::sync::LazyLock;

use patsearch_record::{DocumentRef, Paragraph, RelatedDocument, Relation};
use regex::Regex;

/// Paragraphs of a description read for the statement: it is the first
/// (sometimes under a heading, so the second or third).
const PARAGRAPHS_READ: usize = 3;
/// A paragraph longer than this is prose, not a cross-reference statement.
const MAX_STATEMENT_CHARS: usize = 3_000;

/// Related documents and priority claims named by the opening of a
/// description.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct CrossReferences {
    pub related: Vec<RelatedDocument>,
    pub priorities: Vec<DocumentRef>,
}

static US_SERIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:ser(?:ial)?\.?\s*no\.?|application\s+(?:serial\s+)?no\.?|application\s+number)\s*(\d{2})[\s/,]*(\d{3})[\s,]*(\d{3})\b")
        .expect("valid regex")
});
static PCT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bPCT[\s/]*([A-Z]{2})[\s/]*(\d{2}|\d{4})[\s/]*(\d{5,6})\b").expect("valid regex")
});
static FOREIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(chinese|china|japanese|japan|korean|korea|european|german|germany|french|france|british|united\s+kingdom|great\s+britain|taiwanese|taiwan|indian|india|israeli|israel|canadian|canada|australian|australia)\b[^.;]{0,60}?\b(?:application|patent)\s+(?:serial\s+)?no\.?\s*((?-i:[0-9][0-9A-Z .\-/]{3,22}[0-9A-Z]))")
        .expect("valid regex")
});
static RELATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)continuation[\s-]+in[\s-]+part|continuation|divisional|division|provisional|reissue|priority|benefit|national\s+stage|\b371\b")
        .expect("valid regex")
});

#[derive(Debug, Clone, Copy, PartialEq)]
enum Named {
    Related(Relation),
    Priority,
}

fn relation_before(text: &str) -> Option<Named> {
    let last = RELATION.find_iter(text).last()?;
    let word = last.as_str().to_ascii_lowercase();
    Some(if word.contains("part") {
        Named::Related(Relation::ContinuationInPart)
    } else if word.starts_with("continuation") {
        Named::Related(Relation::Continuation)
    } else if word.starts_with("divisio") {
        Named::Related(Relation::Division)
    } else if word == "provisional" {
        Named::Related(Relation::Provisional)
    } else if word == "reissue" {
        Named::Related(Relation::Reissue)
    } else {
        Named::Priority
    })
}

fn country_code(adjective: &str) -> Option<&'static str> {
    let a = adjective.to_ascii_lowercase();
    Some(match a.split_whitespace().next().unwrap_or("") {
        "chinese" | "china" => "CN",
        "japanese" | "japan" => "JP",
        "korean" | "korea" => "KR",
        "european" => "EP",
        "german" | "germany" => "DE",
        "french" | "france" => "FR",
        "british" | "united" | "great" => "GB",
        "taiwanese" | "taiwan" => "TW",
        "indian" | "india" => "IN",
        "israeli" | "israel" => "IL",
        "canadian" | "canada" => "CA",
        "australian" | "australia" => "AU",
        _ => return None,
    })
}

/// The cross-references of a description's opening paragraphs.
pub(crate) fn cross_references(description: &[Paragraph]) -> CrossReferences {
    let mut out = CrossReferences::default();
    for paragraph in description.iter().take(PARAGRAPHS_READ) {
        let text = paragraph.text.as_str();
        if text.len() > MAX_STATEMENT_CHARS {
            continue;
        }
        // (start, end, country, number) of each application named.
        let mut found: Vec<(usize, usize, &'static str, String)> = Vec::new();
        for c in US_SERIAL.captures_iter(text) {
            let m = c.get(0).expect("whole match");
            found.push((
                m.start(),
                m.end(),
                "US",
                format!("{}{}{}", &c[1], &c[2], &c[3]),
            ));
        }
        for c in PCT.captures_iter(text) {
            let m = c.get(0).expect("whole match");
            found.push((
                m.start(),
                m.end(),
                "WO",
                format!("PCT/{}{}/{}", &c[1], &c[2], &c[3]),
            ));
        }
        for c in FOREIGN.captures_iter(text) {
            let number = c.get(2).expect("group 2");
            if found
                .iter()
                .any(|f| f.0 < number.end() && number.start() < f.1)
            {
                continue;
            }
            let Some(country) = country_code(&c[1]) else {
                continue;
            };
            found.push((
                number.start(),
                number.end(),
                country,
                number.as_str().trim().to_string(),
            ));
        }
        found.sort_by_key(|f| f.0);
        let mut clause_start = 0;
        let mut previous: Option<Named> = None;
        for (start, end, country, number) in found {
            let named = relation_before(&text[clause_start..start]).or(previous);
            clause_start = end;
            previous = named;
            let document = DocumentRef {
                country: Some(country.to_string()),
                number,
                kind: None,
                date: None,
            };
            match named {
                Some(Named::Related(relation))
                    if !out.related.iter().any(|r| r.document == document) =>
                {
                    out.related.push(RelatedDocument { relation, document });
                }
                Some(Named::Priority) if !out.priorities.contains(&document) => {
                    out.priorities.push(document);
                }
                // "related to the following applications": others of the
                // applicant, filed beside this one, not its family.
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> CrossReferences {
        cross_references(&[Paragraph {
            number: None,
            heading: None,
            text: text.into(),
        }])
    }

    fn doc(country: &str, number: &str) -> DocumentRef {
        DocumentRef {
            country: Some(country.into()),
            number: number.into(),
            kind: None,
            date: None,
        }
    }

    #[test]
    fn a_chain_of_continuity_is_read_with_each_relation() {
        // The opening of US8493649 in the benchmark corpus.
        let r = read("This is a continuation of Ser. No. 13 741 456 filed Jan. 15 2013 which is a divisional application of Ser. No. 12 809 103 filed Jun. 18 2010 and claims the benefit of U.S. Provisional Application No. 61 107 876 fled Oct. 23 2008 incorporated herein by reference in its entirety for all purposes.");
        assert_eq!(
            r.related,
            vec![
                RelatedDocument {
                    relation: Relation::Continuation,
                    document: doc("US", "13741456")
                },
                RelatedDocument {
                    relation: Relation::Division,
                    document: doc("US", "12809103")
                },
                RelatedDocument {
                    relation: Relation::Provisional,
                    document: doc("US", "61107876")
                },
            ]
        );
        assert!(r.priorities.is_empty());
    }

    #[test]
    fn pct_and_foreign_priorities_are_read_with_their_country() {
        let r = read("This application is a continuation of International Application No. PCT CN2012 078742 filed on Jul. 17 2012 which claims priority to Chinese Patent Application No. 201210050131.1 filed on Feb. 29 2012 both of which are hereby incorporated by reference in their entireties.");
        assert_eq!(
            r.related,
            vec![RelatedDocument {
                relation: Relation::Continuation,
                document: doc("WO", "PCT/CN2012/078742")
            }]
        );
        assert_eq!(r.priorities, vec![doc("CN", "201210050131.1")]);
        let r = read("This application claims priority to U.S. patent application Ser. No. 12/361,268, filed Jan. 28, 2009, and to Korean Patent Application No. 10-2012-0012345.");
        assert_eq!(
            r.priorities,
            vec![doc("US", "12361268"), doc("KR", "10-2012-0012345")]
        );
    }

    #[test]
    fn prose_and_patent_numbers_name_no_application() {
        assert_eq!(
            read("The present invention relates to encrypted file access."),
            CrossReferences::default()
        );
        // Applications filed beside this one are not its family.
        assert_eq!(
            read("This application is related to the following applications each of which is hereby incorporated by reference in its entirety U.S. patent application Ser. No. 14 076 718 filed Nov. 11 2013 entitled VIDEO ENCODING U.S. patent application Ser. No. 14 077 084 filed Nov. 11 2013."),
            CrossReferences::default()
        );
        // A granted patent's number is not an application number.
        assert_eq!(
            read("See U.S. Pat. No. 8,123,456 for a similar lock."),
            CrossReferences::default()
        );
    }
}
