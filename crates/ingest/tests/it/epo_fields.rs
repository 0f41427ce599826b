//! Field-level checks of EPO `ep-patent-document` XML (v1.0 to v1.5.1) and
//! the front-page-only `ep-bulletin-v1-0` records, over the go-epo-eps test
//! documents and their PROVENANCE.md table, plus inline documents that probe
//! the fallbacks and odd input.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDate;
use patsearch_ingest::{parse_xml_document, DocContext, DocError, Parsed};
use patsearch_record::{
    parse_date, CitedBy, Claim, Classification, DocumentRef, NplCitation, Party, PatentCitation,
    PatentRecord, RelatedDocument, Relation,
};

use crate::fixtures::patents_dir;

/// The go-epo-eps test documents (read-only shared data, never copied into the repo).
fn fixtures() -> PathBuf {
    let dir = patents_dir().join("epo-go-epo-eps-testdata");
    assert!(
        dir.join("PROVENANCE.md").is_file(),
        "EPO fixtures are missing: expected the go-epo-eps test data (PROVENANCE.md, \
         application/, grant/) at {}; these tests need the shared patent data",
        dir.display()
    );
    dir
}

fn parse_fixture(rel: &str) -> PatentRecord {
    let path = fixtures().join(rel);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    let ctx = DocContext {
        file: rel,
        ordinal: 1,
    };
    match parse_xml_document(&bytes, ctx) {
        Ok(Parsed::Record(record)) => *record,
        other => panic!("{rel} did not parse to a record: {other:?}"),
    }
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn codes(classes: &[Classification]) -> Vec<&str> {
    classes.iter().map(|c| c.code.as_str()).collect()
}

fn claim(claims: &[Claim], number: u32) -> &Claim {
    claims
        .iter()
        .find(|c| c.number == number)
        .unwrap_or_else(|| panic!("no claim {number}"))
}

/// One row of the per-document table in PROVENANCE.md.
#[derive(Debug)]
struct Row {
    file: String,
    dtd: String,
    number: String,
    kind: String,
    pub_date: String,
    has_abstract: bool,
    claim_sets: usize,
    has_description: bool,
    cpc: usize,
    old_ipc: bool,
    has_assignee: bool,
    patcit: usize,
    nplcit: usize,
}

fn provenance_rows() -> Vec<Row> {
    let path = fixtures().join("PROVENANCE.md");
    let table = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let count = |cell: &str| -> usize {
        cell.parse()
            .unwrap_or_else(|_| panic!("bad count {cell:?} in PROVENANCE.md"))
    };
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | file | root | dtd | number | kind | date | abstract | #claims | description
            // | #CPC | #IPCR | old IPC | USPC | assignee | #patcit | #nplcit |
            if cells.len() != 18 || !cells[1].ends_with(".xml") {
                return None;
            }
            Some(Row {
                file: cells[1].to_string(),
                dtd: cells[3].to_string(),
                number: cells[4].to_string(),
                kind: cells[5].to_string(),
                pub_date: cells[6].to_string(),
                has_abstract: cells[7] == "y",
                claim_sets: count(cells[8]),
                has_description: cells[9] == "y",
                cpc: count(cells[10]),
                old_ipc: cells[12] == "y",
                has_assignee: cells[14] == "y",
                patcit: count(cells[15]),
                nplcit: count(cells[16]),
            })
        })
        .collect()
}

#[test]
fn every_fixture_parses_with_the_fields_provenance_lists() {
    let rows = provenance_rows();
    assert_eq!(rows.len(), 66, "PROVENANCE.md lists 66 documents");

    let mut on_disk = BTreeSet::new();
    for sub in ["application", "grant"] {
        let dir = fixtures().join(sub);
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        {
            let name = entry.expect("directory entry").file_name();
            on_disk.insert(format!("{sub}/{}", name.to_string_lossy()));
        }
    }
    let listed: BTreeSet<String> = rows.iter().map(|r| r.file.clone()).collect();
    assert_eq!(
        listed, on_disk,
        "PROVENANCE.md and the fixture files disagree"
    );

    for row in &rows {
        let r = parse_fixture(&row.file);
        let f = &row.file;
        assert_eq!(
            r.publication_number.to_string(),
            format!("EP{}{}", row.number, row.kind),
            "{f}"
        );
        assert_eq!(r.country, "EP", "{f}");
        assert_eq!(r.kind.as_deref(), Some(row.kind.as_str()), "{f}");
        assert_eq!(r.publication_date, parse_date(&row.pub_date), "{f}");
        assert!(r.lang.is_some(), "{f}: language");
        let source = r.source.as_ref().expect("source");
        assert_eq!(source.file, *f);
        assert_eq!(source.ordinal, 1);
        assert_eq!(source.format.as_deref(), Some(row.dtd.as_str()), "{f}");

        assert!(!r.title.is_empty(), "{f}: title");
        assert!(r.application.is_some(), "{f}: application");
        assert!(!r.inventors.is_empty(), "{f}: inventors");
        assert_eq!(
            !r.abstract_text.is_empty(),
            row.has_abstract,
            "{f}: abstract"
        );
        assert_eq!(
            !r.description.is_empty(),
            row.has_description,
            "{f}: description"
        );
        let sets = usize::from(!r.claims.is_empty()) + r.other_claim_sets.len();
        assert_eq!(sets, row.claim_sets, "{f}: claim sets");
        if !r.claims.is_empty() {
            assert!(r.claims_lang.is_some(), "{f}: claims language");
            let languages: Vec<Option<&str>> = std::iter::once(r.claims_lang.as_deref())
                .chain(r.other_claim_sets.iter().map(|s| s.lang.as_deref()))
                .collect();
            if languages.contains(&Some("en")) {
                assert_eq!(r.claims_lang.as_deref(), Some("en"), "{f}: English first");
            }
            assert!(
                r.other_claim_sets.iter().all(|s| !s.claims.is_empty()),
                "{f}"
            );
        }
        assert_eq!(!r.cpc.is_empty(), row.cpc > 0, "{f}: CPC");
        assert_eq!(!r.ipc.is_empty(), row.old_ipc, "{f}: IPC");
        if row.has_assignee {
            assert!(!r.assignees.is_empty(), "{f}: assignee");
        }
        if row.patcit > 0 {
            assert!(!r.patent_citations.is_empty(), "{f}: patent citations");
        }
        if row.nplcit > 0 {
            assert!(!r.npl_citations.is_empty(), "{f}: NPL citations");
        }
        // Codes are normalised: no spaces, subclass + group/subgroup.
        for c in r.ipc.iter().chain(&r.cpc) {
            assert!(!c.code.contains(' ') && c.code.len() >= 4, "{f}: {c:?}");
            assert!(!c.code.ends_with('/'), "{f}: {c:?}");
        }
        for c in &r.patent_citations {
            assert!(
                !c.number.is_empty() && !c.number.contains(' '),
                "{f}: {c:?}"
            );
            assert!(c.cited_by.is_some(), "{f}: {c:?}");
        }
    }
}

#[test]
fn application_v1_5_1_field_by_field() {
    let r = parse_fixture("application/v1-5-1-A1.xml");
    assert_eq!(r.publication_number.to_string(), "EP3882239A1");
    assert_eq!(r.kind.as_deref(), Some("A1"));
    assert_eq!(r.lang.as_deref(), Some("en"));
    assert_eq!(r.publication_date, date(2021, 9, 22));
    assert_eq!(
        r.application,
        Some(DocumentRef {
            country: Some("EP".into()),
            number: "19883405.3".into(),
            kind: None,
            date: date(2019, 11, 14),
        })
    );
    assert_eq!(
        r.priority_claims,
        vec![DocumentRef {
            country: Some("JP".into()),
            number: "2018214950".into(),
            kind: None,
            date: date(2018, 11, 15),
        }]
    );
    assert!(r.related_documents.is_empty());
    assert_eq!(r.title, "1,3,4-OXADIAZOLONE COMPOUND AND MEDICINE");
    assert!(r.abstract_text.starts_with(
        "The purpose of the present invention is to provide a compound having PIM \
         inhibitory activity. Examples of the present invention include"
    ));

    let first = &r.description[0];
    assert_eq!(first.number.as_deref(), Some("0001"));
    assert_eq!(first.heading.as_deref(), Some("TECHNICAL FIELD"));
    assert_eq!(
        first.text,
        "The present invention relates to a 1,3,4-oxadiazolone compound and a pharmaceutical."
    );
    assert_eq!(r.description[1].heading.as_deref(), Some("BACKGROUND ART"));

    assert_eq!(r.claims_lang.as_deref(), Some("en"));
    assert!(r.other_claim_sets.is_empty());
    assert_eq!(r.claims.len(), 14);
    let numbers: Vec<u32> = r.claims.iter().map(|c| c.number).collect();
    assert_eq!(numbers, (1..=14).collect::<Vec<_>>());
    let c1 = claim(&r.claims, 1);
    assert!(
        c1.text.starts_with(
            "A 1,3,4-oxadiazolone compound of the formula [1]: wherein X1 is a carbon atom \
             or a nitrogen atom, when X1 is a carbon atom, R1 is a hydrogen atom"
        ),
        "{}",
        c1.text
    );
    assert!(c1.is_independent());
    assert!(claim(&r.claims, 2)
        .text
        .starts_with("The 1,3,4-oxadiazolone compound according to claim 1,"));
    assert_eq!(claim(&r.claims, 2).depends_on, vec![1]);
    assert_eq!(claim(&r.claims, 3).depends_on, vec![1, 2]);
    assert_eq!(claim(&r.claims, 4).depends_on, vec![1, 2, 3]);
    assert_eq!(claim(&r.claims, 8).depends_on, vec![7]);
    assert_eq!(claim(&r.claims, 10).depends_on, vec![9]);
    assert_eq!(
        claim(&r.claims, 12).depends_on,
        (1..=11).collect::<Vec<_>>()
    );

    assert_eq!(
        codes(&r.ipc),
        vec![
            "C07D271/113",
            "A61K31/4245",
            "A61K31/454",
            "A61K31/496",
            "A61K31/538",
            "A61K31/55",
            "A61K31/553",
            "A61P37/00",
            "A61P43/00",
            "C07D413/04",
            "C07D413/10",
            "C07D413/12",
            "C07D413/14",
            "C07D487/10",
        ]
    );
    assert_eq!(r.ipc[0].main, Some(true), "AFI: first position");
    assert!(
        r.ipc[1..].iter().all(|c| c.main == Some(false)),
        "ALI: later"
    );
    assert_eq!(
        codes(&r.cpc),
        vec![
            "C07D271/113",
            "C07D413/04",
            "Y02A50/30",
            "C07D413/10",
            "A61K31/553",
            "A61P37/00",
            "C07D413/14",
            "C07D413/12",
            "A61P43/00",
            "C07D487/10",
            "A61K31/496",
            "A61K31/454",
            "A61K31/55",
            "A61K31/538",
            "A61K31/4245",
        ]
    );
    // Every CPC line of this document is in a later ("L") position.
    assert!(r.cpc.iter().all(|c| c.main == Some(false)));

    let nippon = Party {
        name: "Nippon Shinyaku Co., Ltd.".into(),
        city: Some("Kyoto-shi Kyoto 601-8550".into()),
        country: Some("JP".into()),
    };
    assert_eq!(r.applicants, vec![nippon.clone()]);
    assert_eq!(
        r.assignees,
        vec![nippon],
        "an application's applicant owns it"
    );
    let inventors: Vec<&str> = r.inventors.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        inventors,
        vec![
            "KAMITANI Hirotaka",
            "ZAIMOKU Hisaaki",
            "HARUTA Yoshinari",
            "KIKUCHI Takeo"
        ]
    );
    assert_eq!(
        r.inventors[0].city.as_deref(),
        Some("Kamakura-shi, Kanagawa 247-0056")
    );
    assert_eq!(r.inventors[0].country.as_deref(), Some("JP"));

    // The reference list: 6 patent documents and 102 non-patent ones, all from the applicant.
    assert_eq!(r.patent_citations.len(), 6);
    assert_eq!(
        r.patent_citations[0],
        PatentCitation {
            country: Some("WO".into()),
            number: "2010022076".into(),
            kind: Some("A1".into()),
            date: None,
            cited_by: Some(CitedBy::Applicant),
        }
    );
    assert_eq!(r.npl_citations.len(), 102);
    assert_eq!(
        r.npl_citations[0],
        NplCitation {
            text: "NAWIJN et al., Nat. Rev. Cancer, 2011, vol. 11, 23-34".into(),
            cited_by: Some(CitedBy::Applicant),
        }
    );
    assert!(r
        .patent_citations
        .iter()
        .all(|c| c.cited_by == Some(CitedBy::Applicant)));
    assert!(r
        .npl_citations
        .iter()
        .all(|c| c.cited_by == Some(CitedBy::Applicant)));

    let source = r.source.expect("source");
    assert_eq!(source.file, "application/v1-5-1-A1.xml");
    assert_eq!(source.format.as_deref(), Some("ep-patent-document-v1-5-1"));
}

#[test]
fn french_grant_with_three_claim_languages_field_by_field() {
    let r = parse_fixture("grant/v1-5-1-B1-2.xml");
    assert_eq!(r.publication_number.to_string(), "EP2147172B1");
    assert_eq!(r.kind.as_deref(), Some("B1"));
    assert_eq!(r.lang.as_deref(), Some("fr"));
    assert_eq!(r.publication_date, date(2023, 1, 4));
    let application = r.application.as_ref().expect("application");
    assert_eq!(application.number, "08787967.2");
    assert_eq!(application.date, date(2008, 4, 16));
    assert_eq!(r.priority_claims.len(), 1);
    assert_eq!(r.priority_claims[0].number, "0702912");
    assert_eq!(r.priority_claims[0].country.as_deref(), Some("FR"));
    assert_eq!(r.priority_claims[0].date, date(2007, 4, 20));
    // English title preferred over the document's French one.
    assert_eq!(r.title, "RAIL FOR STRETCHED CLOTH FALSE WALL");
    assert!(
        r.abstract_text.is_empty(),
        "B publications carry no abstract"
    );
    assert!(r.description[0]
        .text
        .starts_with("La présente invention concerne une lisse pour fausse paroi"));
    assert_eq!(r.description[0].number.as_deref(), Some("0001"));

    // English claims are the primary set; French and German follow in document order.
    assert_eq!(r.claims_lang.as_deref(), Some("en"));
    assert_eq!(r.claims.len(), 6);
    assert!(
        claim(&r.claims, 1).text.starts_with(
            "A rail (27) for a false wall with a stretched fabric (2), intended to be \
             connected to the fabric (2) by means of one or more laces (3)"
        ),
        "the leading '- ' is dropped: {}",
        claim(&r.claims, 1).text
    );
    assert!(claim(&r.claims, 1).is_independent());
    assert_eq!(claim(&r.claims, 2).depends_on, vec![1]);
    assert_eq!(claim(&r.claims, 3).depends_on, vec![1, 2]);
    assert_eq!(claim(&r.claims, 4).depends_on, vec![1, 2, 3]);
    assert_eq!(claim(&r.claims, 5).depends_on, vec![1, 2, 3, 4]);
    assert_eq!(claim(&r.claims, 6).depends_on, vec![5]);
    let langs: Vec<Option<&str>> = r
        .other_claim_sets
        .iter()
        .map(|s| s.lang.as_deref())
        .collect();
    assert_eq!(langs, vec![Some("fr"), Some("de")]);
    let fr = &r.other_claim_sets[0].claims;
    let de = &r.other_claim_sets[1].claims;
    assert_eq!((fr.len(), de.len()), (6, 6));
    assert!(claim(fr, 1)
        .text
        .starts_with("Lisse (27) pour fausse paroi à toile tendue (2)"));
    assert_eq!(
        claim(fr, 3).depends_on,
        vec![1, 2],
        "revendication 1 ou la revendication 2"
    );
    assert_eq!(
        claim(fr, 4).depends_on,
        vec![1, 2, 3],
        "revendications 1 à 3"
    );
    assert!(claim(de, 1)
        .text
        .starts_with("Leiste (27) für eine Zwischenwand"));
    assert_eq!(claim(de, 4).depends_on, vec![1, 2, 3], "Ansprüche 1 bis 3");
    assert_eq!(claim(de, 6).depends_on, vec![5]);

    assert_eq!(
        r.ipc,
        vec![Classification {
            code: "E04B9/30".into(),
            main: Some(true),
        }]
    );
    assert_eq!(
        r.cpc,
        vec![Classification {
            code: "E04B9/303".into(),
            main: Some(true),
        }]
    );

    assert!(
        r.applicants.is_empty(),
        "a grant names its proprietor, not applicants"
    );
    assert_eq!(
        r.assignees,
        vec![Party {
            name: "Normalu".into(),
            city: Some("68680 Kembs".into()),
            country: Some("FR".into()),
        }]
    );
    assert_eq!(
        r.inventors,
        vec![Party {
            name: "MEYER, Yves".into(),
            city: Some("F-68170 Rixheim".into()),
            country: Some("FR".into()),
        }]
    );

    // B560: 8 documents from the search; the reference list: 4 from the applicant.
    let examiner: Vec<String> = r
        .patent_citations
        .iter()
        .filter(|c| c.cited_by == Some(CitedBy::Examiner))
        .map(|c| {
            format!(
                "{}{}{}",
                c.country.as_deref().unwrap_or(""),
                c.number,
                c.kind.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        examiner,
        vec![
            "EP0320349A",
            "FR2202997A",
            "FR2688551A",
            "FR2689923A",
            "FR2827990A",
            "FR2861769A",
            "GB1263090A",
            "US2610365A",
        ]
    );
    let applicant: Vec<&PatentCitation> = r
        .patent_citations
        .iter()
        .filter(|c| c.cited_by == Some(CitedBy::Applicant))
        .collect();
    assert_eq!(applicant.len(), 4);
    assert_eq!(applicant[0].country.as_deref(), Some("FR"));
    assert_eq!(applicant[0].number, "2861769");
    assert_eq!(applicant[0].kind, None);
    assert_eq!(applicant[3].number, "810540");
    assert_eq!(applicant[3].kind.as_deref(), Some("C"));
    assert!(r.npl_citations.is_empty());
    assert_eq!(
        r.source.and_then(|s| s.format).as_deref(),
        Some("ep-patent-document-v1-5-1")
    );
}

#[test]
fn search_report_citations_are_the_examiners() {
    let r = parse_fixture("application/v1-5-1-A1-3.xml");
    assert_eq!(r.publication_number.to_string(), "EP4114164A1");
    assert_eq!(r.lang.as_deref(), Some("de"));
    assert_eq!(
        r.title,
        "DETERMINING A QUALITY VALUE WHEN FITTING AN ELECTRICAL COMPONENT"
    );
    assert_eq!(r.claims_lang.as_deref(), Some("de"), "no English claims");
    assert_eq!(r.claims.len(), 15);
    assert_eq!(
        r.patent_citations,
        vec![
            PatentCitation {
                country: Some("US".into()),
                number: "2020068759".into(),
                kind: Some("A1".into()),
                date: date(2020, 2, 27),
                cited_by: Some(CitedBy::Examiner),
            },
            PatentCitation {
                country: Some("EP".into()),
                number: "3096596".into(),
                kind: Some("B1".into()),
                date: date(2020, 3, 25),
                cited_by: Some(CitedBy::Examiner),
            },
        ]
    );
    assert_eq!(r.applicants[0].name, "Siemens Aktiengesellschaft");
    assert_eq!(r.inventors.len(), 9);
    assert_eq!(r.inventors[3].name, "Frühauf, Peter");
}

#[test]
fn pre_ipcr_classification_and_numbered_claim_text() {
    // EP0000002A1 (1978): B511/B512 with an edition digit, claims printed "1.) ...".
    let r = parse_fixture("application/v1-1-A1.xml");
    assert_eq!(r.publication_number.to_string(), "EP0000002A1");
    assert_eq!(
        r.ipc,
        vec![
            Classification {
                code: "C07D307/12".into(),
                main: Some(true),
            },
            Classification {
                code: "C07D407/12".into(),
                main: Some(false),
            },
            Classification {
                code: "C07D307/42".into(),
                main: Some(false),
            },
            Classification {
                code: "A01N43/08".into(),
                main: Some(false),
            },
        ]
    );
    assert_eq!(
        r.title,
        "Tetrahydrofurane derivatives, processes for their preparation and their use as herbicides"
    );
    assert_eq!(r.claims_lang.as_deref(), Some("de"));
    assert_eq!(claim(&r.claims, 1).number, 1);
    assert!(claim(&r.claims, 1)
        .text
        .starts_with("Tetrahydrofuran-Derivate der Formel"));
}

#[test]
fn bulletin_front_page_and_divisional_parent() {
    let r = parse_fixture("application/v1-0-A1-1.xml");
    assert_eq!(r.publication_number.to_string(), "EP1605745A1");
    assert_eq!(
        r.source.as_ref().and_then(|s| s.format.as_deref()),
        Some("ep-bulletin-v1-0")
    );
    assert_eq!(r.title, "DEVICE FOR FILLING CARROTING HOLES IN A LAWN");
    assert_eq!(codes(&r.ipc), vec!["A01B45/00"]);
    assert_eq!(r.applicants[0].name, "Cuadrado, Jean-Claude");
    assert_eq!(
        r.applicants[0].city.as_deref(),
        Some("66180 Villeneuve de la Raho")
    );
    assert!(r.claims.is_empty() && r.description.is_empty() && r.abstract_text.is_empty());
    assert_eq!(r.claims_lang, None);

    let r = parse_fixture("grant/v1-5-1-B2.xml");
    assert_eq!(
        r.related_documents,
        vec![RelatedDocument {
            relation: Relation::Division,
            document: DocumentRef {
                country: Some("EP".into()),
                number: "12184383.3".into(),
                kind: None,
                date: date(2012, 9, 14),
            },
        }]
    );
}

fn parse_str(xml: &str) -> Result<PatentRecord, DocError> {
    match parse_xml_document(
        xml.as_bytes(),
        DocContext {
            file: "inline.xml",
            ordinal: 3,
        },
    )? {
        Parsed::Record(r) => Ok(*r),
        Parsed::NonPatent(n) => panic!("not a patent: {n:?}"),
    }
}

#[test]
fn missing_number_is_an_error_and_fallbacks_apply() {
    let err =
        parse_str("<ep-patent-document lang=\"en\"><SDOBI/></ep-patent-document>").unwrap_err();
    assert_eq!(err, DocError::MissingField("publication number"));
    let err = parse_str(
        "<ep-patent-document><SDOBI><B100><B110> </B110></B100></SDOBI></ep-patent-document>",
    )
    .unwrap_err();
    assert_eq!(err, DocError::MissingField("publication number"));

    // Root attributes stand in for an absent B100.
    let r = parse_str(
        "<ep-patent-document doc-number=\"1234567\" kind=\"B1\" country=\"EP\" \
         date-publ=\"20200102\" lang=\"DE\"/>",
    )
    .expect("parses");
    assert_eq!(r.publication_number.to_string(), "EP1234567B1");
    assert_eq!(r.publication_date, date(2020, 1, 2));
    assert_eq!(r.lang.as_deref(), Some("de"));
    assert_eq!(r.source.as_ref().map(|s| s.ordinal), Some(3));
    assert_eq!(
        r.source.and_then(|s| s.format).as_deref(),
        Some("ep-patent-document")
    );
}

#[test]
fn odd_input_never_panics() {
    let xml = r#"<ep-patent-document lang="en" doc-number="42" kind="A1">
<SDOBI>
 <B100><B110>42</B110></B100>
 <B200><B210></B210><B220><date>2020</date></B220></B200>
 <B300><B320><date>20200101</date></B320><B310>X1</B310><B330/></B300>
 <B500>
  <B510EP><classification-ipcr><text>/</text></classification-ipcr>
   <classification-ipcr><text></text></classification-ipcr>
   <classification-ipcr><text>G06F</text></classification-ipcr>
   <classification-ipcr><text>ÄÖÜ 1/2 2006</text></classification-ipcr></B510EP>
  <B510><B511>7</B511><B512>// </B512><B511>A01B</B511></B510>
  <B520EP><classifications-cpc><classification-cpc><text>G06F  16/245  20190101 FI20190101BHEP</text></classification-cpc>
   <classification-cpc><section>H</section><class>04</class><subclass>L</subclass><main-group>009</main-group><subgroup>32</subgroup></classification-cpc></classifications-cpc></B520EP>
  <B540><B542>No language</B542><B541>de</B541></B540>
  <B560><B561><text>-</text></B561><B561><text>--</text></B561><B561><text>EP-A-</text></B561>
   <B561><text>EP 1 234 567 A1</text></B561><B562><text> </text></B562></B560>
  <B600><B620><parent><pdoc><dnum/></pdoc></parent></B620></B600>
 </B500>
 <B700><B710><B711><adr><city>Nowhere</city></adr></B711></B710><B720><B721><snm>Solo</snm></B721></B720></B700>
</SDOBI>
<abstract/>
<description><heading/><p num="">  </p><p>Text.</p></description>
<claims lang=""><claim num="x"><claim-text>- </claim-text></claim><claim num="0"><claim-text>1.) A thing.</claim-text></claim>
 <claim><claim-text>The thing of claim 1 and of claim 99.</claim-text></claim></claims>
<claims lang="fr"/>
<ep-reference-list><p><ul><li><patcit><document-id><country>us</country></document-id></patcit></li>
 <li><nplcit><article><serial><pubdate><sdate>2011</sdate></pubdate></serial></article></nplcit></li><li><nplcit/></li></ul></p></ep-reference-list>
</ep-patent-document>"#;
    let r = parse_str(xml).expect("parses");
    assert_eq!(r.publication_number.to_string(), "EP0000042A1");
    assert_eq!(r.application, None, "no application number");
    assert_eq!(r.priority_claims.len(), 1);
    assert_eq!(r.priority_claims[0].number, "X1");
    assert_eq!(r.priority_claims[0].date, None, "its date came before it");
    assert_eq!(r.title, "No language");
    assert_eq!(codes(&r.ipc), vec!["G06F", "A01B"]);
    assert_eq!(
        r.cpc,
        vec![
            Classification {
                code: "G06F16/245".into(),
                main: Some(true),
            },
            Classification {
                code: "H04L9/32".into(),
                main: None,
            },
        ]
    );
    assert_eq!(r.patent_citations.len(), 1);
    assert_eq!(r.patent_citations[0].country.as_deref(), Some("EP"));
    assert_eq!(r.patent_citations[0].number, "1234567");
    assert_eq!(r.patent_citations[0].kind.as_deref(), Some("A1"));
    assert_eq!(r.npl_citations.len(), 1);
    assert_eq!(r.npl_citations[0].text, "2011");
    assert!(r.applicants.is_empty(), "a party without a name is dropped");
    assert_eq!(r.inventors[0].name, "Solo");
    assert_eq!(r.description.len(), 1);
    assert_eq!(r.claims.len(), 2, "the empty claim is dropped");
    assert_eq!(r.claims[0].text, "A thing.");
    assert_eq!(r.claims[1].depends_on, vec![1]);
    assert_eq!(
        r.claims_lang.as_deref(),
        Some("en"),
        "falls back to the document language"
    );
    assert!(
        r.other_claim_sets.is_empty(),
        "an empty claims block is no set"
    );
}
