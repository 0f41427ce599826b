//! Field-level checks of USPTO v4.x documents (grants v4.0 to v4.7,
//! applications v4.0 to v4.6). Every expected value below was read from the
//! XML file itself (publication reference, parties, classification elements,
//! `<claim-ref>` links, citation categories, `<p>` counts), never from our
//! parser's output.
//!
//! Each test collects all mismatches of one document before failing, so one
//! wrong field does not hide the others.

use std::collections::BTreeSet;
use std::fmt::Debug;

use chrono::NaiveDate;
use patsearch_ingest::{
    parse_xml_document, run, DocContext, Event, IngestOptions, Parsed, Progress,
};
use patsearch_record::{
    CitedBy, Classification, DocumentRef, Party, PatentRecord, RelatedDocument, Relation,
};

use crate::fixtures::patents_dir;

/// Collects mismatches of one document and reports them all at once.
struct Check {
    doc: &'static str,
    failures: Vec<String>,
}

impl Check {
    fn new(doc: &'static str) -> Self {
        Self {
            doc,
            failures: Vec::new(),
        }
    }

    fn eq<T: PartialEq + Debug>(&mut self, what: &str, got: T, want: T) {
        if got != want {
            self.failures.push(format!(
                "{what}:\n      got:  {got:?}\n      want: {want:?}"
            ));
        }
    }

    fn that(&mut self, what: &str, ok: bool, detail: impl Debug) {
        if !ok {
            self.failures.push(format!("{what}: {detail:?}"));
        }
    }

    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{}: {} field(s) wrong:\n  - {}",
            self.doc,
            self.failures.len(),
            self.failures.join("\n  - ")
        );
    }
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Parses the single document of a file below the shared data folder.
fn parse_file(relative: &str) -> PatentRecord {
    parse_nth(relative, 1)
}

/// Parses document `ordinal` (from 1) of a file of concatenated documents.
fn parse_nth(relative: &str, ordinal: usize) -> PatentRecord {
    let path = patents_dir().join(relative);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8_lossy(&bytes);
    let starts: Vec<usize> = text
        .match_indices("<?xml")
        .map(|(at, _)| at)
        .filter(|&at| at == 0 || text[..at].ends_with('\n'))
        .collect();
    let start = starts[ordinal - 1];
    let end = starts.get(ordinal).copied().unwrap_or(bytes.len());
    let ctx = DocContext {
        file: relative,
        ordinal: ordinal as u64,
    };
    match parse_xml_document(&bytes[start..end], ctx) {
        Ok(Parsed::Record(record)) => *record,
        Ok(Parsed::NonPatent(np)) => panic!("{relative} #{ordinal}: not a patent: {np:?}"),
        Err(e) => panic!("{relative} #{ordinal}: {e}"),
    }
}

/// The record with `number` from an ingest of `relative` (for zip members).
fn ingest_and_find(relative: &str, number: &str) -> PatentRecord {
    let mut found = None;
    run(
        &[patents_dir().join(relative)],
        &IngestOptions::default(),
        &Progress::default(),
        |event| {
            if let Event::Record(r) = event {
                if found.is_none() && r.publication_number.to_string() == number {
                    found = Some(*r);
                }
            }
        },
    );
    found.unwrap_or_else(|| panic!("{number} not found in {relative}"))
}

fn codes(list: &[Classification]) -> Vec<(String, Option<bool>)> {
    list.iter().map(|c| (c.code.clone(), c.main)).collect()
}

/// `[(code, main)]` with the first one main and the others further.
fn main_then_further(list: &[&str]) -> Vec<(String, Option<bool>)> {
    list.iter()
        .enumerate()
        .map(|(i, c)| (c.to_string(), Some(i == 0)))
        .collect()
}

fn names(parties: &[Party]) -> Vec<String> {
    parties.iter().map(|p| p.name.clone()).collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `(claim number, depends_on)` of every claim.
fn dependencies(record: &PatentRecord) -> Vec<(u32, Vec<u32>)> {
    record
        .claims
        .iter()
        .map(|c| (c.number, c.depends_on.clone()))
        .collect()
}

/// Claims `1..=parents.len()`, claim `i` depending on `parents[i - 1]` (0 = independent).
fn numbered_dependencies(parents: &[u32]) -> Vec<(u32, Vec<u32>)> {
    parents
        .iter()
        .enumerate()
        .map(|(i, &p)| (i as u32 + 1, if p == 0 { vec![] } else { vec![p] }))
        .collect()
}

fn patent_cited_by(record: &PatentRecord, by: CitedBy) -> usize {
    record
        .patent_citations
        .iter()
        .filter(|c| c.cited_by == Some(by))
        .count()
}

fn npl_cited_by(record: &PatentRecord, by: CitedBy) -> usize {
    record
        .npl_citations
        .iter()
        .filter(|c| c.cited_by == Some(by))
        .count()
}

fn doc_ref(number: &str, y: i32, m: u32, d: u32) -> (String, Option<NaiveDate>) {
    (number.to_string(), date(y, m, d))
}

fn related(record: &PatentRecord) -> Vec<(Relation, String, Option<NaiveDate>)> {
    record
        .related_documents
        .iter()
        .map(|RelatedDocument { relation, document }| {
            (*relation, document.number.clone(), document.date)
        })
        .collect()
}

fn application(record: &PatentRecord) -> Option<(String, Option<NaiveDate>)> {
    record
        .application
        .as_ref()
        .map(|a: &DocumentRef| (a.number.clone(), a.date))
}

fn format(record: &PatentRecord) -> Option<String> {
    record.source.as_ref().and_then(|s| s.format.clone())
}

fn first_paragraph(record: &PatentRecord) -> (Option<String>, Option<String>, String) {
    let p = record.description.first().cloned().unwrap_or_default();
    (p.number, p.heading, p.text)
}

/// Grant v4.0 (us-patent-grant-v40-2004-12-02): US 6,970,935 B1.
#[test]
fn grant_v40_us6970935() {
    let r = parse_file("uspto-patentpublicdata-samples/xml2004/US06970935.xml");
    let mut c = Check::new("US6970935B1 (grant v4.0)");
    c.eq(
        "number",
        r.publication_number.to_string(),
        "US6970935B1".into(),
    );
    c.eq("country", r.country.as_str(), "US");
    c.eq("kind", r.kind.as_deref(), Some("B1"));
    c.eq("lang", r.lang.as_deref(), Some("en"));
    c.eq("format", format(&r), Some("uspto-grant-v4.0".into()));
    c.eq("publication date", r.publication_date, date(2005, 11, 29));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("09703574", 2000, 11, 1)),
    );
    c.eq(
        "title",
        r.title.as_str(),
        "Conversational networking via transport, coding and control conversational protocols",
    );
    c.that(
        "abstract start",
        r.abstract_text
            .starts_with("Conversational protocols for implementing distributed conversational networking architectures"),
        &r.abstract_text,
    );
    c.eq("claims", r.claims.len(), 30);
    let first = r.claims.first().map(|c| c.text.clone()).unwrap_or_default();
    c.that(
        "first claim text, number removed",
        first.starts_with("A communication system, comprising: a communication stack comprising: a first layer for generating encoded audio data"),
        &first,
    );
    // From the <claim-ref idref> links.
    c.eq(
        "claim dependencies",
        dependencies(&r),
        numbered_dependencies(&[
            0, 1, 1, 3, 1, 1, 6, 1, 8, 1, 1, 11, 12, 1, 1, 6, 6, 1, 1, 1, 1, 0, 22, 23, 23, 25, 22,
            22, 22, 0,
        ]),
    );
    c.eq(
        "independent claims",
        r.independent_claims().map(|c| c.number).collect::<Vec<_>>(),
        vec![1, 22, 30],
    );
    c.eq("CPC", codes(&r.cpc), vec![]);
    // Old-style <classification-ipc>: edition 7, main G06F015/16.
    c.eq("IPC", codes(&r.ipc), main_then_further(&["G06F15/16"]));
    // 709230, 709228, 370356, "379 8802" (class 379, subclass 88, decimal 02).
    c.eq(
        "USPC",
        codes(&r.us_classes),
        main_then_further(&["709/230", "709/228", "370/356", "379/88.02"]),
    );
    c.eq("patent citations", r.patent_citations.len(), 11);
    c.eq(
        "patent citations by examiner",
        patent_cited_by(&r, CitedBy::Examiner),
        11,
    );
    c.eq("NPL citations", r.npl_citations.len(), 0);
    if let Some(cit) = r.patent_citations.first() {
        c.eq("first citation country", cit.country.as_deref(), Some("US"));
        c.eq("first citation number", cit.number.as_str(), "5918020");
        c.eq("first citation kind", cit.kind.as_deref(), Some("A"));
        // <date>19990600</date>: a zero day reads as the first of the month.
        c.eq("first citation date", cit.date, date(1999, 6, 1));
    }
    c.eq(
        "assignees",
        names(&r.assignees),
        strings(&["International Business Machines Corporation"]),
    );
    if let Some(a) = r.assignees.first() {
        c.eq("assignee city", a.city.as_deref(), Some("Armonk"));
        c.eq("assignee country", a.country.as_deref(), Some("US"));
    }
    // The only applicant is app-type="applicant-inventor".
    c.eq(
        "inventors",
        names(&r.inventors),
        strings(&["Stephane H. Maes"]),
    );
    c.eq("priority claims", r.priority_claims.clone(), vec![]);
    c.eq("related documents", related(&r), vec![]);
    // 132 <p> under <description> + 20 under <description-of-drawings>, none empty.
    c.eq("description paragraphs", r.description.len(), 152);
    c.eq(
        "first paragraph",
        first_paragraph(&r),
        (
            Some("0001".into()),
            Some("BACKGROUND".into()),
            "1. Technical Field".into(),
        ),
    );
    c.finish();
}

/// Grant v4.2 (2006-08-23): US 7,272,630 B2, a divisional with "cited by other" references.
#[test]
fn grant_v42_us7272630() {
    let r = parse_file("uspto-patentpublicdata-samples/xml2006/US07272630B2.xml");
    let mut c = Check::new("US7272630B2 (grant v4.2)");
    c.eq(
        "number",
        r.publication_number.to_string(),
        "US7272630B2".into(),
    );
    c.eq("kind", r.kind.as_deref(), Some("B2"));
    c.eq("format", format(&r), Some("uspto-grant-v4.2".into()));
    c.eq("publication date", r.publication_date, date(2007, 9, 18));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("10991571", 2004, 11, 18)),
    );
    c.eq(
        "title",
        r.title.as_str(),
        "Locating potentially identical objects across multiple computers based on stochastic partitioning of workload",
    );
    c.eq("claims", r.claims.len(), 17);
    let first = r.claims.first().map(|c| c.text.clone()).unwrap_or_default();
    c.that(
        "first claim text, number removed",
        first.starts_with("A method implemented in a computer, the method comprising: generating an imprint identification code"),
        &first,
    );
    c.eq(
        "claim dependencies",
        dependencies(&r),
        numbered_dependencies(&[0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 10, 10, 10, 0, 14, 14, 14]),
    );
    c.eq("CPC", codes(&r.cpc), vec![]);
    c.eq("IPC", codes(&r.ipc), main_then_further(&["G06F15/13"]));
    c.eq(
        "USPC",
        codes(&r.us_classes),
        main_then_further(&["709/203", "709/201", "709/219", "715/739"]),
    );
    // <category>: 5 "cited by examiner" patents; 73 patents and 38 NPL "cited by other".
    c.eq("patent citations", r.patent_citations.len(), 78);
    c.eq("NPL citations", r.npl_citations.len(), 38);
    c.eq(
        "patent citations by examiner",
        patent_cited_by(&r, CitedBy::Examiner),
        5,
    );
    c.eq(
        "patent citations by applicant",
        patent_cited_by(&r, CitedBy::Applicant),
        0,
    );
    // "cited by other" does not say who cited: not the examiner, not a
    // third-party submission.
    c.eq(
        "patent citations 'cited by other'",
        patent_cited_by(&r, CitedBy::Other),
        73,
    );
    c.eq("NPL 'cited by other'", npl_cited_by(&r, CitedBy::Other), 38);
    if let Some(cit) = r.patent_citations.first() {
        c.eq("first citation number", cit.number.as_str(), "5202982");
        c.eq("first citation date", cit.date, date(1993, 4, 1));
    }
    c.eq(
        "assignees",
        names(&r.assignees),
        strings(&["Microsoft Corporation"]),
    );
    c.eq(
        "inventors",
        names(&r.inventors),
        strings(&[
            "John R. Douceur",
            "Marvin M. Theimer",
            "Atul Adya",
            "William J. Bolosky",
        ]),
    );
    c.eq("priority claims", r.priority_claims.clone(), vec![]);
    // <division><relation><parent-doc> 09876376 of 2001-06-06; the
    // <related-publication> is the same application's earlier publication.
    c.eq(
        "related documents",
        related(&r),
        vec![(Relation::Division, "09876376".into(), date(2001, 6, 6))],
    );
    c.eq("description paragraphs", r.description.len(), 171);
    let (number, heading, text) = first_paragraph(&r);
    c.eq("first paragraph number", number, Some("0001".into()));
    c.eq(
        "first heading",
        heading,
        Some("RELATED APPLICATIONS".into()),
    );
    c.that(
        "first paragraph text",
        text.starts_with("This application is a divisional application of U.S. patent application Ser. No. 09/876,376, filed Jun. 6, 2001,"),
        &text,
    );
    c.finish();
}

/// Grant v4.5 (2014-04-03) with CPC: US 8,926,509 B2.
#[test]
fn grant_v45_with_cpc_us8926509() {
    let r = parse_file("uspto-patentpublicdata-samples/xml2014/US08926509.xml");
    let mut c = Check::new("US8926509B2 (grant v4.5)");
    c.eq(
        "number",
        r.publication_number.to_string(),
        "US8926509B2".into(),
    );
    c.eq("kind", r.kind.as_deref(), Some("B2"));
    c.eq("lang", r.lang.as_deref(), Some("en"));
    c.eq("format", format(&r), Some("uspto-grant-v4.5".into()));
    c.eq("publication date", r.publication_date, date(2015, 1, 6));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("12134151", 2008, 6, 5)),
    );
    c.eq(
        "application country",
        r.application.as_ref().and_then(|a| a.country.as_deref()),
        Some("US"),
    );
    c.eq(
        "title",
        r.title.as_str(),
        "Wireless physiological sensor patches and systems",
    );
    c.that(
        "abstract start",
        r.abstract_text.starts_with(
            "The present invention provides methods, devices, and systems for wireless physiological sensor patches",
        ),
        &r.abstract_text,
    );
    c.eq("claims", r.claims.len(), 31);
    let first = r.claims.first().map(|c| c.text.clone()).unwrap_or_default();
    c.that(
        "first claim text, number removed",
        first.starts_with("A system for measuring physiological signals, comprising: (a) a patch-ASIC chip adapted for incorporation"),
        &first,
    );
    c.eq(
        "claim dependencies",
        dependencies(&r),
        numbered_dependencies(&[
            0, 1, 2, 1, 1, 0, 6, 6, 6, 6, 0, 11, 11, 11, 11, 11, 0, 17, 17, 17, 17, 0, 22, 22, 22,
            22, 0, 27, 27, 27, 27,
        ]),
    );
    c.eq(
        "independent claims",
        r.independent_claims().map(|c| c.number).collect::<Vec<_>>(),
        vec![1, 6, 11, 17, 22, 27],
    );
    // <main-cpc> A61B 5/0205; <further-cpc> 26 symbols, 18 distinct.
    c.eq(
        "first CPC",
        r.cpc.first().map(|c| (c.code.clone(), c.main)),
        Some(("A61B5/0205".into(), Some(true))),
    );
    c.eq(
        "main CPC symbols",
        r.cpc.iter().filter(|c| c.main == Some(true)).count(),
        1,
    );
    let further: BTreeSet<&str> = r
        .cpc
        .iter()
        .filter(|c| c.main == Some(false))
        .map(|c| c.code.as_str())
        .collect();
    c.eq(
        "further CPC (distinct)",
        further,
        BTreeSet::from([
            "A61B5/0024",
            "A61B5/0404",
            "A61B5/1112",
            "A61B5/6833",
            "G06F19/3418",
            "H04L67/125",
            "H04L67/04",
            "A61B5/021",
            "A61B5/02438",
            "A61B5/0476",
            "A61B5/0488",
            "A61B5/14532",
            "A61B5/7232",
            "A61B2560/0209",
            "H04W84/18",
            "H04W88/08",
            "H04W52/0235",
            "H04W52/0274",
        ]),
    );
    c.that(
        "every CPC symbol says main or further",
        r.cpc.iter().all(|c| c.main.is_some()),
        codes(&r.cpc),
    );
    // <classifications-ipcr>: symbol-position F then L.
    c.eq(
        "IPC",
        codes(&r.ipc),
        main_then_further(&[
            "A61B5/00",
            "A61B5/0205",
            "A61B5/0404",
            "A61B5/11",
            "H04L29/08",
            "G06F19/00",
            "H04W88/00",
            "H04W52/00",
            "H04W84/00",
            "A61B5/021",
            "A61B5/024",
            "A61B5/0476",
            "A61B5/0488",
            "A61B5/145",
        ]),
    );
    // 600301 main; "700  2" is 700/2; "34053912" is class 340, subclass 539, decimal 12.
    c.eq(
        "USPC",
        codes(&r.us_classes),
        main_then_further(&[
            "600/301",
            "600/300",
            "600/382",
            "600/391",
            "600/393",
            "700/2",
            "700/3",
            "709/208",
            "709/217",
            "709/224",
            "709/225",
            "340/539.12",
        ]),
    );
    // <us-citation> categories: patents 117 applicant + 13 examiner; NPL 29 + 1.
    c.eq("patent citations", r.patent_citations.len(), 130);
    c.eq(
        "patent citations by applicant",
        patent_cited_by(&r, CitedBy::Applicant),
        117,
    );
    c.eq(
        "patent citations by examiner",
        patent_cited_by(&r, CitedBy::Examiner),
        13,
    );
    c.eq("NPL citations", r.npl_citations.len(), 30);
    c.eq("NPL by applicant", npl_cited_by(&r, CitedBy::Applicant), 29);
    c.eq("NPL by examiner", npl_cited_by(&r, CitedBy::Examiner), 1);
    if let Some(cit) = r.patent_citations.first() {
        c.eq("first citation number", cit.number.as_str(), "4313443");
        c.eq("first citation kind", cit.kind.as_deref(), Some("A"));
        c.eq("first citation date", cit.date, date(1982, 2, 1));
        c.eq("first citation by", cit.cited_by, Some(CitedBy::Applicant));
    }
    c.eq("assignees", names(&r.assignees), strings(&["Hmicro, Inc."]));
    if let Some(a) = r.assignees.first() {
        c.eq("assignee city", a.city.as_deref(), Some("Fremont"));
    }
    let inventors = strings(&[
        "Surendar Magar",
        "Venkateswara Rao Sattiraju",
        "Ali Niknejad",
        "Louis Yun",
        "James C. Beck",
    ]);
    c.eq("inventors", names(&r.inventors), inventors.clone());
    // <us-applicants> with app-type="applicant": the same five people.
    c.eq("applicants", names(&r.applicants), inventors);
    c.eq("priority claims", r.priority_claims.clone(), vec![]);
    c.eq(
        "related documents",
        related(&r),
        vec![(Relation::Provisional, "60968023".into(), date(2007, 8, 24))],
    );
    c.eq("description paragraphs", r.description.len(), 306);
    let (number, heading, text) = first_paragraph(&r);
    c.eq("first paragraph number", number, Some("0001".into()));
    c.eq("first heading", heading, Some("CROSS-REFERENCE".into()));
    c.that(
        "first paragraph text",
        text.starts_with("This application claims the benefit of U.S. Provisional Application No. 60/968,023, filed Aug. 24, 2007,"),
        &text,
    );
    c.finish();
}

/// Grant v4.5 with a foreign priority: US 8,927,386 B2 (CN priority, two assignees).
#[test]
fn grant_v45_priority_claim_us8927386() {
    let r = parse_file("uspto-patent-parsing-tools-pypi/US08927386-20150106.XML");
    let mut c = Check::new("US8927386B2 (grant v4.5)");
    c.eq(
        "number",
        r.publication_number.to_string(),
        "US8927386B2".into(),
    );
    c.eq("publication date", r.publication_date, date(2015, 1, 6));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("13878453", 2012, 5, 31)),
    );
    c.eq(
        "title",
        r.title.as_str(),
        "Method for manufacturing deep-trench super PN junctions",
    );
    // <priority-claim kind="national"><country>CN</country><doc-number>2011 1 0151784</doc-number><date>20110608</date>
    c.eq("priority claims", r.priority_claims.len(), 1);
    if let Some(p) = r.priority_claims.first() {
        c.eq("priority country", p.country.as_deref(), Some("CN"));
        c.eq(
            "priority number (spaces aside)",
            p.number.replace(' ', ""),
            "201110151784".into(),
        );
        c.eq("priority date", p.date, date(2011, 6, 8));
    }
    c.eq(
        "priority date of the record",
        r.priority_date(),
        date(2011, 6, 8),
    );
    c.eq(
        "CPC",
        codes(&r.cpc),
        main_then_further(&["H01L29/66136", "H01L29/0619", "H01L21/3065"]),
    );
    c.eq(
        "USPC",
        codes(&r.us_classes),
        main_then_further(&["438/416", "438/3", "438/222", "438/356", "438/481"]),
    );
    c.eq(
        "assignees",
        names(&r.assignees),
        strings(&[
            "CSMC Technologies FAB1 Co., Ltd.",
            "CSMC Technologies FAB2 Co., Ltd.",
        ]),
    );
    c.eq(
        "inventors",
        names(&r.inventors),
        strings(&[
            "Tzong Shiann Wu",
            "Genyi Wang",
            "Leibing Yuan",
            "Pengpeng Wu",
        ]),
    );
    if let Some(i) = r.inventors.first() {
        c.eq("inventor city", i.city.as_deref(), Some("Wuxi"));
        c.eq("inventor country", i.country.as_deref(), Some("CN"));
    }
    c.eq("patent citations", r.patent_citations.len(), 5);
    c.eq(
        "patent citations by examiner",
        patent_cited_by(&r, CitedBy::Examiner),
        5,
    );
    c.eq("claims", r.claims.len(), 19);
    c.eq("description paragraphs", r.description.len(), 66);
    c.eq(
        "first heading",
        first_paragraph(&r).1,
        Some("FIELD OF THE INVENTION".into()),
    );
    c.finish();
}

/// Application v4.6 (2022-02-17): US 2022/0240350 A1, a continuation whose
/// claims 1-18 are one cancelled placeholder.
#[test]
fn application_v46_us20220240350() {
    let r = parse_file("uspto-go-uspto-testdata/application/US20220240350A1-20220728.XML");
    let mut c = Check::new("US20220240350A1 (application v4.6)");
    c.eq(
        "number",
        r.publication_number.to_string(),
        "US20220240350A1".into(),
    );
    c.eq("kind", r.kind.as_deref(), Some("A1"));
    c.eq("format", format(&r), Some("uspto-application-v4.6".into()));
    c.eq("publication date", r.publication_date, date(2022, 7, 28));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("17718024", 2022, 4, 11)),
    );
    c.eq(
        "title",
        r.title.as_str(),
        "APPARATUS, SYSTEM AND METHOD OF PROVIDING A CONFORMABLE HEATER IN WEARABLES",
    );
    c.that(
        "abstract start",
        r.abstract_text.starts_with(
            "The disclosure provides an apparatus, system and method for a flexible heater suitable for embedding in a wearable.",
        ),
        &r.abstract_text,
    );
    // <claim num="01-18">"1.-18. (Cancelled)"</claim>, then claims 19 to 36.
    c.eq("claims", r.claims.len(), 19);
    c.eq(
        "claim numbers",
        r.claims.iter().map(|c| c.number).collect::<Vec<_>>(),
        std::iter::once(1).chain(19..=36).collect::<Vec<u32>>(),
    );
    let second = r.claims.get(1).map(|c| c.text.clone()).unwrap_or_default();
    c.that(
        "claim 19 text, number removed",
        second.starts_with(
            "A flexible heater suitable for embedding in a wearable, comprising: a substrate;",
        ),
        &second,
    );
    let mut want: Vec<(u32, Vec<u32>)> = vec![(1, vec![]), (19, vec![])];
    for (n, p) in [
        (20, 19),
        (21, 19),
        (22, 19),
        (23, 19),
        (24, 19),
        (25, 24),
        (26, 19),
        (27, 26),
        (28, 19),
        (29, 28),
        (30, 29),
        (31, 30),
        (32, 30),
        (33, 30),
        (34, 33),
        (35, 19),
        (36, 19),
    ] {
        want.push((n, vec![p]));
    }
    c.eq("claim dependencies", dependencies(&r), want);
    c.eq(
        "CPC",
        codes(&r.cpc),
        main_then_further(&["H05B1/0272", "A41D13/0051", "H05B3/34", "H05B3/145"]),
    );
    c.eq(
        "IPC",
        codes(&r.ipc),
        main_then_further(&["H05B1/02", "H05B3/14", "H05B3/34"]),
    );
    c.eq("USPC", codes(&r.us_classes), vec![]);
    c.eq("patent citations", r.patent_citations.len(), 0);
    c.eq("NPL citations", r.npl_citations.len(), 0);
    c.eq("applicants", names(&r.applicants), strings(&["JABIL INC."]));
    c.eq("assignees", names(&r.assignees), strings(&["JABIL INC."]));
    if let Some(a) = r.assignees.first() {
        c.eq("assignee city", a.city.as_deref(), Some("St. Petersburg"));
    }
    // The file lists the five inventors twice (sequence 00-04 and 05-09).
    let five = strings(&[
        "Arnoldo RETA",
        "Sai Guruva AVUTHU",
        "MaryAlice GILL",
        "Nabel M. GHALIB",
        "Mark Edward SUSSMAN",
    ]);
    c.eq(
        "first five inventors",
        names(&r.inventors).into_iter().take(5).collect::<Vec<_>>(),
        five.clone(),
    );
    c.eq(
        "distinct inventors",
        names(&r.inventors).into_iter().collect::<BTreeSet<_>>(),
        five.into_iter().collect(),
    );
    c.eq("priority claims", r.priority_claims.clone(), vec![]);
    // <continuation><relation><parent-doc> 15689611 (2017-08-29), granted as 11304263.
    c.eq(
        "related documents",
        related(&r),
        vec![(Relation::Continuation, "15689611".into(), date(2017, 8, 29))],
    );
    c.eq("description paragraphs", r.description.len(), 75);
    let (number, heading, text) = first_paragraph(&r);
    c.eq("first paragraph number", number, Some("0001".into()));
    c.eq(
        "first heading",
        heading,
        Some("CROSS-REFERENCE TO RELATED APPLICATIONS".into()),
    );
    c.that(
        "first paragraph text",
        text.starts_with("This application is a Continuation Application of U.S. spplication Ser. No. 15/689,611"),
        &text,
    );
    c.finish();
}

/// The cancelled-claims placeholder "1.-18. (Cancelled)": the printed number
/// range goes with the number, the text is what is left.
#[test]
fn cancelled_claim_range_keeps_only_its_text() {
    let r = parse_file("uspto-go-uspto-testdata/application/US20220240350A1-20220728.XML");
    let first = r.claims.first().expect("claims");
    assert_eq!(first.number, 1);
    assert_eq!(first.text, "(Cancelled)");
    assert!(first.depends_on.is_empty());
}

/// Grant v4.7 (2022-02-17), bibliographic (ipgb) zip: reissue RE49,258 E1.
#[test]
fn grant_v47_ipgb_re49258() {
    let r = ingest_and_find(
        "uspto-alexandria3k-ipgb/2022/ipgb20221025_wk43.zip",
        "USRE49258E1",
    );
    let mut c = Check::new("USRE49258E1 (grant v4.7, ipgb)");
    c.eq("number", r.publication_number.number(), "RE49258");
    c.eq("kind", r.kind.as_deref(), Some("E1"));
    c.eq("format", format(&r), Some("uspto-grant-v4.7".into()));
    let source = r.source.clone().expect("source");
    c.that(
        "source names the zip member",
        source
            .file
            .ends_with("ipgb20221025_wk43.zip!ipgb20221025.xml"),
        &source.file,
    );
    c.eq("ordinal in the member", source.ordinal, 6);
    c.eq("publication date", r.publication_date, date(2022, 10, 25));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("15949385", 2018, 4, 10)),
    );
    c.eq("title", r.title.as_str(), "Vehicle control");
    // "... engine management system <b>28,</b> a transmission controller <b>30,</b> ..."
    c.that(
        "abstract start",
        r.abstract_text.starts_with(
            "A vehicle control system has a plurality of subsystem controllers including an engine management system 28, a transmission controller 30,",
        ),
        &r.abstract_text,
    );
    c.eq("claims (front page only)", r.claims.len(), 0);
    c.eq("description (front page only)", r.description.len(), 0);
    c.eq(
        "CPC",
        codes(&r.cpc),
        main_then_further(&[
            "B60W10/11",
            "B60W2540/215",
            "B60W2552/00",
            "B60W2552/05",
            "B60W2552/15",
            "B60W2552/35",
        ]),
    );
    c.eq("IPC", codes(&r.ipc), main_then_further(&["B60W10/11"]));
    // No <classification-national> in the bibliographic data (only inside citations).
    c.eq("USPC", codes(&r.us_classes), vec![]);
    c.eq("patent citations", r.patent_citations.len(), 204);
    c.eq(
        "patent citations by examiner",
        patent_cited_by(&r, CitedBy::Examiner),
        51,
    );
    c.eq(
        "patent citations by applicant",
        patent_cited_by(&r, CitedBy::Applicant),
        153,
    );
    c.eq("NPL citations", r.npl_citations.len(), 329);
    c.eq(
        "NPL by applicant",
        npl_cited_by(&r, CitedBy::Applicant),
        329,
    );
    if let Some(cit) = r.patent_citations.first() {
        c.eq("first citation number", cit.number.as_str(), "3580354");
        c.eq("first citation date", cit.date, date(1971, 5, 1));
        c.eq("first citation by", cit.cited_by, Some(CitedBy::Examiner));
    }
    c.eq(
        "applicants",
        names(&r.applicants),
        strings(&["Jaguar Land Rover Limited"]),
    );
    c.eq(
        "assignees",
        names(&r.assignees),
        strings(&["JAGUAR LAND ROVER LIMITED"]),
    );
    c.eq(
        "inventors",
        names(&r.inventors),
        strings(&[
            "Anthony Francis Spillane",
            "William Burdock",
            "David Andrew Clare",
            "Derek Leslie Jones",
            "John Anthony Kellett",
            "Jan Pieter Prins",
            "Keith Gary Reginald Parsons",
            "Paul Malcolm Darnell",
        ]),
    );
    c.eq(
        "priority claims",
        r.priority_claims
            .iter()
            .map(|p| (p.country.clone(), p.number.clone(), p.date))
            .collect::<Vec<_>>(),
        vec![
            (Some("GB".into()), "0208877".into(), date(2002, 4, 18)),
            (Some("GB".into()), "0229951".into(), date(2002, 12, 20)),
        ],
    );
    c.eq("priority date", r.priority_date(), date(2002, 4, 18));
    // <reissue> (parent application 10249551, patent 7349776), <continuation>
    // (parent 15277516, now RE46828), and a second <reissue> of 10249551.
    c.eq(
        "related documents",
        related(&r),
        vec![
            (Relation::Reissue, "10249551".into(), date(2003, 4, 17)),
            (Relation::Continuation, "15277516".into(), date(2016, 9, 27)),
            (Relation::Reissue, "10249551".into(), date(2003, 4, 17)),
        ],
    );
    c.finish();
}

/// Application v4.0 (2004-12-02): US 2005/0004974 A1, four provisionals, twelve inventors.
#[test]
fn application_v40_us20050004974() {
    let r = parse_file("uspto-patentpublicdata-samples/xmlApp2004/US20050004974A1.xml");
    let mut c = Check::new("US20050004974A1 (application v4.0)");
    c.eq(
        "number",
        r.publication_number.to_string(),
        "US20050004974A1".into(),
    );
    c.eq("format", format(&r), Some("uspto-application-v4.0".into()));
    c.eq("publication date", r.publication_date, date(2005, 1, 6));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("10687244", 2003, 10, 16)),
    );
    c.eq("title", r.title.as_str(), "Device model agent");
    c.eq("claims", r.claims.len(), 21);
    // <claim-text><b>1</b>. A device model agent (DMA) comprising: ...
    let first = r.claims.first().map(|c| c.text.clone()).unwrap_or_default();
    c.that(
        "first claim text, number removed",
        first.starts_with("A device model agent (DMA) comprising: at least one device API through which the agent communicates with a device;"),
        &first,
    );
    c.eq(
        "claim dependencies",
        dependencies(&r),
        numbered_dependencies(&[
            0, 1, 2, 2, 2, 1, 1, 1, 1, 0, 10, 11, 11, 10, 10, 10, 16, 17, 17, 17, 17,
        ]),
    );
    c.eq("CPC", codes(&r.cpc), vec![]);
    c.eq("IPC", codes(&r.ipc), main_then_further(&["G06F15/16"]));
    c.eq(
        "USPC",
        codes(&r.us_classes),
        main_then_further(&["709/202"]),
    );
    c.eq("patent citations", r.patent_citations.len(), 0);
    c.eq(
        "assignees",
        names(&r.assignees),
        strings(&["Xerox Corporation"]),
    );
    // <first-name>Michael</first-name><middle-name>R.</middle-name> after <last-name>Furst</last-name>.
    c.eq(
        "inventors",
        names(&r.inventors),
        strings(&[
            "Naveen Sharma",
            "Michael R. Furst",
            "Claude S. Fillion",
            "Weixia Huang",
            "Michael P. Kehoe",
            "Arturo M. Lorenzo",
            "Mary C. McCorkindale",
            "Robert J. St. Jacques",
            "Tracy E. Thieret",
            "John C. Austin",
            "Marc D. Daniels",
            "Michael F. Cavanaugh",
        ]),
    );
    c.eq("priority claims", r.priority_claims.clone(), vec![]);
    c.eq(
        "related documents",
        related(&r),
        vec![
            (Relation::Provisional, "60319622".into(), date(2002, 10, 16)),
            (Relation::Provisional, "60319623".into(), date(2002, 10, 17)),
            (Relation::Provisional, "60319624".into(), date(2002, 10, 17)),
            (Relation::Provisional, "60319625".into(), date(2002, 10, 17)),
        ],
    );
    c.eq("description paragraphs", r.description.len(), 191);
    let (number, heading, text) = first_paragraph(&r);
    c.eq("first paragraph number", number, Some("0001".into()));
    c.eq("first heading", heading, Some("PRIORITY CLAIM".into()));
    c.that(
        "first paragraph text",
        text.starts_with("This application claims priority to U.S. Provisional Patent Application No. 60/319,622, filed Oct. 16, 2002,"),
        &text,
    );
    c.finish();
}

/// Application v4.1 (2005-08-25): US 2006/0288462 A1, a continuation-in-part.
#[test]
fn application_v41_us20060288462() {
    let r = parse_file("uspto-patentsview-db-fixtures/xml/ipa061228.one.xml");
    let mut c = Check::new("US20060288462A1 (application v4.1)");
    c.eq(
        "number",
        r.publication_number.to_string(),
        "US20060288462A1".into(),
    );
    c.eq("format", format(&r), Some("uspto-application-v4.1".into()));
    c.eq("publication date", r.publication_date, date(2006, 12, 28));
    c.eq(
        "application",
        application(&r),
        Some(doc_ref("11197279", 2005, 8, 4)),
    );
    c.eq(
        "title",
        r.title.as_str(),
        "Garments composed of fabric panels incorporating edible cells",
    );
    c.eq("claims", r.claims.len(), 10);
    let first = r.claims.first().map(|c| c.text.clone()).unwrap_or_default();
    c.that(
        "first claim text, number removed",
        first.starts_with(
            "A garment, comprising: (a) a plurality of substantially flexible skeletal members",
        ),
        &first,
    );
    c.eq(
        "claim dependencies",
        dependencies(&r),
        numbered_dependencies(&[0, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    );
    c.eq(
        "IPC",
        codes(&r.ipc),
        main_then_further(&["A41D31/00", "A23G1/50"]),
    );
    // "002001000" and "426104000".
    c.eq(
        "USPC",
        codes(&r.us_classes),
        main_then_further(&["2/1", "426/104"]),
    );
    c.eq(
        "assignees",
        names(&r.assignees),
        strings(&["AMERICAN EXPRESS TRAVEL RELATED SERVICES COMPANY, INC."]),
    );
    c.eq(
        "inventors",
        names(&r.inventors),
        strings(&["Yvonne Schroeder"]),
    );
    if let Some(i) = r.inventors.first() {
        c.eq("inventor city", i.city.as_deref(), Some("Koln"));
        c.eq("inventor country", i.country.as_deref(), Some("DE"));
    }
    c.eq(
        "related documents",
        related(&r),
        vec![(
            Relation::ContinuationInPart,
            "29232669".into(),
            date(2005, 6, 22),
        )],
    );
    c.eq("description paragraphs", r.description.len(), 32);
    let (number, heading, text) = first_paragraph(&r);
    c.eq("first paragraph number", number, Some("0001".into()));
    c.eq(
        "first heading",
        heading,
        Some("CROSS REFERENCE TO RELATED APPLICATIONS".into()),
    );
    c.that(
        "first paragraph text",
        text.starts_with("This application is a continuation in part of copending U. S. Design patent application Ser. No. 29/232,669"),
        &text,
    );
    c.finish();
}

/// Design patents write USPC as a three-character class field ("D 1", " D1")
/// and a three-character subclass, then a decimal: "D 1106" is D1/106 and
/// "D 32031" is D3/203.1, as printed on the patents.
#[test]
fn design_patent_uspc_codes() {
    let mut c = Check::new("design USPC");
    // v4.7: <main-classification>D 1106</main-classification>
    //       <further-classification> D1128</further-classification>
    let d967598 = ingest_and_find(
        "uspto-alexandria3k-ipgb/2022/ipgb20221025_wk43.zip",
        "USD967598S1",
    );
    c.eq(
        "USD967598S1",
        codes(&d967598.us_classes),
        main_then_further(&["D1/106", "D1/128"]),
    );
    // v4.2: <main-classification>D 1128</main-classification>
    //       <further-classification> D1106</further-classification>
    let d656296 = parse_nth("uspto-patentsview-db-fixtures/xml/ipg120327.18.xml", 1);
    c.eq(
        "USD656296S1 number",
        d656296.publication_number.to_string(),
        "USD656296S1".into(),
    );
    c.eq(
        "USD656296S1",
        codes(&d656296.us_classes),
        main_then_further(&["D1/128", "D1/106"]),
    );
    // v4.2: <main-classification>D 32031</main-classification> (a cartridge: class D3).
    let d656308 = parse_nth("uspto-patentsview-db-fixtures/xml/ipg120327.two.xml", 1);
    c.eq(
        "USD656308S1 number",
        d656308.publication_number.to_string(),
        "USD656308S1".into(),
    );
    c.eq(
        "USD656308S1",
        codes(&d656308.us_classes),
        main_then_further(&["D3/203.1"]),
    );
    c.finish();
}
