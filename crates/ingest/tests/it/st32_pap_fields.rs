//! Field-level checks of the pre-2005 USPTO formats: ST.32 grants
//! (`PATDOC`, v2.4 and v2.5) and pap application publications (v1.5, v1.6).
//! The expected values were read from the XML files and their PROVENANCE.md
//! tables; inline documents probe missing numbers, odd input and claim links.

use chrono::NaiveDate;
use patsearch_ingest::{parse_xml_document, DocContext, DocError, Parsed};
use patsearch_record::{
    CitedBy, Claim, Classification, DocumentRef, Party, PatentCitation, PatentRecord,
    RelatedDocument, Relation,
};

use crate::fixtures::patents_dir;

/// Reads and parses a fixture below the shared data folder; panics (never
/// skips) when it is missing.
fn load(rel: &str) -> PatentRecord {
    let full = patents_dir().join(rel);
    let bytes = std::fs::read(&full).unwrap_or_else(|e| {
        panic!(
            "fixture {} cannot be read ({e}): these tests need the shared patent data",
            full.display()
        )
    });
    match parse_xml_document(
        &bytes,
        DocContext {
            file: rel,
            ordinal: 1,
        },
    ) {
        Ok(Parsed::Record(record)) => *record,
        Ok(Parsed::NonPatent(n)) => panic!("{rel}: parsed as a non-patent ({})", n.what),
        Err(e) => panic!("{rel}: {e}"),
    }
}

fn parse_str(xml: &str) -> Result<PatentRecord, DocError> {
    match parse_xml_document(
        xml.as_bytes(),
        DocContext {
            file: "inline.xml",
            ordinal: 1,
        },
    )? {
        Parsed::Record(r) => Ok(*r),
        Parsed::NonPatent(n) => panic!("non-patent: {}", n.what),
    }
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn codes(classes: &[Classification]) -> Vec<(&str, Option<bool>)> {
    classes.iter().map(|c| (c.code.as_str(), c.main)).collect()
}

fn names(parties: &[Party]) -> Vec<&str> {
    parties.iter().map(|p| p.name.as_str()).collect()
}

fn claim(record: &PatentRecord, number: u32) -> &Claim {
    record
        .claims
        .iter()
        .find(|c| c.number == number)
        .unwrap_or_else(|| panic!("{}: no claim {number}", record.publication_number))
}

/// One row of a PROVENANCE.md field table.
struct Row {
    file: &'static str,
    number: &'static str,
    date: (i32, u32, u32),
    format: &'static str,
    abstract_: bool,
    claims: usize,
    description: bool,
    assignee: bool,
    patcit: usize,
    nplcit: usize,
}

/// Every pap and ST.32 document of the fixture sets, with the fields
/// PROVENANCE.md marks present (number, kind, date, abstract, #claims,
/// description, assignee, #patcit, #nplcit).
const ROWS: &[Row] = &[
    Row {
        file: "uspto-patentpublicdata-samples/pap/US20010000044A1.xml",
        number: "US20010000044A1",
        date: (2001, 3, 15),
        format: "uspto-pap-v1.5",
        abstract_: true,
        claims: 21,
        description: true,
        assignee: false,
        patcit: 0,
        nplcit: 0,
    },
    Row {
        file: "uspto-patentpublicdata-samples/pap/US20010000943A1.xml",
        number: "US20010000943A1",
        date: (2001, 5, 10),
        format: "uspto-pap-v1.5",
        abstract_: true,
        claims: 13,
        description: true,
        assignee: true,
        patcit: 0,
        nplcit: 0,
    },
    Row {
        file: "uspto-patentpublicdata-samples/pap/US20010009014A1.xml",
        number: "US20010009014A1",
        date: (2001, 7, 19),
        format: "uspto-pap-v1.5",
        abstract_: true,
        claims: 55,
        description: true,
        assignee: false,
        patcit: 0,
        nplcit: 0,
    },
    Row {
        file: "uspto-patentpublicdata-samples/sgml/US06336130.xml",
        number: "US6336130B1",
        date: (2002, 1, 1),
        format: "uspto-st32-v2.5",
        abstract_: true,
        claims: 22,
        description: true,
        assignee: true,
        patcit: 6,
        nplcit: 3,
    },
    Row {
        file: "uspto-patentpublicdata-samples/sgml/US06337117.xml",
        number: "US6337117B1",
        date: (2002, 1, 8),
        format: "uspto-st32-v2.5",
        abstract_: true,
        claims: 39,
        description: true,
        assignee: true,
        patcit: 2,
        nplcit: 0,
    },
    // SGML-era v2.4 design patent; this file happens to be well-formed XML.
    Row {
        file: "uspto-patentpublicdata-samples/sgml/USD435854S1.xml",
        number: "USD435854S",
        date: (2001, 1, 2),
        format: "uspto-st32-v2.4",
        abstract_: false,
        claims: 1,
        description: true,
        assignee: true,
        patcit: 10,
        nplcit: 0,
    },
    Row {
        file: "uspto-go-uspto-testdata/application/v1-5-A1_1.xml",
        number: "US20010000001A1",
        date: (2001, 3, 15),
        format: "uspto-pap-v1.5",
        abstract_: true,
        claims: 0,
        description: false,
        assignee: false,
        patcit: 0,
        nplcit: 0,
    },
    Row {
        file: "uspto-go-uspto-testdata/application/v1-5-A1_2.xml",
        number: "US20010000002A1",
        date: (2001, 3, 15),
        format: "uspto-pap-v1.5",
        abstract_: true,
        claims: 33,
        description: true,
        assignee: false,
        patcit: 0,
        nplcit: 0,
    },
    Row {
        file: "uspto-go-uspto-testdata/grant/v2-5-B2.xml",
        number: "US6530116B2",
        date: (2003, 3, 11),
        format: "uspto-st32-v2.5",
        abstract_: true,
        claims: 20,
        description: true,
        assignee: true,
        patcit: 33,
        nplcit: 4,
    },
    Row {
        file: "uspto-patentsview-db-fixtures/xml/pa040101.two.xml",
        number: "US20040000002A1",
        date: (2004, 1, 1),
        format: "uspto-pap-v1.6",
        abstract_: true,
        claims: 1,
        description: true,
        assignee: true,
        patcit: 0,
        nplcit: 0,
    },
];

#[test]
#[should_panic(expected = "no/such/fixture.xml cannot be read")]
fn a_missing_fixture_fails_loudly() {
    load("no/such/fixture.xml");
}

#[test]
fn every_fixture_matches_its_provenance_row() {
    for row in ROWS {
        let r = load(row.file);
        let f = row.file;
        assert_eq!(r.publication_number.to_string(), row.number, "{f}");
        assert_eq!(
            r.publication_date,
            date(row.date.0, row.date.1, row.date.2),
            "{f}"
        );
        assert!(!r.title.is_empty(), "{f}: title");
        assert_eq!(!r.abstract_text.is_empty(), row.abstract_, "{f}: abstract");
        assert_eq!(r.claims.len(), row.claims, "{f}: #claims");
        assert_eq!(
            !r.description.is_empty(),
            row.description,
            "{f}: description"
        );
        assert_eq!(!r.assignees.is_empty(), row.assignee, "{f}: assignee");
        assert_eq!(r.patent_citations.len(), row.patcit, "{f}: #patcit");
        assert_eq!(r.npl_citations.len(), row.nplcit, "{f}: #nplcit");
        assert!(!r.inventors.is_empty(), "{f}: inventors");
        // Design patents carry a Locarno class where utility documents carry IPC.
        let design = r.kind.as_deref().is_some_and(|k| k.starts_with('S'));
        assert_eq!(r.ipc.is_empty(), design, "{f}: ipc");
        assert!(r.application.is_some(), "{f}: application");
        let source = r.source.as_ref().expect("source");
        assert_eq!(source.file, row.file);
        assert_eq!(source.ordinal, 1);
        assert_eq!(source.format.as_deref(), Some(row.format), "{f}");
        // Claims are numbered 1..n in order and only ever depend on earlier claims.
        for (i, c) in r.claims.iter().enumerate() {
            assert_eq!(c.number as usize, i + 1, "{f}: claim order");
            assert!(!c.text.is_empty(), "{f}: claim {} text", c.number);
            assert!(
                c.depends_on.iter().all(|&d| d < c.number),
                "{f}: claim {} depends on {:?}",
                c.number,
                c.depends_on
            );
        }
        if row.claims > 0 {
            assert!(r.claims[0].is_independent(), "{f}: claim 1 is independent");
        }
    }
}

#[test]
fn other_st32_fixtures_parse() {
    // Pretty-printed v2.5 documents from go-uspto (not in the PROVENANCE table).
    let b1 = load("uspto-go-uspto-testdata/grant/v2-5-B1.xml");
    assert_eq!(b1.publication_number.to_string(), "US6334226B1");
    assert_eq!(codes(&b1.ipc), [("E03C1/04", Some(true))]);
    assert_eq!(
        b1.us_classes.first().map(|c| c.code.as_str()),
        Some("4/675"),
        "padding lost to pretty-printing is restored"
    );
    assert_eq!(b1.priority_claims.len(), 2);
    assert_eq!(names(&b1.assignees), ["Toto Ltd."]);
    assert!(!b1.claims.is_empty());

    let s1 = load("uspto-go-uspto-testdata/grant/v2-5-S1.xml");
    assert_eq!(s1.publication_number.to_string(), "USD452599S1");
    assert!(s1.ipc.is_empty(), "Locarno 01-01 is not IPC");
    assert_eq!(codes(&s1.us_classes), [("D1/106", Some(true))]);
    assert_eq!(s1.claims.len(), 1);
    assert_eq!(s1.claims[0].number, 1);
    assert!(s1.claims[0]
        .text
        .starts_with("The ornamental design for a confection item"));
    assert_eq!(s1.inventors[0].name, "Ute Rossi-Wolter");
    assert_eq!(s1.inventors[0].city.as_deref(), Some("74193 Schwaigern"));
    assert_eq!(s1.description.len(), 7);
}

#[test]
fn st32_grant_field_by_field() {
    let r = load("uspto-patentpublicdata-samples/sgml/US06336130.xml");
    assert_eq!(r.publication_number.to_string(), "US6336130B1");
    assert_eq!(r.country, "US");
    assert_eq!(r.kind.as_deref(), Some("B1"));
    assert_eq!(r.publication_date, date(2002, 1, 1));
    let app = r.application.as_ref().expect("application");
    assert_eq!(app.number, "09413215");
    assert_eq!(app.date, date(1999, 10, 5));
    assert_eq!(r.filing_date(), date(1999, 10, 5));
    assert_eq!(
        r.priority_claims,
        [DocumentRef {
            country: Some("NO".into()),
            number: "971605".into(),
            kind: None,
            date: date(1997, 4, 8),
        }]
    );
    assert_eq!(
        r.related_documents,
        [RelatedDocument {
            relation: Relation::Continuation,
            document: DocumentRef {
                country: Some("US".into()),
                number: "PCT/NO98/00107".into(),
                kind: None,
                date: date(1998, 4, 2),
            },
        }]
    );
    assert_eq!(
        r.title,
        "Arrangement for improving availability of services in a communication system"
    );
    assert_eq!(
        codes(&r.ipc),
        [("G06F15/16", Some(true)), ("G06F13/00", Some(false))]
    );
    assert_eq!(
        codes(&r.us_classes),
        [("709/202", Some(true)), ("709/201", Some(false))]
    );

    // Citations: five US patents and one WO, cited by the examiner / others.
    assert_eq!(r.patent_citations.len(), 6);
    assert_eq!(
        r.patent_citations[0],
        PatentCitation {
            country: Some("US".into()),
            number: "5825759".into(),
            kind: Some("A".into()),
            date: date(1998, 10, 1),
            cited_by: Some(CitedBy::Examiner),
        }
    );
    let wo = &r.patent_citations[5];
    assert_eq!(wo.country.as_deref(), Some("WO"));
    assert_eq!(wo.number, "96/25012");
    assert_eq!(wo.cited_by, Some(CitedBy::ThirdParty));
    assert_eq!(r.npl_citations.len(), 3);
    assert!(r.npl_citations[0].text.starts_with(
        "S. Krause et al.; Mobile Service Agents Enabling \u{2018}Intelligence on Demand\u{2019}"
    ));
    assert!(r.npl_citations[1]
        .text
        .starts_with("IEEE 46th Technology Conference"));

    assert_eq!(
        r.inventors,
        [Party {
            name: "Thanh Van Do".into(),
            city: Some("Oslo".into()),
            country: Some("NO".into()),
        }]
    );
    assert_eq!(
        r.assignees,
        [Party {
            name: "Telefonaktiebolaget LM Ericsson (publ)".into(),
            city: Some("Stockholm".into()),
            country: Some("SE".into()),
        }]
    );
    assert!(r.applicants.is_empty());

    assert!(r
        .abstract_text
        .starts_with("A communications systems, e.g., a telecommunications system, includes"));
    let first = &r.description[0];
    assert_eq!(first.heading, None);
    assert!(first
        .text
        .starts_with("This is a continuation of PCT application"));
    let field = &r.description[1];
    assert_eq!(field.heading.as_deref(), Some("FIELD OF THE INVENTION"));
    assert!(field
        .text
        .starts_with("Generally, the present invention relates"));
    assert!(r
        .description
        .iter()
        .any(|p| p.heading.as_deref() == Some("DETAILED DESCRIPTION")
            && p.text.starts_with("FIG. 1, as previously discussed")));
    assert_eq!(r.description.len(), 42);

    assert_eq!(r.claims.len(), 22);
    let c1 = claim(&r, 1);
    assert!(c1
        .text
        .starts_with("An arrangement in a network including a plurality of mobile terminals"));
    assert!(c1
        .text
        .ends_with("each of the mobile terminals including a fixed network node agent representing the fixed network node."));
    assert!(c1.is_independent());
    let c2 = claim(&r, 2);
    assert!(c2
        .text
        .starts_with("The arrangement in claim 1, wherein the fixed network node agent"));
    assert_eq!(c2.depends_on, [1]);
    assert_eq!(claim(&r, 5).depends_on, [4]);
    assert_eq!(claim(&r, 11).depends_on, [10]);
    assert!(claim(&r, 9).is_independent());
    assert!(claim(&r, 18).is_independent());
    assert_eq!(claim(&r, 22).depends_on, [19]);
    assert_eq!(r.independent_claims().count(), 3);
    assert_eq!(r.claims_lang.as_deref(), Some("en"));
}

#[test]
fn st32_padded_classes_and_us_inventors() {
    let r = load("uspto-go-uspto-testdata/grant/v2-5-B2.xml");
    assert_eq!(r.publication_number.to_string(), "US6530116B2");
    assert_eq!(r.publication_date, date(2003, 3, 11));
    assert_eq!(r.filing_date(), date(2001, 2, 13));
    assert_eq!(
        r.title,
        "Vacuum cleaner with muffled detachable blower exhaust"
    );
    assert_eq!(codes(&r.ipc), [("A47L5/14", Some(true))]);
    assert_eq!(
        codes(&r.us_classes),
        [
            ("15/328", Some(true)),
            ("15/327.6", Some(false)),
            ("15/326", Some(false)),
            ("15/412", Some(false)),
        ]
    );
    assert_eq!(
        names(&r.inventors),
        ["Robert C. Berfield", "Ronald Griffin", "Craig Seasholtz"]
    );
    assert_eq!(r.inventors[0].city.as_deref(), Some("Jersey Shore"));
    assert_eq!(r.inventors[0].country.as_deref(), Some("US"));
    assert_eq!(names(&r.assignees), ["Shop Vac Corporation"]);
    // The earlier publication of the same application (B690US) is not a relation.
    assert!(r.related_documents.is_empty());
    let canadian = r.patent_citations.last().expect("citations");
    assert_eq!(canadian.country.as_deref(), Some("CA"));
    assert_eq!(canadian.number, "461861");
    assert_eq!(canadian.date, date(1949, 12, 1));
    assert_eq!(
        r.patent_citations
            .iter()
            .filter(|c| c.cited_by == Some(CitedBy::Examiner))
            .count(),
        7
    );
    assert!(claim(&r, 1)
        .text
        .starts_with("A vacuum cleaner comprising: a housing"));
    assert_eq!(claim(&r, 2).depends_on, [1]);
    assert_eq!(claim(&r, 4).depends_on, [3]);
}

#[test]
fn st32_other_fields_multiple_assignees() {
    let r = load("uspto-patentpublicdata-samples/sgml/USD435854S1.xml");
    assert_eq!(r.kind.as_deref(), Some("S"));
    assert_eq!(
        names(&r.assignees),
        [
            "Hitachi Maxell, Ltd.",
            "Sanyo Electric Co.,Ltd.",
            "Olympus Optical Co., Ltd."
        ]
    );
    assert_eq!(codes(&r.us_classes), [("D14/480", Some(true))]);
    assert!(r.ipc.is_empty(), "Locarno 14-02 is not IPC");
    assert_eq!(r.patent_citations[0].number, "D. 271298");
}

#[test]
fn pap_field_by_field() {
    let r = load("uspto-patentpublicdata-samples/pap/US20010009014A1.xml");
    assert_eq!(r.publication_number.to_string(), "US20010009014A1");
    assert_eq!(r.kind.as_deref(), Some("A1"));
    assert_eq!(r.publication_date, date(2001, 7, 19));
    let app = r.application.as_ref().expect("application");
    assert_eq!(app.number, "09777392");
    assert_eq!(app.date, date(2001, 2, 5));
    assert_eq!(
        r.title,
        "Facilitating real-time, multi-point communications over the internet"
    );
    assert_eq!(codes(&r.ipc), [("G06F15/16", Some(true))]);
    assert_eq!(
        codes(&r.us_classes),
        [("709/204", Some(true)), ("709/227", Some(false))]
    );
    let related: Vec<(Relation, &str, Option<NaiveDate>)> = r
        .related_documents
        .iter()
        .map(|d| (d.relation, d.document.number.as_str(), d.document.date))
        .collect();
    assert_eq!(
        related,
        [
            (Relation::Division, "09432885", date(1999, 11, 2)),
            (Relation::ContinuationInPart, "09312927", date(1999, 5, 17)),
            (Relation::Provisional, "60128037", date(1999, 4, 6)),
        ]
    );
    assert_eq!(
        r.inventors,
        [
            Party {
                name: "James A. Savage III".into(),
                city: Some("San Jose".into()),
                country: Some("US".into()),
            },
            Party {
                name: "Sophie Muller".into(),
                city: Some("Palo Alto".into()),
                country: Some("US".into()),
            },
        ]
    );
    assert_eq!(r.applicants, r.inventors);
    assert!(r.assignees.is_empty());
    assert!(r.patent_citations.is_empty() && r.npl_citations.is_empty());

    assert!(r
        .abstract_text
        .starts_with("Methods and apparatus are described for facilitating a first conference"));
    let first = &r.description[0];
    assert_eq!(first.number.as_deref(), Some("0001"));
    assert_eq!(first.heading.as_deref(), Some("RELATED APPLICATION DATA"));
    assert!(first
        .text
        .starts_with("The present application is a continuation-in-part of U.S. Pat."));
    assert_eq!(
        r.description[1].heading.as_deref(),
        Some("BACKGROUND OF THE INVENTION")
    );
    assert!(r.description.iter().all(|p| p.number.is_some()));

    assert_eq!(r.claims.len(), 55);
    let c1 = claim(&r, 1);
    assert_eq!(
        c1.text,
        "A method for facilitating communication between a plurality of clients on a network, \
         comprising: receiving a request with a dispatch server, the request being from a first \
         one of the plurality of clients to join a first conference; and statelessly dispatching \
         the first client to the first conference on a first one of a plurality of media servers \
         associated with the dispatch server."
    );
    assert!(c1.is_independent());
    let c2 = claim(&r, 2);
    assert!(c2
        .text
        .starts_with("The method of claim 1 further comprising determining"));
    assert_eq!(c2.depends_on, [1]);
    assert_eq!(claim(&r, 3).depends_on, [2]);
    assert_eq!(claim(&r, 11).depends_on, [8]);
}

#[test]
fn pap_assignee_priority_and_paragraph_numbers() {
    let r = load("uspto-patentpublicdata-samples/pap/US20010000943A1.xml");
    assert_eq!(r.filing_date(), date(2000, 12, 4));
    assert_eq!(
        r.title,
        "Organic electroluminescence device and method of manufacturing same"
    );
    assert_eq!(
        r.assignees,
        [Party {
            name: "IDEMITSU KOSAN CO., LTD.".into(),
            city: None,
            country: None,
        }]
    );
    assert_eq!(
        r.priority_claims,
        [DocumentRef {
            country: Some("JP".into()),
            number: "11-097727".into(),
            kind: None,
            date: date(1999, 4, 5),
        }]
    );
    assert_eq!(codes(&r.ipc), [("H01J1/62", Some(true))]);
    assert_eq!(
        codes(&r.us_classes),
        [("313/503", Some(true)), ("313/504", Some(false))]
    );
    assert_eq!(names(&r.inventors), ["Kenichi Fukuoka", "Mitsura Eida"]);
    assert_eq!(r.inventors[0].city.as_deref(), Some("Sodegaura-shi"));
    assert_eq!(r.inventors[0].country.as_deref(), Some("JP"));
    assert_eq!(r.related_documents.len(), 1);
    assert_eq!(r.related_documents[0].relation, Relation::Continuation);
    assert_eq!(r.related_documents[0].document.number, "PCT/JP00/02182");
    let p = &r.description[0];
    assert_eq!(p.number.as_deref(), Some("1"));
    assert!(p
        .text
        .starts_with("This is a continuation application of PCT"));
    assert!(r.abstract_text.contains("Min\u{2212}20 nm<t<Min+20 nm"));
    assert_eq!(claim(&r, 2).depends_on, [1]);
    assert!(claim(&r, 2)
        .text
        .starts_with("The organic electroluminescence device according to claim 1, wherein"));
}

#[test]
fn pap_unlinked_dependencies_come_from_the_wording() {
    let r = load("uspto-patentpublicdata-samples/pap/US20010000044A1.xml");
    let c1 = claim(&r, 1);
    assert!(c1
        .text
        .starts_with("A method of doing business over a global communications network"));
    assert!(c1.is_independent());
    let c2 = claim(&r, 2);
    assert!(c2
        .text
        .starts_with("The method of claim 1, further comprising"));
    assert_eq!(c2.depends_on, [1]);
    assert_eq!(r.inventors[0].name, "Wayne W Lin");
    assert_eq!(r.inventors[0].city.as_deref(), Some("Irvine"));
    assert!(r.related_documents.is_empty());
}

#[test]
fn pap_v16_and_front_page_only_documents() {
    let r = load("uspto-patentsview-db-fixtures/xml/pa040101.two.xml");
    assert_eq!(r.publication_number.to_string(), "US20040000002A1");
    assert_eq!(codes(&r.ipc), [("A41B1/00", Some(true))]);
    assert_eq!(codes(&r.us_classes), [("2/69", Some(true))]);
    assert_eq!(names(&r.assignees), ["Hill-Rom Services, Inc."]);
    assert_eq!(names(&r.inventors), ["Scott Hollander"]);
    assert_eq!(r.description[0].number.as_deref(), Some("0001"));
    assert_eq!(r.description[0].text, "1. Field of the Invention");

    let front = load("uspto-go-uspto-testdata/application/v1-5-A1_1.xml");
    assert!(front.claims.is_empty() && front.description.is_empty());
    assert_eq!(front.claims_lang, None);
    let related: Vec<(Relation, &str)> = front
        .related_documents
        .iter()
        .map(|d| (d.relation, d.document.number.as_str()))
        .collect();
    assert_eq!(
        related,
        [
            (Relation::Continuation, "09375495"),
            (Relation::Continuation, "08894495"),
            (Relation::Other, "PCT/US97/05183"),
            (Relation::ContinuationInPart, "08580840"),
        ]
    );
}

#[test]
fn missing_number_is_an_error_and_odd_input_never_panics() {
    for xml in [
        "<PATDOC/>",
        "<PATDOC><SDOBI><B100><B110/></B100></SDOBI></PATDOC>",
        "<patent-application-publication/>",
        "<patent-application-publication><subdoc-bibliographic-information><document-id/></subdoc-bibliographic-information></patent-application-publication>",
    ] {
        assert_eq!(
            parse_str(xml).unwrap_err(),
            DocError::MissingField("publication number"),
            "{xml}"
        );
    }
    assert!(matches!(
        parse_str("<PATDOC><SDOBI><B100><B110><DNUM><PDAT>12?45</PDAT></DNUM></B110></B100></SDOBI></PATDOC>"),
        Err(DocError::BadNumber(_))
    ));

    // Skeletons with empty or odd values parse to sparse records.
    let grant = parse_str(
        "<PATDOC><SDOBI><B100><B110><DNUM><PDAT>06000001</PDAT></DNUM></B110></B100>\
         <B200><B210/></B200><B300/><B500><B510><B511><PDAT>\u{e9}</PDAT></B511><B512/></B510>\
         <B520><B521><PDAT>x</PDAT></B521></B520><B560><B561><PCIT/></B561><B562/></B560></B500>\
         <B600><B630><B631><PARENT-US/></B631></B630><B680US><DOC/></B680US></B600>\
         <B700><B720><B721/></B720><B730><B731><PARTY-US><NAM/></PARTY-US></B731></B730></B700></SDOBI>\
         <SDOCL><CL><CLM ID=\"x\"><PARA><PTEXT><PDAT>A thing of </PDAT><CLREF ID=\"CLM-99999\"><PDAT>claim</PDAT></CLREF>\
         <CLREF/></PTEXT></PARA></CLM><CLM/></CL></SDOCL></PATDOC>",
    )
    .expect("sparse grant");
    assert_eq!(grant.publication_number.to_string(), "US6000001");
    assert!(grant.application.is_none() && grant.patent_citations.is_empty());
    assert_eq!(
        grant.ipc,
        [Classification {
            code: "\u{e9}".into(),
            main: Some(true)
        }]
    );
    assert!(grant.us_classes.is_empty() && grant.related_documents.is_empty());
    assert!(grant.inventors.is_empty() && grant.assignees.is_empty());
    assert_eq!(grant.claims.len(), 2);
    assert_eq!(grant.claims[0].number, 1);
    assert!(grant.claims[0].depends_on.is_empty());
    assert_eq!(grant.claims[1].number, 2);
    assert_eq!(grant.claims[1].text, "");
    assert_eq!(
        grant.source.and_then(|s| s.format).as_deref(),
        Some("uspto-st32-v2.5")
    );

    let app = parse_str(
        "<patent-application-publication><subdoc-bibliographic-information>\
         <document-id><doc-number>20030000001</doc-number></document-id>\
         <technical-information><classification-us><classification-us-primary><uspc><class>1</class></uspc>\
         </classification-us-primary></classification-us></technical-information>\
         <continuity-data><continuations><continuation-of><parent-child/></continuation-of></continuations></continuity-data>\
         <inventors><inventor><name/></inventor></inventors><assignee/></subdoc-bibliographic-information>\
         <subdoc-claims><claim><claim-text>7. The device of <dependent-claim-reference depends_on=\"nope\">\
         <claim-text>claim 3</claim-text></dependent-claim-reference>, red.</claim-text></claim></subdoc-claims>\
         </patent-application-publication>",
    )
    .expect("sparse application");
    assert_eq!(app.publication_number.to_string(), "US20030000001");
    assert!(app.us_classes.is_empty() && app.related_documents.is_empty());
    assert!(app.inventors.is_empty() && app.assignees.is_empty());
    assert_eq!(app.claims.len(), 1);
    assert_eq!(app.claims[0].number, 7);
    assert_eq!(app.claims[0].text, "The device of claim 3, red.");
    assert_eq!(app.claims[0].depends_on, [3]);
    assert_eq!(
        app.source.and_then(|s| s.format).as_deref(),
        Some("uspto-pap-v1.5")
    );
}

#[test]
fn absurd_claim_numbers_are_not_trusted() {
    let grant = parse_str(
        "<PATDOC><SDOBI><B100><B110><DNUM><PDAT>06000001</PDAT></DNUM></B110></B100></SDOBI>\
         <SDOCL><CL><CLM ID=\"CLM-4000000000\"><PARA><PTEXT><PDAT>4000000000. A thing as in any \
         preceding claim.</PDAT></PTEXT></PARA></CLM>\
         <CLM ID=\"CLM-00002\"><PARA><PTEXT><PDAT>2. A thing of </PDAT><CLREF ID=\"CLM-00001\">\
         <PDAT>claim 1</PDAT></CLREF><PDAT> to </PDAT><CLREF ID=\"CLM-99999999\"><PDAT>claim 99999999</PDAT>\
         </CLREF></PTEXT></PARA></CLM></CL></SDOCL></PATDOC>",
    )
    .expect("grant");
    assert_eq!(grant.claims[0].number, 1);
    assert!(grant.claims[0].depends_on.is_empty());
    assert_eq!(grant.claims[1].number, 2);
    assert_eq!(grant.claims[1].depends_on, [1]);
}

#[test]
fn claim_ranges_from_two_links() {
    let app = parse_str(
        "<patent-application-publication><subdoc-bibliographic-information>\
         <document-id><doc-number>20030000001</doc-number><kind-code>A1</kind-code></document-id>\
         </subdoc-bibliographic-information><subdoc-claims>\
         <claim id=\"CLM-00001\"><claim-text>1. A.</claim-text></claim>\
         <claim id=\"CLM-00002\"><claim-text>2. B.</claim-text></claim>\
         <claim id=\"CLM-00003\"><claim-text>3. C.</claim-text></claim>\
         <claim id=\"CLM-00004\"><claim-text>4. D of any of <dependent-claim-reference depends_on=\"CLM-00001\">\
         <claim-text>claims 1</claim-text></dependent-claim-reference> to \
         <dependent-claim-reference depends_on=\"CLM-00003\"><claim-text>3</claim-text></dependent-claim-reference>.\
         </claim-text></claim></subdoc-claims></patent-application-publication>",
    )
    .expect("application");
    assert_eq!(app.claims[3].depends_on, [1, 2, 3]);
    assert_eq!(app.claims[3].text, "D of any of claims 1 to 3.");
}
