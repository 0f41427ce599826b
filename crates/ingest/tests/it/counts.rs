//! Every document the PROVENANCE.md files count is either parsed or reported
//! with a clear reason: these tests ingest each real-data folder and check the
//! exact numbers its PROVENANCE.md gives (and, where PROVENANCE.md is silent or
//! wrong, the numbers read from the files themselves, with a note saying so).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::Datelike;
use patsearch_ingest::{
    run, DocError, Event, IngestOptions, Progress, Skip, Summary, UnsupportedFormat,
};
use patsearch_record::PatentRecord;

use crate::fixtures::patents_dir;

/// One document that parsed but is not a patent.
#[derive(Debug)]
struct NonPatentDoc {
    file: String,
    ordinal: u64,
    what: String,
}

/// Everything one ingest delivered, in input order.
struct Outcome {
    summary: Summary,
    records: Vec<PatentRecord>,
    skips: Vec<Skip>,
    non_patent: Vec<NonPatentDoc>,
}

fn ingest_paths(paths: &[PathBuf]) -> Outcome {
    let mut records = Vec::new();
    let mut skips = Vec::new();
    let mut non_patent = Vec::new();
    let summary = run(
        paths,
        &IngestOptions::default(),
        &Progress::default(),
        |event| match event {
            Event::Record(r) => records.push(*r),
            Event::Skipped(s) => skips.push(s),
            Event::NonPatent {
                file,
                ordinal,
                what,
            } => non_patent.push(NonPatentDoc {
                file,
                ordinal,
                what,
            }),
        },
    );
    Outcome {
        summary,
        records,
        skips,
        non_patent,
    }
}

/// Ingests one folder (or file) below the shared data folder.
fn ingest(relative: &str) -> Outcome {
    ingest_paths(&[patents_dir().join(relative)])
}

/// `path` with `/` separators, so that suffix checks work on any platform.
fn slashed(path: &str) -> String {
    path.replace('\\', "/")
}

fn source_file(record: &PatentRecord) -> String {
    slashed(
        &record
            .source
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no source", record.publication_number))
            .file,
    )
}

fn source_ordinal(record: &PatentRecord) -> u64 {
    record
        .source
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no source", record.publication_number))
        .ordinal
}

fn numbers(records: &[PatentRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.publication_number.to_string())
        .collect()
}

fn unique_numbers(records: &[PatentRecord]) -> BTreeSet<String> {
    numbers(records).into_iter().collect()
}

fn count_by<K: Ord, T>(items: &[T], key: impl Fn(&T) -> K) -> BTreeMap<K, usize> {
    let mut out = BTreeMap::new();
    for item in items {
        *out.entry(key(item)).or_insert(0) += 1;
    }
    out
}

fn reasons(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// A record without its `source`, for comparing copies of one document.
fn without_source(record: &PatentRecord) -> PatentRecord {
    let mut r = record.clone();
    r.source = None;
    r
}

/// Checks what every report must carry: the file, a position, and a message
/// that names both.
fn assert_clear_skip(skip: &Skip) {
    assert!(!skip.file.is_empty(), "skip without a file: {skip:?}");
    assert!(
        skip.ordinal > 0,
        "a whole file failed instead of one document being reported: {skip}"
    );
    assert!(
        !matches!(skip.error, DocError::Internal(_)),
        "parser failure (panic) on real data: {skip}"
    );
    let shown = skip.to_string();
    assert!(
        shown.contains(&skip.file) && shown.contains(&format!("document #{}", skip.ordinal)),
        "the report must name the file and the document: {shown}"
    );
}

/// The accounting every summary must satisfy, whatever the folder.
fn assert_consistent(outcome: &Outcome) {
    let s = &outcome.summary;
    assert_eq!(s.ingested, outcome.records.len() as u64);
    assert_eq!(s.skipped, outcome.skips.len() as u64);
    assert_eq!(s.non_patent, outcome.non_patent.len() as u64);
    let whole_file_failures = outcome.skips.iter().filter(|s| s.ordinal == 0).count() as u64;
    assert_eq!(
        s.documents_read,
        s.ingested + s.non_patent + s.skipped - whole_file_failures
    );
    assert_eq!(s.skipped_by_reason.values().sum::<u64>(), s.skipped);
    for skip in &outcome.skips {
        assert_clear_skip(skip);
    }
    for record in &outcome.records {
        let source = record
            .source
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no source", record.publication_number));
        assert!(
            source.ordinal > 0,
            "{}: ordinal 0",
            record.publication_number
        );
        assert!(!source.file.is_empty());
    }
}

/// Where each `<?xml` document of a concatenated file starts (1-based
/// ordinal) and the name of its root element, read straight from the text.
fn xml_documents_of(path: &Path) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(path).expect("fixture is UTF-8 text");
    let mut docs: Vec<(u64, String)> = Vec::new();
    let mut current: Option<String> = None;
    let mut ordinal = 0;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("<?xml") {
            if let Some(root) = current.take() {
                docs.push((ordinal, root));
            }
            ordinal += 1;
            current = Some(String::new());
            continue;
        }
        if let Some(root) = current.as_mut() {
            if root.is_empty() {
                // The first start tag that is neither a declaration nor a comment.
                if let Some(at) = trimmed.find('<') {
                    let tag = &trimmed[at + 1..];
                    if !tag.starts_with('!') && !tag.starts_with('?') {
                        *root = tag
                            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                            .next()
                            .unwrap_or_default()
                            .to_string();
                    }
                }
            }
        }
    }
    if let Some(root) = current {
        docs.push((ordinal, root));
    }
    docs
}

// ---------------------------------------------------------------------------
// uspto-patentsview-db-fixtures
// ---------------------------------------------------------------------------

/// PROVENANCE: "513 `<?xml`-delimited documents in total; 468 unique (root,
/// number, kind): 203 utility grants (B1/B2), 259 design grants (S1), 1 plant
/// (P2), 1 SIR (H1), 4 applications; plus 12 sequence-cwu documents".
///
/// The files hold 512 `<?xml` declarations; the 513th document is
/// `xml/basic.xml`, a toy `<a>` file without one. So: 500 patent documents
/// (the per-file table sums to 500), 12 sequence listings and 1 toy file.
#[test]
fn patentsview_fixtures_counts_match_provenance() {
    let out = ingest("uspto-patentsview-db-fixtures");
    assert_consistent(&out);
    let s = &out.summary;
    assert_eq!(s.documents_read, 513, "{s:?}");
    assert_eq!(s.ingested, 500, "{s:?}");
    assert_eq!(s.non_patent, 12, "{s:?}");
    assert_eq!(s.skipped, 1, "{s:?}");
    assert_eq!(
        s.skipped_by_reason,
        reasons(&[("unknown-document-type", 1)])
    );
    // 9 ipgxml files + 1 unittest file + 68 files in xml/; PROVENANCE.md is documentation.
    assert_eq!(s.files, 78, "{s:?}");
    assert_eq!(s.ignored_files, 1, "{s:?}");

    // The toy file is reported, by name, as an unknown document type.
    let skip = &out.skips[0];
    assert!(slashed(&skip.file).ends_with("/xml/basic.xml"), "{skip}");
    assert_eq!(skip.ordinal, 1);
    assert_eq!(skip.publication_number, None);
    assert_eq!(skip.error, DocError::UnknownDocumentType("a".into()));

    // 12 sequence listings: 5 inside ipgxml files, 7 standalone.
    assert!(out.non_patent.iter().all(|n| n.what == "sequence listing"));
    let in_ipgxml = out
        .non_patent
        .iter()
        .filter(|n| slashed(&n.file).contains("/ipgxml/"))
        .count();
    assert_eq!(in_ipgxml, 5);
    let standalone: BTreeSet<String> = out
        .non_patent
        .iter()
        .filter(|n| slashed(&n.file).contains("/xml/"))
        .map(|n| {
            assert_eq!(n.ordinal, 1, "{n:?}");
            slashed(&n.file).rsplit('/').next().unwrap().to_string()
        })
        .collect();
    let expected_standalone: BTreeSet<String> = [
        "patent_eight_unparsed_dna.xml",
        "patent_five_unparsed_dna.xml",
        "patent_nine_unparsed_dna.xml",
        "patent_one_unparsed_dna.xml",
        "patent_seven_unparsed_dna.xml",
        "patent_six_unparsed_.xml",
        "patent_ten_unparsed_dna.xml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(standalone, expected_standalone);

    // 468 unique (root, number, kind). The kind tells grants from
    // applications here, so unique publication numbers count the same.
    let unique = unique_numbers(&out.records);
    assert_eq!(unique.len(), 468);
    let mut first_of_each: BTreeMap<String, &PatentRecord> = BTreeMap::new();
    for r in &out.records {
        first_of_each
            .entry(r.publication_number.to_string())
            .or_insert(r);
    }
    let kinds = count_by(&first_of_each.values().copied().collect::<Vec<_>>(), |r| {
        r.kind.clone().unwrap_or_default()
    });
    let kind = |k: &str| kinds.get(k).copied().unwrap_or(0);
    assert_eq!(kind("B1") + kind("B2"), 203, "{kinds:?}");
    // B1 per the per-file table: 8+8+4+3+2+1+2+0+2 in the ipgxml files, none elsewhere.
    assert_eq!(kind("B1"), 30, "{kinds:?}");
    assert_eq!(kind("S1"), 259, "{kinds:?}");
    assert_eq!(kind("P2"), 1, "{kinds:?}");
    assert_eq!(kind("H1"), 1, "{kinds:?}");
    assert_eq!(kind("A1"), 4, "{kinds:?}");
    assert_eq!(kinds.values().sum::<usize>(), 468, "{kinds:?}");
    let applications: BTreeSet<&str> = first_of_each
        .iter()
        .filter(|(_, r)| r.kind.as_deref() == Some("A1"))
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        applications,
        BTreeSet::from([
            "US20040000002A1",
            "US20060288462A1",
            "US20130014306A1",
            "US20130014308A1"
        ])
    );

    // Utility grants: 203/203 have title, abstract, claims, description,
    // USPC and references; 178 IPCR + 25 old-style IPC; 185 an assignee; no
    // CPC anywhere; 4,950 patent citations.
    let utility: Vec<&PatentRecord> = first_of_each
        .values()
        .copied()
        .filter(|r| matches!(r.kind.as_deref(), Some("B1" | "B2")))
        .collect();
    assert_eq!(utility.len(), 203);
    for r in &utility {
        let n = &r.publication_number;
        assert!(!r.title.is_empty(), "{n}: no title");
        assert!(!r.abstract_text.is_empty(), "{n}: no abstract");
        assert!(!r.claims.is_empty(), "{n}: no claims");
        assert!(!r.description.is_empty(), "{n}: no description");
        assert!(!r.us_classes.is_empty(), "{n}: no USPC");
        assert!(!r.ipc.is_empty(), "{n}: no IPC");
        assert!(!r.patent_citations.is_empty(), "{n}: no citations");
    }
    assert_eq!(
        utility.iter().filter(|r| !r.assignees.is_empty()).count(),
        185
    );
    assert_eq!(
        utility
            .iter()
            .map(|r| r.patent_citations.len())
            .sum::<usize>(),
        4950
    );
    // Not in PROVENANCE; counted in the files (`<nplcit>` in the 203 unique utility grants).
    assert_eq!(
        utility.iter().map(|r| r.npl_citations.len()).sum::<usize>(),
        1193
    );
    assert!(out.records.iter().all(|r| r.cpc.is_empty()));

    // PROVENANCE: "Publication dates 2004-12 … 2013-04 (230 of them from
    // 2012-03-27)". The files say otherwise at the low end: no document is
    // from 2004-12 (that is the date of the v4.0 DTD); the earliest is the pap
    // v1.6 publication of 2004-01-01 (pa040101.two.xml), the earliest grant
    // is from 2005-01-04. Counted over all 500 patent documents.
    let dates: Vec<_> = out
        .records
        .iter()
        .map(|r| {
            r.publication_date
                .unwrap_or_else(|| panic!("{} has no date", r.publication_number))
        })
        .collect();
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(dates.iter().min(), Some(&day(2004, 1, 1)));
    assert_eq!(dates.iter().max(), Some(&day(2013, 4, 16)));
    let earliest_grant = out
        .records
        .iter()
        .filter(|r| r.kind.as_deref() != Some("A1"))
        .filter_map(|r| r.publication_date)
        .min();
    assert_eq!(earliest_grant, Some(day(2005, 1, 4)));
    // PROVENANCE says 230 from 2012-03-27; the files hold 227 documents
    // with date-publ="20120327" (ipg120327.196/.18/.two/.one: 217, plus the 10
    // pretty-printed copies). The three patent_{two,three,four}_unparsed_.xml
    // grants are from 2009-04-21.
    assert_eq!(
        dates.iter().filter(|d| **d == day(2012, 3, 27)).count(),
        227
    );
    assert_eq!(dates.iter().filter(|d| **d == day(2009, 4, 21)).count(), 3);
}

/// Per-file kinds and abstracts of the ipgxml files, from the PROVENANCE table.
#[test]
fn patentsview_ipgxml_files_match_the_per_file_table() {
    // (file, kinds, documents with an abstract)
    type Row = (&'static str, &'static [(&'static str, usize)], usize);
    let table: &[Row] = &[
        ("ipg050104.small.xml", &[("B1", 8), ("B2", 17)], 25),
        (
            "ipg060103.small.xml",
            &[("B1", 8), ("B2", 14), ("H1", 1), ("S1", 2)],
            23,
        ),
        (
            "ipg070102.small.xml",
            &[("B1", 4), ("B2", 17), ("S1", 4)],
            21,
        ),
        (
            "ipg080101.small.xml",
            &[("B1", 3), ("B2", 15), ("P2", 1), ("S1", 6)],
            19,
        ),
        (
            "ipg090106.small.xml",
            &[("B1", 2), ("B2", 20), ("S1", 3)],
            22,
        ),
        (
            "ipg100105.small.xml",
            &[("B1", 1), ("B2", 21), ("S1", 3)],
            22,
        ),
        (
            "ipg110104.small.xml",
            &[("B1", 2), ("B2", 22), ("S1", 1)],
            24,
        ),
        ("ipg120103.small.xml", &[("B2", 22), ("S1", 3)], 22),
        (
            "ipg130416.small.xml",
            &[("B1", 2), ("B2", 21), ("S1", 2)],
            23,
        ),
    ];
    for (file, kinds, with_abstract) in table {
        let out = ingest(&format!("uspto-patentsview-db-fixtures/ipgxml/{file}"));
        assert_consistent(&out);
        let got = count_by(&out.records, |r| r.kind.clone().unwrap_or_default());
        let want: BTreeMap<String, usize> =
            kinds.iter().map(|(k, n)| (k.to_string(), *n)).collect();
        assert_eq!(got, want, "{file}");
        assert_eq!(
            out.records
                .iter()
                .filter(|r| !r.abstract_text.is_empty())
                .count(),
            *with_abstract,
            "{file}: documents with an abstract"
        );
        assert_eq!(unique_numbers(&out.records).len(), 25, "{file}");
    }
}

/// Weekly files: 25 patent documents each, sequence listings interleaved;
/// ordinals count every `<?xml` document of the file, listings included.
#[test]
fn weekly_ipg_files_give_25_records_with_ordinals_over_every_document() {
    let dir = patents_dir().join("uspto-patentsview-db-fixtures/ipgxml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("ipgxml folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".small.xml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 9);
    let mut listings = 0;
    for path in &files {
        let docs = xml_documents_of(path);
        let grant_ordinals: Vec<u64> = docs
            .iter()
            .filter(|(_, root)| root == "us-patent-grant")
            .map(|(o, _)| *o)
            .collect();
        let listing_ordinals: Vec<u64> = docs
            .iter()
            .filter(|(_, root)| root == "sequence-cwu")
            .map(|(o, _)| *o)
            .collect();
        assert_eq!(
            grant_ordinals.len() + listing_ordinals.len(),
            docs.len(),
            "{}: only grants and sequence listings expected",
            path.display()
        );
        assert_eq!(grant_ordinals.len(), 25, "{}", path.display());
        listings += listing_ordinals.len();

        let out = ingest_paths(std::slice::from_ref(path));
        assert_consistent(&out);
        assert_eq!(out.records.len(), 25, "{}", path.display());
        assert!(out.skips.is_empty(), "{:?}", out.skips);
        assert_eq!(out.summary.documents_read, docs.len() as u64);
        let got: Vec<u64> = out.records.iter().map(source_ordinal).collect();
        assert_eq!(got, grant_ordinals, "{}: record ordinals", path.display());
        let got: Vec<u64> = out.non_patent.iter().map(|n| n.ordinal).collect();
        assert_eq!(
            got,
            listing_ordinals,
            "{}: listing ordinals",
            path.display()
        );
        assert!(out.non_patent.iter().all(|n| n.what == "sequence listing"));
        for r in &out.records {
            assert_eq!(source_file(r), slashed(&path.display().to_string()));
        }
    }
    // PROVENANCE: 3 of the files hold 5 sequence listings in total.
    assert_eq!(listings, 5);
}

/// Pretty-printed copies and leading runs of the 2012-03-27 file parse to the
/// same record as the original: no double counting, no whitespace artefacts.
#[test]
fn patentsview_duplicates_parse_to_the_same_record() {
    let out = ingest("uspto-patentsview-db-fixtures");
    let mut groups: BTreeMap<String, Vec<&PatentRecord>> = BTreeMap::new();
    for r in &out.records {
        groups
            .entry(r.publication_number.to_string())
            .or_default()
            .push(r);
    }
    let duplicated: Vec<_> = groups.iter().filter(|(_, v)| v.len() > 1).collect();
    // 500 patent documents, 468 unique.
    assert_eq!(
        groups.values().map(|v| v.len() - 1).sum::<usize>(),
        32,
        "extra copies"
    );
    for (number, copies) in duplicated {
        let first = without_source(copies[0]);
        for other in &copies[1..] {
            let other_plain = without_source(other);
            if number == "USD656296S1" {
                // The re-indented copies (ipg120327.one.xml, patent_one_parsed_.xml)
                // really differ: the re-formatter dropped the space after
                // `</figref>` ("FIG. 1is") and before ` D1106` in
                // <further-classification>. Compare what it left intact.
                assert_eq!(first.title, other_plain.title);
                assert_eq!(first.claims, other_plain.claims);
                assert_eq!(first.patent_citations, other_plain.patent_citations);
                assert_eq!(first.inventors, other_plain.inventors);
                assert_eq!(first.assignees, other_plain.assignees);
                assert_eq!(first.description.len(), other_plain.description.len());
                assert_eq!(first.us_classes[0], other_plain.us_classes[0]);
                continue;
            }
            assert_eq!(
                first,
                other_plain,
                "{number}: {} and {} differ",
                source_file(copies[0]),
                source_file(other)
            );
        }
    }
    // Every pretty-printed copy is of a grant in ipg120327.196.xml.
    let in_196: BTreeSet<String> = out
        .records
        .iter()
        .filter(|r| source_file(r).ends_with("/ipg120327.196.xml"))
        .map(|r| r.publication_number.to_string())
        .collect();
    assert_eq!(in_196.len(), 196);
    let parsed_copies: Vec<&PatentRecord> = out
        .records
        .iter()
        .filter(|r| source_file(r).contains("_parsed_"))
        .collect();
    assert_eq!(parsed_copies.len(), 10);
    for r in parsed_copies {
        assert!(
            in_196.contains(&r.publication_number.to_string()),
            "{} ({})",
            r.publication_number,
            source_file(r)
        );
    }
}

// ---------------------------------------------------------------------------
// uspto-alexandria3k-ipgb
// ---------------------------------------------------------------------------

/// One row of the PROVENANCE per-document table.
struct IpgbRow {
    member: &'static str,
    number: &'static str,
    date: (i32, u32, u32),
    has_abstract: bool,
    cpc: usize,
    ipcr: usize,
    has_assignee: bool,
    patcit: usize,
    nplcit: usize,
}

const IPGB_ROWS: &[IpgbRow] = &[
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "US11617522B2",
        date: (2023, 4, 4),
        has_abstract: true,
        cpc: 5,
        ipcr: 4,
        has_assignee: true,
        patcit: 88,
        nplcit: 0,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "USD967598S1",
        date: (2022, 10, 25),
        has_abstract: false,
        cpc: 1,
        ipcr: 0,
        has_assignee: false,
        patcit: 50,
        nplcit: 0,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "USD967598S1",
        date: (2022, 10, 25),
        has_abstract: false,
        cpc: 1,
        ipcr: 0,
        has_assignee: false,
        patcit: 50,
        nplcit: 0,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "USPP34694P2",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 1,
        ipcr: 2,
        has_assignee: true,
        patcit: 0,
        nplcit: 0,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "USRE49257E1",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 11,
        ipcr: 6,
        has_assignee: true,
        patcit: 45,
        nplcit: 6,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "USRE49258E1",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 6,
        ipcr: 1,
        has_assignee: true,
        patcit: 204,
        nplcit: 329,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "USRE49259E1",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 6,
        ipcr: 6,
        has_assignee: true,
        patcit: 149,
        nplcit: 24,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "US11477944B2",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 4,
        ipcr: 4,
        has_assignee: false,
        patcit: 5,
        nplcit: 0,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "US11477945B2",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 3,
        ipcr: 3,
        has_assignee: true,
        patcit: 12,
        nplcit: 1,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "US11477946B2",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 2,
        ipcr: 1,
        has_assignee: true,
        patcit: 12,
        nplcit: 2,
    },
    IpgbRow {
        member: "ipgb20221025_wk43.zip!ipgb20221025.xml",
        number: "US11477947B2",
        date: (2022, 10, 25),
        has_abstract: true,
        cpc: 1,
        ipcr: 1,
        has_assignee: true,
        patcit: 13,
        nplcit: 4,
    },
    IpgbRow {
        member: "ipgb20230404_wk14.zip!ipgb20230404.xml",
        number: "USD982278S1",
        date: (2023, 4, 4),
        has_abstract: false,
        cpc: 0,
        ipcr: 0,
        has_assignee: true,
        patcit: 45,
        nplcit: 1,
    },
    IpgbRow {
        member: "ipgb20230404_wk14.zip!ipgb20230404.xml",
        number: "USD982279S1",
        date: (2023, 4, 4),
        has_abstract: false,
        cpc: 0,
        ipcr: 0,
        has_assignee: true,
        patcit: 11,
        nplcit: 5,
    },
    IpgbRow {
        member: "ipgb20230404_wk14.zip!ipgb20230404.xml",
        number: "US11617590B2",
        date: (2023, 4, 4),
        has_abstract: true,
        cpc: 6,
        ipcr: 2,
        has_assignee: true,
        patcit: 17,
        nplcit: 0,
    },
];

/// PROVENANCE: 14 documents (13 unique) in two zips, grant DTD v4.7,
/// D0967598 twice; bibliographic only (no claims, no description).
#[test]
fn alexandria_ipgb_zips_counts_match_provenance() {
    let out = ingest("uspto-alexandria3k-ipgb");
    assert_consistent(&out);
    let s = &out.summary;
    assert_eq!(s.documents_read, 14, "{s:?}");
    assert_eq!(s.ingested, 14, "{s:?}");
    assert_eq!(s.skipped, 0, "{:?}", out.skips);
    assert_eq!(s.non_patent, 0, "{s:?}");
    // The two XML members; the lst.txt number lists, the rpt.html reports
    // and PROVENANCE.md hold no patent documents.
    assert_eq!(s.files, 2, "{s:?}");
    assert_eq!(s.ignored_files, 5, "{s:?}");
    assert_eq!(unique_numbers(&out.records).len(), 13);
    assert_eq!(
        numbers(&out.records)
            .iter()
            .filter(|n| *n == "USD967598S1")
            .count(),
        2
    );
    let kinds = count_by(&out.records, |r| r.kind.clone().unwrap_or_default());
    let want: BTreeMap<String, usize> = [("B2", 6), ("S1", 4), ("P2", 1), ("E1", 3)]
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(kinds, want);

    assert_eq!(out.records.len(), IPGB_ROWS.len());
    let mut ordinals: BTreeMap<&str, u64> = BTreeMap::new();
    for (r, row) in out.records.iter().zip(IPGB_ROWS) {
        let n = row.number;
        assert_eq!(r.publication_number.to_string(), n);
        let file = source_file(r);
        assert!(file.ends_with(row.member), "{n}: {file}");
        let ordinal = ordinals.entry(row.member).or_insert(0);
        *ordinal += 1;
        assert_eq!(source_ordinal(r), *ordinal, "{n}");
        assert_eq!(
            r.source.as_ref().unwrap().format.as_deref(),
            Some("uspto-grant-v4.7"),
            "{n}"
        );
        assert_eq!(
            r.publication_date,
            chrono::NaiveDate::from_ymd_opt(row.date.0, row.date.1, row.date.2),
            "{n}"
        );
        assert_eq!(!r.abstract_text.is_empty(), row.has_abstract, "{n}");
        assert!(
            r.claims.is_empty(),
            "{n}: bibliographic files have no claims"
        );
        assert!(r.description.is_empty(), "{n}: no description either");
        assert!(!r.title.is_empty(), "{n}");
        assert_eq!(r.cpc.len(), row.cpc, "{n}: CPC");
        assert_eq!(r.ipc.len(), row.ipcr, "{n}: IPCR");
        assert_eq!(!r.assignees.is_empty(), row.has_assignee, "{n}: assignee");
        assert_eq!(
            r.patent_citations.len(),
            row.patcit,
            "{n}: patent citations"
        );
        assert_eq!(r.npl_citations.len(), row.nplcit, "{n}: NPL citations");
    }
    assert_eq!(ordinals.values().copied().collect::<Vec<_>>(), vec![11, 3]);
}

// ---------------------------------------------------------------------------
// uspto-go-uspto-testdata
// ---------------------------------------------------------------------------

/// PROVENANCE: 21 XML documents in 20 files (test.xml holds 2); exactly one
/// malformed document (grant/US07057742-20060606.XML: a `</maths>` without
/// its start tag).
///
/// PROVENANCE also says "18 unique publication numbers", but its own table
/// lists only 19 of the 21 documents (it leaves out grant/v2-5-B1.xml,
/// US6334226B1, and grant/v2-5-S1.xml, USD452599S1); the 21 documents carry
/// 20 distinct numbers (only US11147202B2 appears twice), read from the files.
#[test]
fn go_uspto_testdata_counts_match_provenance() {
    let out = ingest("uspto-go-uspto-testdata");
    assert_consistent(&out);
    let s = &out.summary;
    assert_eq!(s.files, 20, "{s:?}");
    assert_eq!(s.documents_read, 21, "{s:?}");
    assert_eq!(s.non_patent, 0, "{s:?}");
    assert_eq!(s.skipped, 1, "skips: {:#?}", out.skips);
    assert_eq!(s.ingested, 20, "{s:?}");
    assert_eq!(s.skipped_by_reason, reasons(&[("malformed-xml", 1)]));

    let skip = &out.skips[0];
    assert!(
        slashed(&skip.file).ends_with("/grant/US07057742-20060606.XML"),
        "{skip}"
    );
    assert_eq!(skip.ordinal, 1);
    assert_eq!(skip.publication_number.as_deref(), Some("US7057742B2"));
    match &skip.error {
        DocError::MalformedXml(why) => {
            assert!(why.contains("maths"), "the message should say why: {why}")
        }
        other => panic!("expected malformed XML, got {other:?}"),
    }
    assert!(skip.to_string().contains("US7057742B2"));

    let mut expected: Vec<&str> = vec![
        "US20220240350A1",
        "US20220240351A1",
        "US20230080311A1",
        "US20010000001A1",
        "US20010000002A1",
        "US20050000001A1",
        "US20050004655A2",
        "US20210267109A1",
        "US20150075015A2",
        "US20220159901A1",
        "US20220160114A2",
        "US7062920B2",
        "US6334226B1",
        "US6530116B2",
        "USD452599S1",
        "US6857133B2",
        "US9358892B1",
        "US11147202B2",
        "US11147202B2",
        "US11147203B2",
    ];
    let mut got = numbers(&out.records);
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, expected);
    assert_eq!(unique_numbers(&out.records).len(), 19);
    // With the skipped grant: 20 distinct numbers over the 21 documents.
    let mut all = unique_numbers(&out.records);
    all.insert(skip.publication_number.clone().unwrap());
    assert_eq!(all.len(), 20);

    // test.xml: two concatenated grants (the second declaration is indented).
    let in_test_xml: Vec<(String, u64)> = out
        .records
        .iter()
        .filter(|r| source_file(r).ends_with("/test.xml"))
        .map(|r| (r.publication_number.to_string(), source_ordinal(r)))
        .collect();
    assert_eq!(
        in_test_xml,
        vec![
            ("US11147202B2".to_string(), 1),
            ("US11147203B2".to_string(), 2)
        ]
    );

    // DTD versions (PROVENANCE "Versions" line), v4 documents only: the two
    // pre-2005 families are named by their own parser.
    let formats = count_by(&out.records, |r| {
        r.source
            .as_ref()
            .and_then(|s| s.format.clone())
            .unwrap_or_default()
    });
    let format = |f: &str| formats.get(f).copied().unwrap_or(0);
    assert_eq!(format("uspto-grant-v4.0"), 1, "{formats:?}");
    assert_eq!(
        format("uspto-grant-v4.1"),
        1,
        "{formats:?} (the other v4.1 is malformed)"
    );
    assert_eq!(format("uspto-grant-v4.5"), 4, "{formats:?}");
    assert_eq!(format("uspto-application-v4.0"), 2, "{formats:?}");
    assert_eq!(format("uspto-application-v4.4"), 2, "{formats:?}");
    assert_eq!(format("uspto-application-v4.5"), 2, "{formats:?}");
    assert_eq!(format("uspto-application-v4.6"), 3, "{formats:?}");
    let legacy = out
        .records
        .iter()
        .filter(|r| {
            let f = r
                .source
                .as_ref()
                .and_then(|s| s.format.as_deref())
                .unwrap_or("");
            !f.starts_with("uspto-grant-v4") && !f.starts_with("uspto-application-v4")
        })
        .count();
    assert_eq!(legacy, 5, "3 ST.32 v2.5 grants + 2 pap v1.5: {formats:?}");
}

// ---------------------------------------------------------------------------
// uspto-patent-parsing-tools-pypi
// ---------------------------------------------------------------------------

/// PROVENANCE: 5 files, 2 real patents; three variants of US 8,613,112
/// (abstract removed, DOCTYPE removed and re-indented, DOCTYPE pointing at an
/// unknown DTD). All five parse; the variants equal the original but for the
/// abstract (lackofnode) and where they were read from.
#[test]
fn parsing_tools_variants_parse_like_the_original() {
    let out = ingest("uspto-patent-parsing-tools-pypi");
    assert_consistent(&out);
    let s = &out.summary;
    assert_eq!(s.files, 5, "{s:?}");
    assert_eq!(s.documents_read, 5, "{s:?}");
    assert_eq!(s.ingested, 5, "skips: {:#?}", out.skips);
    assert_eq!(s.skipped, 0);
    let by_file = |name: &str| -> &PatentRecord {
        out.records
            .iter()
            .find(|r| source_file(r).ends_with(name))
            .unwrap_or_else(|| panic!("no record from {name}"))
    };
    let original = by_file("/US08613112-20131224.XML");
    assert_eq!(original.publication_number.to_string(), "US8613112B2");
    assert!(!original.abstract_text.is_empty());
    assert!(!original.claims.is_empty());
    assert!(!original.description.is_empty());
    assert_eq!(
        original.publication_date,
        chrono::NaiveDate::from_ymd_opt(2013, 12, 24)
    );
    assert_eq!(
        original.source.as_ref().unwrap().format.as_deref(),
        Some("uspto-grant-v4.4")
    );

    let lackofnode = by_file("/US08613112-lackofnode.XML");
    assert!(lackofnode.abstract_text.is_empty());
    let mut expected = without_source(original);
    expected.abstract_text = String::new();
    assert_eq!(without_source(lackofnode), expected);

    for variant in [
        "/US08613112-noDTDFile.XML",
        "/US08613112-notSupportedDTD.XML",
    ] {
        assert_eq!(
            without_source(by_file(variant)),
            without_source(original),
            "{variant}"
        );
    }

    let other = by_file("/US08927386-20150106.XML");
    assert_eq!(other.publication_number.to_string(), "US8927386B2");
    assert!(!other.cpc.is_empty(), "CPC only in US08927386");
    assert!(original.cpc.is_empty());
    assert_eq!(unique_numbers(&out.records).len(), 2);
}

// ---------------------------------------------------------------------------
// uspto-patentpublicdata-samples
// ---------------------------------------------------------------------------

/// PROVENANCE: 14 XML/SGML documents + 3 Green Book + 6 BRS + 13 XML4IP
/// parts, plus two CPC scheme files that are no patents.
#[test]
fn patentpublicdata_samples_are_parsed_or_reported() {
    let out = ingest("uspto-patentpublicdata-samples");
    assert_consistent(&out);
    let s = &out.summary;
    assert_eq!(s.documents_read, 14 + 3 + 6 + 13 + 2, "{s:?}");

    // The 14 XML/SGML documents of the table: parsed, except that the SGML
    // v2.4 design patent may be reported as an unsupported format instead.
    let sgml_skip: Vec<&Skip> = out
        .skips
        .iter()
        .filter(|k| slashed(&k.file).ends_with("/sgml/USD435854S1.xml"))
        .collect();
    let expected: BTreeSet<&str> = BTreeSet::from([
        "US20010000044A1",
        "US20010000943A1",
        "US20010009014A1",
        "US6336130B1",
        "US6337117B1",
        "US6859910B2",
        "US6970935B1",
        "US7272630B2",
        "US8926509B2",
        "US8927118B2",
        "US8930553B2",
        "US20050004437A1",
        "US20050004974A1",
    ]);
    let sgml_records: Vec<&PatentRecord> = out
        .records
        .iter()
        .filter(|r| source_file(r).ends_with("/sgml/USD435854S1.xml"))
        .collect();
    match sgml_skip.as_slice() {
        [] => {
            assert_eq!(
                sgml_records.len(),
                1,
                "USD435854S1.xml neither parsed nor reported"
            );
            assert_eq!(sgml_records[0].publication_number.base(), "USD435854");
        }
        [skip] => {
            assert_eq!(skip.ordinal, 1);
            assert_eq!(
                skip.error,
                DocError::Unsupported(UnsupportedFormat::Sgml),
                "{skip}"
            );
            assert!(skip.to_string().contains("SGML"), "{skip}");
        }
        more => panic!("USD435854S1.xml reported more than once: {more:?}"),
    }
    let others: Vec<PatentRecord> = out
        .records
        .iter()
        .filter(|r| !source_file(r).ends_with("/sgml/USD435854S1.xml"))
        .cloned()
        .collect();
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(unique_numbers(&others), expected);
    assert_eq!(others.len(), expected.len(), "each parsed exactly once");

    // Green Book (APS text): 3 files, one PATN record each.
    let aps: Vec<&Skip> = out
        .skips
        .iter()
        .filter(|k| k.error == DocError::Unsupported(UnsupportedFormat::ApsText))
        .collect();
    assert_eq!(aps.len(), 3);
    for (skip, file) in aps.iter().zip([
        "US03932709.greenbook",
        "US03937375.greenbook",
        "US04347903.greenbook",
    ]) {
        assert!(slashed(&skip.file).ends_with(&format!("/greenbook/{file}")));
        assert_eq!(skip.ordinal, 1);
        assert!(skip.to_string().contains("unsupported format"));
    }

    // BRS text: 6 documents in one file, ordinals 1 to 6.
    let brs: Vec<&Skip> = out
        .skips
        .iter()
        .filter(|k| k.error == DocError::Unsupported(UnsupportedFormat::BrsText))
        .collect();
    assert_eq!(
        brs.iter().map(|k| k.ordinal).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert!(brs
        .iter()
        .all(|k| slashed(&k.file).ends_with("/css_brs/css_brs_sample.txt")));

    // XML4IP: 13 parts (claims, specification, abstract) of 5 applications, inside the zip.
    let xml4ip: Vec<&Skip> = out
        .skips
        .iter()
        .filter(|k| k.error == DocError::Unsupported(UnsupportedFormat::Xml4Ip))
        .collect();
    assert_eq!(xml4ip.len(), 13);
    let applications: BTreeSet<&str> = xml4ip
        .iter()
        .map(|k| {
            assert!(k.file.contains("sample_XML4IP.ZIP!"), "{k}");
            assert_eq!(k.ordinal, 1);
            let member = k.file.rsplit('!').next().unwrap();
            member.split('/').nth(1).unwrap()
        })
        .collect();
    assert_eq!(
        applications,
        BTreeSet::from(["12993548", "13694401", "13821389", "13962724", "14522151"])
    );

    // Nothing else was skipped.
    assert_eq!(
        out.skips.len(),
        sgml_skip.len() + aps.len() + brs.len() + xml4ip.len(),
        "{:#?}",
        out.skips
    );

    // The CPC master file and scheme are no patents.
    let mut non_patent: Vec<(String, u64, &str)> = out
        .non_patent
        .iter()
        .map(|n| {
            let f = slashed(&n.file);
            let short = f.rsplit('/').next().unwrap().to_string();
            (short, n.ordinal, n.what.as_str())
        })
        .collect();
    non_patent.sort();
    assert_eq!(
        non_patent,
        vec![
            (
                "cpc-scheme-A01L.xml".to_string(),
                1,
                "classification scheme"
            ),
            ("cpcMaster.xml".to_string(), 1, "classification scheme"),
        ]
    );
}

// ---------------------------------------------------------------------------
// EPO folders
// ---------------------------------------------------------------------------

/// PROVENANCE: 66 documents, 66 unique (A1 ×17, A2 ×16, B1 ×17, B2 ×16),
/// published 1978–2023, in en 49 / de 12 / fr 5. Four files are not
/// well-formed XML and need a tolerant read.
#[test]
fn epo_eps_testdata_counts_match_provenance() {
    let out = ingest("epo-go-epo-eps-testdata");
    assert_consistent(&out);
    let s = &out.summary;
    assert_eq!(s.files, 66, "{s:?}");
    assert_eq!(s.documents_read, 66, "{s:?}");
    assert_eq!(s.ingested, 66, "skips: {:#?}", out.skips);
    assert_eq!(s.skipped, 0);
    assert_eq!(unique_numbers(&out.records).len(), 66);
    assert!(out.records.iter().all(|r| r.country == "EP"));
    let kinds = count_by(&out.records, |r| r.kind.clone().unwrap_or_default());
    let want: BTreeMap<String, usize> = [("A1", 17), ("A2", 16), ("B1", 17), ("B2", 16)]
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(kinds, want);
    let years: BTreeSet<i32> = out
        .records
        .iter()
        .map(|r| {
            r.publication_date
                .unwrap_or_else(|| panic!("{} has no date", r.publication_number))
                .year()
        })
        .collect();
    assert_eq!(years.first(), Some(&1978));
    assert_eq!(years.last(), Some(&2023));
    let langs = count_by(&out.records, |r| r.lang.clone().unwrap_or_default());
    let want: BTreeMap<String, usize> = [("en", 49), ("de", 12), ("fr", 5)]
        .iter()
        .map(|(k, n)| (k.to_string(), *n))
        .collect();
    assert_eq!(langs, want);
    for number in [
        "EP0000002A1",
        "EP1921219A1",
        "EP2055205A1",
        "EP0560858A1",
        "EP3889521A1",
    ] {
        assert!(
            numbers(&out.records).iter().any(|n| n == number),
            "{number} missing"
        );
    }
}

/// PROVENANCE: the TSV holds 3 documents (EP0600083, EP0600102, EP0600103,
/// all A1), in a format we do not read; the .jsonl.gz is parseEPO's own JSON
/// (sections as objects, numbers written `EP-0600083-A1`), not ours, so its 3
/// lines are reported too, each by file, line and number.
#[test]
fn epo_cc4_sample_is_reported_document_by_document() {
    let out = ingest("epo-cc4-parseepo-sample");
    assert_consistent(&out);
    assert!(out.records.is_empty());
    assert!(out.non_patent.is_empty());
    assert_eq!(out.summary.documents_read, 6, "{:?}", out.summary);

    let tsv: Vec<&Skip> = out
        .skips
        .iter()
        .filter(|k| slashed(&k.file).ends_with("/sampleEP0600000.txt"))
        .collect();
    assert_eq!(
        tsv.iter().map(|k| k.ordinal).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    for skip in &tsv {
        assert_eq!(skip.error, DocError::Unsupported(UnsupportedFormat::EpoTsv));
        assert!(skip.to_string().contains("EPO full-text TSV"), "{skip}");
    }

    let json: Vec<&Skip> = out
        .skips
        .iter()
        .filter(|k| k.file.contains("sampleEP0600000.jsonl"))
        .collect();
    assert_eq!(json.len(), 3, "{:#?}", out.skips);
    for (skip, (ordinal, number)) in
        json.iter()
            .zip([(1, "0600083"), (2, "0600102"), (3, "0600103")])
    {
        assert_eq!(skip.ordinal, ordinal, "{skip}");
        assert!(
            matches!(
                skip.error,
                DocError::InvalidJson(_) | DocError::MissingField(_) | DocError::BadNumber(_)
            ),
            "{skip}"
        );
        let named = skip.publication_number.as_deref().unwrap_or_default();
        assert!(named.contains(number), "{skip}: should name {number}");
    }
    assert_eq!(out.skips.len(), 6);
}

/// OPS REST responses are no EP publications we read: every one of the 21
/// files is reported (unsupported, or not a patent), none is a record, none panics.
#[test]
fn epo_ops_fixtures_are_reported_not_parsed() {
    let out = ingest("epo-ops-patent-client-fixtures");
    assert_consistent(&out);
    assert!(out.records.is_empty(), "{:?}", numbers(&out.records));
    assert_eq!(out.summary.files, 21, "{:?}", out.summary);
    assert_eq!(out.summary.documents_read, 21, "{:?}", out.summary);
    for skip in &out.skips {
        assert_eq!(skip.ordinal, 1, "{skip}");
        assert_eq!(
            skip.error,
            DocError::Unsupported(UnsupportedFormat::EpoOps),
            "{skip}"
        );
    }
    assert_eq!(out.skips.len() + out.non_patent.len(), 21);
}

/// Across every folder: no document makes a parser panic, no file fails as a
/// whole, and the summary adds up.
#[test]
fn no_folder_has_parser_failures_or_whole_file_errors() {
    let dir = patents_dir();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("patents folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    assert!(folders.len() >= 8, "{folders:?}");
    let out = ingest_paths(&folders);
    assert_consistent(&out);
    assert!(
        !out.summary.skipped_by_reason.contains_key("internal-error"),
        "{:?}",
        out.summary.skipped_by_reason
    );
    assert!(!out.summary.skipped_by_reason.contains_key("io-error"));
}
