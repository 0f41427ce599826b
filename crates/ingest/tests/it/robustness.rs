//! Robustness of ingest against bad input (the issue's "A property or fuzz
//! test feeds truncated and mutated real documents and arbitrary bytes: no
//! panic, no hang" and "Bad input ... is skipped and counted, and never
//! aborts or corrupts an ingest").
//!
//! - Properties over real documents of every supported format: truncated,
//!   mutated (bit flips, markup inserted, bytes deleted), spliced with another
//!   document, regions duplicated, fields replaced by arbitrary text. Both
//!   single-document parsers are called directly; each call runs under a
//!   watchdog and must return (`Ok` or `Err`) without panicking, in time.
//! - Arbitrary bytes and markup-shaped strings into both parsers.
//! - The whole pipeline over a folder of broken files (a corrupted document
//!   in a weekly file, gzip copies, a truncated gzip, a zip with a corrupt
//!   member, an empty file): every intact document is ingested, every broken
//!   one is reported with its file, position and number, the counts add up.
//! - The deliberately broken real files (`uspto-patent-parsing-tools-pypi`,
//!   the malformed grant US 7,057,742 B2).

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{mpsc, LazyLock};
use std::time::{Duration, Instant};

use patsearch_ingest::{
    parse_json_line, parse_xml_document, run, DocContext, DocError, Event, IngestOptions, Parsed,
    Progress, Skip, Summary,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError};

use crate::fixtures::patents_dir;

// ---------------------------------------------------------------------------
// Seeds: real documents of each format
// ---------------------------------------------------------------------------

/// Real XML documents, one per format family, all below 70 KB so that debug
/// runs stay quick.
const XML_SEEDS: &[(&str, &str)] = &[
    (
        "USPTO grant v4.5",
        "uspto-patentpublicdata-samples/xml2014/US08930553.xml",
    ),
    (
        "USPTO application v4.6",
        "uspto-go-uspto-testdata/application/US20220240350A1-20220728.XML",
    ),
    (
        "USPTO pap v1.5 application",
        "uspto-patentpublicdata-samples/pap/US20010000044A1.xml",
    ),
    (
        "USPTO ST.32 v2.5 grant",
        "uspto-patentpublicdata-samples/sgml/US06336130.xml",
    ),
    (
        "EPO A1 with a raw '&'",
        "epo-go-epo-eps-testdata/application/v1-4-A1-1.xml",
    ),
    (
        "EPO B2 grant, claims in three languages",
        "epo-go-epo-eps-testdata/grant/v1-0-B2.xml",
    ),
];

#[derive(Debug)]
struct Seed {
    what: String,
    bytes: Vec<u8>,
}

fn read_fixture(rel: &str) -> Vec<u8> {
    let path = patents_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A line in the flat shape of the patents-2013 corpus, built from the first
/// record of the benchmark abstracts (title + ". " + abstract).
fn corpus_shaped_line() -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/abstracts-512.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let first: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("abstracts-512.jsonl is empty"))
            .expect("abstracts-512.jsonl line 1 is JSON");
    let number = first["publication_number"]
        .as_str()
        .expect("publication_number");
    let text = first["text"].as_str().expect("text");
    let (title, abstract_text) = text.split_once(". ").unwrap_or((text, ""));
    let description = abstract_text.split(". ").collect::<Vec<_>>().join(".\n\n");
    let line = serde_json::json!({
        "publication_number": number,
        "country": "US",
        "kind": null,
        "title": title,
        "abstract": abstract_text,
        "description": description,
        "assignee": "Example Corporation",
        "assignee_city": "Armonk",
        "assignee_country": "US",
        "filing_date": "2013-01-01",
        "source_file": "2013-01-01-example.markdown",
    });
    serde_json::to_vec(&line).expect("serialise")
}

/// A line in the canonical shape: the record of the v4.5 grant, as
/// `patsearch ingest --dump` writes it.
fn canonical_line(grant: &[u8]) -> Vec<u8> {
    let ctx = DocContext {
        file: "US08930553.xml",
        ordinal: 1,
    };
    match parse_xml_document(grant, ctx) {
        Ok(Parsed::Record(record)) => serde_json::to_vec(&record).expect("serialise"),
        other => panic!("the v4.5 grant seed does not parse: {other:?}"),
    }
}

static SEEDS: LazyLock<Vec<Seed>> = LazyLock::new(|| {
    let mut seeds: Vec<Seed> = XML_SEEDS
        .iter()
        .map(|(what, rel)| Seed {
            what: format!("{what} ({rel})"),
            bytes: read_fixture(rel),
        })
        .collect();
    let canonical = canonical_line(&seeds[0].bytes);
    seeds.push(Seed {
        what: "corpus-shaped JSON line".into(),
        bytes: corpus_shaped_line(),
    });
    seeds.push(Seed {
        what: "canonical JSON line".into(),
        bytes: canonical,
    });
    seeds
});

#[test]
fn seeds_parse_cleanly() {
    // The mutations below start from documents the parsers accept.
    for seed in SEEDS.iter() {
        let ctx = DocContext {
            file: "seed",
            ordinal: 1,
        };
        if seed.bytes.first() == Some(&b'{') {
            let record =
                parse_json_line(&seed.bytes, ctx).unwrap_or_else(|e| panic!("{}: {e}", seed.what));
            assert!(!record.title.is_empty(), "{}: no title", seed.what);
        } else {
            match parse_xml_document(&seed.bytes, ctx) {
                Ok(Parsed::Record(record)) => {
                    assert!(!record.title.is_empty(), "{}: no title", seed.what)
                }
                other => panic!("{}: {other:?}", seed.what),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The watchdog: no panic, no hang
// ---------------------------------------------------------------------------

/// How long one parser call may take before it counts as a hang. The inputs
/// are at most ~150 KB and parse in milliseconds even unoptimised; the bound
/// is far above that so that a loaded machine cannot make it flake.
const CALL_LIMIT: Duration = Duration::from_secs(10);

fn panic_text(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".into())
}

/// What a parser made of an input, reduced to what the properties check.
#[derive(Debug)]
enum Outcome {
    Record,
    NonPatent,
    /// The error's [`DocError::reason`].
    Error(&'static str),
}

/// Feeds `input` to both parsers (XML and JSON line) on a watchdog thread.
/// Fails when either panics, when either is still running after
/// [`CALL_LIMIT`], or when a record it returns cannot be serialised.
fn parse_both(input: &[u8]) -> Result<(Outcome, Outcome), TestCaseError> {
    let bytes = input.to_vec();
    let len = bytes.len();
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("parse-under-watchdog".into())
        .spawn(move || {
            let ctx = DocContext {
                file: "fuzz.xml",
                ordinal: 7,
            };
            let xml = catch_unwind(AssertUnwindSafe(|| match parse_xml_document(&bytes, ctx) {
                Ok(Parsed::Record(record)) => serde_json::to_vec(&record)
                    .map(|_| Outcome::Record)
                    .map_err(|e| format!("record does not serialise: {e}")),
                Ok(Parsed::NonPatent(_)) => Ok(Outcome::NonPatent),
                Err(e) => Ok(Outcome::Error(e.reason())),
            }));
            let json = catch_unwind(AssertUnwindSafe(|| match parse_json_line(&bytes, ctx) {
                Ok(record) => serde_json::to_vec(&record)
                    .map(|_| Outcome::Record)
                    .map_err(|e| format!("record does not serialise: {e}")),
                Err(e) => Ok(Outcome::Error(e.reason())),
            }));
            let _ = tx.send((xml, json));
        })
        .expect("spawn the watchdog thread");
    let started = Instant::now();
    let (xml, json) = match rx.recv_timeout(CALL_LIMIT) {
        Ok(both) => both,
        Err(_) => {
            return Err(TestCaseError::fail(format!(
                "hang: parsing a {len}-byte input did not finish in {:?}",
                started.elapsed()
            )))
        }
    };
    let check = |parser: &str, outcome: std::thread::Result<Result<Outcome, String>>| match outcome
    {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(problem)) => Err(TestCaseError::fail(format!(
            "{parser} on a {len}-byte input: {problem}"
        ))),
        Err(panic) => Err(TestCaseError::fail(format!(
            "{parser} panicked on a {len}-byte input: {}",
            panic_text(&*panic)
        ))),
    };
    Ok((
        check("parse_xml_document", xml)?,
        check("parse_json_line", json)?,
    ))
}

/// Proptest settings: a modest number of cases (`PROPTEST_CASES` overrides
/// it for a deeper run), no regression files written into the source tree,
/// shrinking bounded so a failure reports quickly.
fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        max_shrink_iters: 512,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/// Markup and encoding fragments that parsers trip on.
const FRAGMENTS: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x0;",
    b"&#x110000;",
    b"&#99999999999999999999;",
    b"&#xD800;",
    b"&nosuchentity;",
    b"&ldquo;",
    b"&;",
    b"\"",
    b"'",
    b"</",
    b"/>",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"]]>",
    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    b"\n<?xml version=\"1.0\"?>\n",
    b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
    b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    b"<!DOCTYPE x SYSTEM \"x.dtd\" [",
    b"<!DOCTYPE x [<!ENTITY e \"&e;&e;\">]>",
    b"<!ENTITY co \"<b>\">",
    b"&co;",
    b"]>",
    b"<claim-text>",
    b"</claim-text>",
    b"<doc-number>",
    b"</doc-number>",
    b"<PDAT>",
    b"<B110>",
    b"\0",
    b"\x01",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\xe2\x80",
    b"\r\n",
    b"\"publication_number\":",
    b"\"claims\":[",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"null",
];

/// Where an edit applies: anywhere, or within the first 4 KB, where the
/// prolog, the DOCTYPE, the root attributes and the bibliographic data sit.
#[derive(Debug, Clone)]
enum Pos {
    Anywhere(Index),
    Head(usize),
}

impl Pos {
    /// An offset in `0..len` (`len` > 0).
    fn resolve(&self, len: usize) -> usize {
        match self {
            Pos::Anywhere(index) => index.index(len),
            Pos::Head(offset) => offset % len,
        }
    }
}

fn pos() -> impl Strategy<Value = Pos> {
    prop_oneof![
        any::<Index>().prop_map(Pos::Anywhere),
        (0usize..4096).prop_map(Pos::Head),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    FlipBit { at: Pos, bit: u8 },
    SetByte { at: Pos, byte: u8 },
    Insert { at: Pos, bytes: Vec<u8> },
    Delete { at: Pos, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let fragment = prop_oneof![
        proptest::sample::select(FRAGMENTS).prop_map(<[u8]>::to_vec),
        proptest::collection::vec(any::<u8>(), 1..16),
    ];
    prop_oneof![
        (pos(), 0u8..8).prop_map(|(at, bit)| Edit::FlipBit { at, bit }),
        (pos(), any::<u8>()).prop_map(|(at, byte)| Edit::SetByte { at, byte }),
        (pos(), fragment).prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (pos(), 1usize..256).prop_map(|(at, len)| Edit::Delete { at, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    match edit {
        Edit::Insert { at, bytes: new } => {
            let at = at.resolve(bytes.len() + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        _ if bytes.is_empty() => {}
        Edit::FlipBit { at, bit } => {
            let at = at.resolve(bytes.len());
            bytes[at] ^= 1 << bit;
        }
        Edit::SetByte { at, byte } => {
            let at = at.resolve(bytes.len());
            bytes[at] = *byte;
        }
        Edit::Delete { at, len } => {
            let at = at.resolve(bytes.len());
            let end = (at + len).min(bytes.len());
            bytes.drain(at..end);
        }
    }
}

fn seed() -> impl Strategy<Value = usize> {
    0..SEEDS.len()
}

fn seed_bytes(i: usize) -> &'static [u8] {
    &SEEDS[i].bytes
}

// ---------------------------------------------------------------------------
// 1. Properties over real documents
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    /// A document cut at any byte (a truncated download, a file cut short).
    #[test]
    fn truncated_documents_never_panic_or_hang(seed in seed(), cut in pos()) {
        let bytes = seed_bytes(seed);
        let cut = cut.resolve(bytes.len() + 1);
        parse_both(&bytes[..cut])?;
    }

    /// A handful of flipped bits, overwritten bytes, inserted markup and
    /// deleted runs anywhere in a real document.
    #[test]
    fn mutated_documents_never_panic_or_hang(
        seed in seed(),
        edits in proptest::collection::vec(edit(), 1..8),
    ) {
        let mut bytes = seed_bytes(seed).to_vec();
        for e in &edits {
            apply(&mut bytes, e);
        }
        parse_both(&bytes)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// The head of one document joined to the tail of another (two
    /// documents run together by a bad concatenation).
    #[test]
    fn spliced_documents_never_panic_or_hang(
        a in seed(),
        b in seed(),
        cut_a in pos(),
        cut_b in any::<Index>(),
    ) {
        let (a, b) = (seed_bytes(a), seed_bytes(b));
        let mut bytes = a[..cut_a.resolve(a.len() + 1)].to_vec();
        bytes.extend_from_slice(&b[cut_b.index(b.len() + 1)..]);
        parse_both(&bytes)?;
    }

    /// A region of a document copied in again elsewhere (a re-sent block,
    /// duplicated elements, a second root).
    #[test]
    fn duplicated_regions_never_panic_or_hang(
        seed in seed(),
        from in pos(),
        len in 1usize..8192,
        to in pos(),
        times in 1usize..4,
    ) {
        let original = seed_bytes(seed);
        let start = from.resolve(original.len());
        let region = original[start..(start + len).min(original.len())].to_vec();
        let mut bytes = original.to_vec();
        let at = to.resolve(bytes.len() + 1);
        for _ in 0..times {
            bytes.splice(at..at, region.iter().copied());
        }
        parse_both(&bytes)?;
    }

    /// The text of one leaf element or one attribute value in a real document
    /// replaced by arbitrary text, escaped (the document stays well-formed,
    /// so the field readers see the odd value) or raw.
    #[test]
    fn arbitrary_field_values_never_panic_or_hang(
        seed in 0..XML_SEEDS.len(),
        field in element(),
        value in field_value(),
        escape in any::<bool>(),
    ) {
        let bytes = seed_bytes(seed);
        let spans = &FIELD_SPANS[seed];
        prop_assume!(!spans.is_empty());
        let (start, end) = spans[field.resolve(spans.len())];
        let value = if escape { xml_escape(&value) } else { value };
        let mut mutated = bytes[..start].to_vec();
        mutated.extend_from_slice(value.as_bytes());
        mutated.extend_from_slice(&bytes[end..]);
        parse_both(&mutated)?;
    }
}

/// Byte spans of the leaf-element texts (`>text</`) and attribute values
/// (`="value"`) in each XML seed, in document order.
static FIELD_SPANS: LazyLock<Vec<Vec<(usize, usize)>>> = LazyLock::new(|| {
    let leaf = regex::bytes::Regex::new(r">([^<>]*)</").expect("valid");
    let attribute = regex::bytes::Regex::new(r#"=\s*"([^"<]*)""#).expect("valid");
    SEEDS[..XML_SEEDS.len()]
        .iter()
        .map(|seed| {
            let mut spans: Vec<(usize, usize)> = leaf
                .captures_iter(&seed.bytes)
                .chain(attribute.captures_iter(&seed.bytes))
                .filter_map(|c| c.get(1))
                .map(|m| (m.start(), m.end()))
                .collect();
            spans.sort_unstable();
            spans
        })
        .collect()
});

/// Short odd values: numbers, dates and codes nearly right, multi-byte
/// characters, whitespace, and anything printable.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,12}",
        "[vV]?[0-9. \u{e9}\u{3b1}\u{4e2d}\u{1F600}]{0,4}",
        "[A-Z]{0,3}[0-9 /.,-]{0,10}[A-Z0-9]{0,2}",
        "[ \t\n]{0,3}",
        "\\PC{0,24}",
    ]
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---------------------------------------------------------------------------
// Structural mutations: whole elements deleted, duplicated, emptied, renamed
// or copied elsewhere, so that the document stays well-formed and the field
// readers meet missing, repeated and misplaced elements.
// ---------------------------------------------------------------------------

/// One element of a seed, found lexically: `start..end` covers it from `<`
/// to the end of its end tag.
#[derive(Debug, Clone, Copy)]
struct Element {
    start: usize,
    end: usize,
    name_len: usize,
    self_closing: bool,
}

/// The elements of `bytes` in document order (by start), found with a tag
/// stack; comments, declarations and the DOCTYPE are passed over.
fn elements(bytes: &[u8]) -> Vec<Element> {
    let is_name_end = |b: &u8| b.is_ascii_whitespace() || matches!(b, b'/' | b'>');
    let mut found = Vec::new();
    let mut open: Vec<(&[u8], usize)> = Vec::new();
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + offset;
        i = at + 1;
        let Some(gt) = memchr::memchr(b'>', &bytes[at..]).map(|g| at + g) else {
            break;
        };
        let tag = &bytes[at + 1..gt];
        if let Some(name) = tag.strip_prefix(b"/") {
            let name = &name[..name.iter().position(is_name_end).unwrap_or(name.len())];
            if let Some(k) = open.iter().rposition(|(n, _)| *n == name) {
                let start = open[k].1;
                open.truncate(k);
                found.push(Element {
                    start,
                    end: gt + 1,
                    name_len: name.len(),
                    self_closing: false,
                });
            }
        } else if tag
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            let name = &tag[..tag.iter().position(is_name_end).unwrap_or(tag.len())];
            if tag.ends_with(b"/") {
                found.push(Element {
                    start: at,
                    end: gt + 1,
                    name_len: name.len(),
                    self_closing: true,
                });
            } else {
                open.push((name, at));
            }
        }
    }
    found.sort_by_key(|e| e.start);
    found
}

static ELEMENTS: LazyLock<Vec<Vec<Element>>> = LazyLock::new(|| {
    SEEDS[..XML_SEEDS.len()]
        .iter()
        .map(|seed| elements(&seed.bytes))
        .collect()
});

/// Element names the format readers look for.
const ELEMENT_NAMES: &[&str] = &[
    "us-patent-grant",
    "us-bibliographic-data-grant",
    "publication-reference",
    "application-reference",
    "document-id",
    "doc-number",
    "kind",
    "country",
    "date",
    "invention-title",
    "abstract",
    "claims",
    "claim",
    "claim-text",
    "claim-ref",
    "description",
    "p",
    "heading",
    "classification-ipcr",
    "classification-cpc",
    "main-classification",
    "assignee",
    "orgname",
    "us-citation",
    "patcit",
    "nplcit",
    "subdoc-bibliographic-information",
    "document-date",
    "kind-code",
    "SDOBI",
    "B100",
    "B110",
    "DNUM",
    "PDAT",
    "B130",
    "B140",
    "B540",
    "CLMS",
    "CLM",
    "PARA",
    "ep-patent-document",
    "B190",
    "B520EP",
    "B541",
    "B542",
    "B721",
    "snm",
    "sequence-cwu",
    "html",
    "x",
];

/// Picks an element: anywhere, or among the first 150 (the bibliographic data).
fn element() -> impl Strategy<Value = Pos> {
    prop_oneof![
        any::<Index>().prop_map(Pos::Anywhere),
        (0usize..150).prop_map(Pos::Head),
    ]
}

#[derive(Debug, Clone)]
enum Restructure {
    Delete(Pos),
    Duplicate(Pos),
    Empty(Pos),
    Rename(Pos, &'static str),
    CopyBefore { element: Pos, before: Pos },
}

fn restructure() -> impl Strategy<Value = Restructure> {
    prop_oneof![
        element().prop_map(Restructure::Delete),
        element().prop_map(Restructure::Duplicate),
        element().prop_map(Restructure::Empty),
        (element(), proptest::sample::select(ELEMENT_NAMES))
            .prop_map(|(e, name)| Restructure::Rename(e, name)),
        (element(), element())
            .prop_map(|(element, before)| Restructure::CopyBefore { element, before }),
    ]
}

/// The replacements (`start..end` of the seed becomes the bytes) one
/// restructuring makes.
fn splices(bytes: &[u8], all: &[Element], edit: &Restructure) -> Vec<(usize, usize, Vec<u8>)> {
    let pick = |p: &Pos| all[p.resolve(all.len())];
    match edit {
        Restructure::Delete(p) => {
            let e = pick(p);
            vec![(e.start, e.end, Vec::new())]
        }
        Restructure::Duplicate(p) => {
            let e = pick(p);
            vec![(e.end, e.end, bytes[e.start..e.end].to_vec())]
        }
        Restructure::Empty(p) => {
            let e = pick(p);
            if e.self_closing {
                return Vec::new();
            }
            let open_end = e.start + memchr::memchr(b'>', &bytes[e.start..]).expect("tag") + 1;
            let close_start = e.end - e.name_len - 3;
            vec![(open_end, close_start, Vec::new())]
        }
        Restructure::Rename(p, name) => {
            let e = pick(p);
            let mut out = vec![(
                e.start + 1,
                e.start + 1 + e.name_len,
                name.as_bytes().to_vec(),
            )];
            if !e.self_closing {
                out.push((e.end - 1 - e.name_len, e.end - 1, name.as_bytes().to_vec()));
            }
            out
        }
        Restructure::CopyBefore { element, before } => {
            let (e, b) = (pick(element), pick(before));
            vec![(b.start, b.start, bytes[e.start..e.end].to_vec())]
        }
    }
}

/// Applies the restructurings to a copy of `bytes`, last position first,
/// leaving out any that overlaps one already applied.
fn restructured(bytes: &[u8], all: &[Element], edits: &[Restructure]) -> Vec<u8> {
    let mut pending: Vec<(usize, usize, Vec<u8>)> =
        edits.iter().flat_map(|e| splices(bytes, all, e)).collect();
    pending.sort_by_key(|p| std::cmp::Reverse((p.0, p.1)));
    let mut out = bytes.to_vec();
    let mut applied_from = usize::MAX;
    for (start, end, replacement) in pending {
        if end > applied_from {
            continue;
        }
        out.splice(start..end, replacement);
        applied_from = start;
    }
    out
}

#[test]
fn element_finder_finds_the_root_and_the_claims() {
    for (i, seed) in SEEDS[..XML_SEEDS.len()].iter().enumerate() {
        let all = &ELEMENTS[i];
        assert!(all.len() > 20, "{}: {} elements", seed.what, all.len());
        let root = all
            .iter()
            .max_by_key(|e| e.end - e.start)
            .expect("elements");
        let text = String::from_utf8_lossy(&seed.bytes[root.start..root.end]);
        assert!(
            text.trim_end().ends_with('>') && text.starts_with('<'),
            "{}",
            seed.what
        );
        // Deleting, emptying and renaming keep the tags balanced: the result
        // still parses as XML (perhaps as a different document type).
        for edit in [
            Restructure::Delete(Pos::Head(40)),
            Restructure::Empty(Pos::Head(40)),
            Restructure::Rename(Pos::Head(40), "x"),
            Restructure::Duplicate(Pos::Head(40)),
        ] {
            let doc = restructured(&seed.bytes, all, std::slice::from_ref(&edit));
            let outcome = parse_xml_document(
                &doc,
                DocContext {
                    file: "restructured.xml",
                    ordinal: 1,
                },
            );
            assert!(
                !matches!(outcome, Err(DocError::MalformedXml(_))),
                "{}: {edit:?}: {outcome:?}",
                seed.what
            );
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Elements deleted, duplicated, emptied, renamed and copied elsewhere;
    /// then, sometimes, a few byte-level edits on top.
    #[test]
    fn restructured_documents_never_panic_or_hang(
        seed in 0..XML_SEEDS.len(),
        edits in proptest::collection::vec(restructure(), 1..5),
        bytes_edits in proptest::collection::vec(edit(), 0..3),
    ) {
        let mut doc = restructured(seed_bytes(seed), &ELEMENTS[seed], &edits);
        for e in &bytes_edits {
            apply(&mut doc, e);
        }
        parse_both(&doc)?;
    }
}

// ---------------------------------------------------------------------------
// JSON lines with odd values
// ---------------------------------------------------------------------------

/// Small JSON values of every type, nested a little.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        field_value().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON pointers to every value in `value`, the root excluded.
fn json_pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                json_pointers(v, p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate().take(8) {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                json_pointers(v, p, out);
            }
        }
        _ => {}
    }
}

static JSON_SEEDS: LazyLock<Vec<(serde_json::Value, Vec<String>)>> = LazyLock::new(|| {
    SEEDS[XML_SEEDS.len()..]
        .iter()
        .map(|seed| {
            let value: serde_json::Value = serde_json::from_slice(&seed.bytes).expect("JSON seed");
            let mut pointers = Vec::new();
            json_pointers(&value, String::new(), &mut pointers);
            (value, pointers)
        })
        .collect()
});

proptest! {
    #![proptest_config(config(128))]

    /// One value anywhere in a JSON line replaced by a value of any type, or
    /// its field removed.
    #[test]
    fn json_lines_with_odd_values_never_panic_or_hang(
        seed in 0..2usize,
        at in any::<Index>(),
        value in json_value(),
        remove in proptest::bool::weighted(0.2),
    ) {
        let (original, pointers) = &JSON_SEEDS[seed];
        let mut line = original.clone();
        let pointer = &pointers[at.index(pointers.len())];
        let (parent, key) = pointer.rsplit_once('/').expect("pointer");
        match line.pointer_mut(parent) {
            Some(serde_json::Value::Object(map)) if remove => {
                map.remove(&key.replace("~1", "/").replace("~0", "~"));
            }
            _ => *line.pointer_mut(pointer).expect("pointer resolves") = value,
        }
        parse_both(&serde_json::to_vec(&line).expect("serialise"))?;
    }
}

// ---------------------------------------------------------------------------
// 2. Arbitrary input
// ---------------------------------------------------------------------------

/// Pieces from which markup-shaped (and JSON-shaped) text is assembled.
const TOKENS: &[&str] = &[
    "<",
    ">",
    "&",
    ";",
    "#",
    "x",
    "\"",
    "'",
    "=",
    "/",
    "?",
    "!",
    "[",
    "]",
    "-",
    " ",
    "\n",
    "<?xml",
    "<?xml version=\"1.0\"?>",
    "<?xml version=\"1.0\" encoding=\"",
    "?>",
    "<!DOCTYPE",
    "<!DOCTYPE us-patent-grant SYSTEM \"x.dtd\" [",
    "<!ENTITY",
    "SYSTEM",
    "NDATA",
    "]>",
    "]]>",
    "<![CDATA[",
    "<!--",
    "-->",
    "&amp;",
    "&#",
    "&#x",
    "&ldquo;",
    "<us-patent-grant",
    "<us-patent-application dtd-version=\"v4",
    "<patent-application-publication>",
    "<PATDOC DTD=\"2.5\">",
    "<ep-patent-document doc-number=\"1\" kind=\"A1\"",
    "<publication-reference><document-id><country>US</country><doc-number>",
    "</doc-number><kind>",
    "<B110><DNUM><PDAT>",
    "<claims>",
    "<claim num=\"1\"><claim-text>",
    "<claim-ref idref=\"CLM-00001\">",
    "</claim-text></claim>",
    "{",
    "}",
    ":",
    ",",
    "\"publication_number\"",
    "\"claims\"",
    "\"source\"",
    "null",
    "\u{e9}",
    "\u{FFFD}",
    "\u{1F600}",
];

fn markup_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(TOKENS).prop_map(str::to_string),
            1 => "[a-zA-Z0-9]{1,6}",
            1 => "\\PC{1,4}",
        ],
        0..200,
    )
    .prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic_or_hang(
        bytes in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        parse_both(&bytes)?;
    }

    #[test]
    fn arbitrary_markup_never_panics_or_hangs(text in markup_text()) {
        parse_both(text.as_bytes())?;
    }

    /// Markup-shaped text behind a real prolog and DOCTYPE, so it reaches
    /// the DOCTYPE handling and the element readers.
    #[test]
    fn arbitrary_markup_after_a_real_prolog_never_panics_or_hangs(
        seed in 0..XML_SEEDS.len(),
        text in markup_text(),
    ) {
        let bytes = seed_bytes(seed);
        let head = &bytes[..bytes.len().min(400)];
        let mut input = head.to_vec();
        input.extend_from_slice(text.as_bytes());
        parse_both(&input)?;
    }
}

#[test]
fn degenerate_inputs_are_errors() {
    for input in [
        &b""[..],
        b" ",
        b"\n\n",
        b"<",
        b"<?xml",
        b"<?xml version=\"1.0\"?>",
        b"<!DOCTYPE",
        b"<!DOCTYPE x [",
        b"<!DOCTYPE x [<!--",
        b"<!DOCTYPE x [<!ENTITY",
        b"]]>",
        b"&",
        b"&#",
        b"&#x;",
        b"{",
        b"{}",
        b"null",
        b"\xff\xfe<\0a\0/\0>\0",
        b"\xef\xbb\xbf",
    ] {
        let (xml, json) = parse_both(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert!(
            matches!(xml, Outcome::Error(reason) if !reason.is_empty()),
            "{input:?}: parse_xml_document gave {xml:?}"
        );
        assert!(
            matches!(json, Outcome::Error(reason) if !reason.is_empty()),
            "{input:?}: parse_json_line gave {json:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Regression: an odd `dtd-version` panicked the USPTO v4 parser
// ---------------------------------------------------------------------------

/// A USPTO v4 root whose `dtd-version` is one two-byte character after the
/// `v` (`dtd-version="vé"`) made `normalise_version` slice inside the
/// character (`uspto.rs`, "byte index 1 is not a char boundary"). The
/// pipeline caught the panic and reported an internal error; a direct call
/// panicked. `arbitrary_field_values_never_panic_or_hang` finds it too, given
/// enough cases.
#[test]
fn a_two_byte_character_in_dtd_version_does_not_panic() {
    let grant = String::from_utf8(seed_bytes(0).to_vec()).expect("UTF-8");
    for version in ["v\u{e9}", "\u{e9}", "V\u{3b1}"] {
        let doc = grant.replacen(
            "dtd-version=\"v4.5 2014-04-03\"",
            &format!("dtd-version=\"{version}\""),
            1,
        );
        assert_ne!(doc, grant, "the seed's dtd-version changed");
        let outcome = catch_unwind(|| {
            parse_xml_document(
                doc.as_bytes(),
                DocContext {
                    file: "US08930553.xml",
                    ordinal: 1,
                },
            )
            .map(|_| ())
        });
        match outcome {
            Ok(_) => {}
            Err(panic) => panic!(
                "parse_xml_document panicked on dtd-version=\"{version}\": {}",
                panic_text(&*panic)
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// 3. The whole pipeline over broken files
// ---------------------------------------------------------------------------

/// Real documents that start with an XML declaration (so they can be
/// concatenated into a weekly file) and their publication numbers.
const GOOD: &[(&str, &str)] = &[
    (
        "uspto-patentpublicdata-samples/xml2014/US08930553.xml",
        "US8930553B2",
    ),
    (
        "uspto-go-uspto-testdata/application/US20220240350A1-20220728.XML",
        "US20220240350A1",
    ),
    (
        "uspto-patentpublicdata-samples/sgml/US06336130.xml",
        "US6336130B1",
    ),
    ("epo-go-epo-eps-testdata/grant/v1-0-B2.xml", "EP0874807B2"),
];

/// Documents that are broken on purpose below.
const TO_TRUNCATE: (&str, &str) = ("uspto-go-uspto-testdata/grant/v4-5-B1.xml", "US9358892B1");
const TO_MUTATE: (&str, &str) = (
    "uspto-go-uspto-testdata/application/v4-5-A1.xml",
    "US20220159901A1",
);

/// `bytes` ending with a newline, as every document in a weekly file does.
fn with_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.last() != Some(&b'\n') {
        bytes.push(b'\n');
    }
    bytes
}

fn truncated_document() -> Vec<u8> {
    let bytes = read_fixture(TO_TRUNCATE.0);
    // Cut well inside the description, mid-line.
    let cut = bytes.len() / 2 + 17;
    with_newline(bytes[..cut].to_vec())
}

fn mutated_document() -> Vec<u8> {
    let text = String::from_utf8(read_fixture(TO_MUTATE.0)).expect("UTF-8");
    assert!(text.contains("</abstract>"));
    // A mismatched end tag: not well-formed.
    with_newline(text.replacen("</abstract>", "</abstrac>", 1).into_bytes())
}

/// What one document turned into, as the tests compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Record(String),
    Skipped {
        number: Option<String>,
        reason: &'static str,
    },
    NonPatent(String),
}

fn record(number: &str) -> Seen {
    Seen::Record(number.to_string())
}

fn skipped(number: Option<&str>, reason: &'static str) -> Seen {
    Seen::Skipped {
        number: number.map(str::to_string),
        reason,
    }
}

/// The outcome of a pipeline run: per file, (ordinal, outcome) in delivery order.
#[derive(Debug, Default)]
struct Outcomes {
    by_file: BTreeMap<String, Vec<(u64, Seen)>>,
    file_order: Vec<String>,
    skips: Vec<Skip>,
    records: u64,
    non_patent: u64,
}

impl Outcomes {
    fn add(&mut self, event: Event) {
        let (file, ordinal, seen) = match event {
            Event::Record(record) => {
                self.records += 1;
                let source = record
                    .source
                    .as_ref()
                    .expect("every ingested record says where it came from");
                (
                    source.file.clone(),
                    source.ordinal,
                    Seen::Record(record.publication_number.to_string()),
                )
            }
            Event::Skipped(skip) => {
                let seen = Seen::Skipped {
                    number: skip.publication_number.clone(),
                    reason: skip.error.reason(),
                };
                let out = (skip.file.clone(), skip.ordinal, seen);
                self.skips.push(skip);
                out
            }
            Event::NonPatent {
                file,
                ordinal,
                what,
            } => {
                self.non_patent += 1;
                (file, ordinal, Seen::NonPatent(what))
            }
        };
        if self.file_order.last() != Some(&file) {
            self.file_order.push(file.clone());
        }
        self.by_file.entry(file).or_default().push((ordinal, seen));
    }

    fn of(&self, file: &Path) -> &[(u64, Seen)] {
        let name = file.display().to_string();
        self.by_file.get(&name).map_or(&[], Vec::as_slice)
    }
}

/// Runs the pipeline over `paths` on a watchdog thread (no hang) and checks
/// what holds for every run: no parser panic caught as an internal error,
/// and the summary agrees with the events.
fn ingest(paths: &[PathBuf]) -> (Outcomes, Summary) {
    let paths = paths.to_vec();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut outcomes = Outcomes::default();
        let options = IngestOptions {
            threads: 2,
            ..IngestOptions::default()
        };
        let summary = run(&paths, &options, &Progress::default(), |e| outcomes.add(e));
        let _ = tx.send((outcomes, summary));
    });
    let (outcomes, summary) = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the ingest panicked or did not finish in 120 s");

    let internal: Vec<String> = outcomes
        .skips
        .iter()
        .filter(|s| matches!(s.error, DocError::Internal(_)))
        .map(ToString::to_string)
        .collect();
    assert!(
        internal.is_empty(),
        "parser panics caught by the pipeline: {internal:#?}"
    );
    let skipped_documents = outcomes.skips.iter().filter(|s| s.ordinal > 0).count() as u64;
    assert_eq!(summary.ingested, outcomes.records, "{summary:?}");
    assert_eq!(summary.skipped, outcomes.skips.len() as u64, "{summary:?}");
    assert_eq!(summary.non_patent, outcomes.non_patent, "{summary:?}");
    assert_eq!(
        summary.documents_read,
        summary.ingested + skipped_documents + summary.non_patent,
        "documents read = ingested + skipped documents + non-patent: {summary:?}"
    );
    assert_eq!(
        summary.skipped_by_reason.values().sum::<u64>(),
        summary.skipped,
        "{summary:?}"
    );
    for (file, seen) in &outcomes.by_file {
        // Whole-file failures (ordinal 0) may repeat: one per unreadable
        // archive member. Documents come once each, in order.
        let ordinals: Vec<u64> = seen.iter().map(|(o, _)| *o).filter(|&o| o > 0).collect();
        let mut sorted = ordinals.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            ordinals, sorted,
            "{file}: outcomes out of order or repeated"
        );
    }
    let mut order = outcomes.file_order.clone();
    order.dedup();
    assert_eq!(
        order.len(),
        outcomes.by_file.len(),
        "each file's outcomes arrive together: {order:#?}"
    );
    (outcomes, summary)
}

fn tool_present(name: &str) -> bool {
    Command::new("which")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Panics unless the command-line tool `name` is installed.
fn require_tool(name: &str) {
    assert!(
        tool_present(name),
        "the `{name}` command is needed to build this test's input but is not installed"
    );
}

/// `gzip -c` of `bytes`.
fn gzip(bytes: &[u8], scratch: &Path) -> Vec<u8> {
    require_tool("gzip");
    let input = scratch.join("gzip-input");
    std::fs::write(&input, bytes).expect("write gzip input");
    let out = Command::new("gzip")
        .arg("-c")
        .arg("-n")
        .arg(&input)
        .output()
        .expect("run gzip");
    assert!(out.status.success(), "gzip failed: {out:?}");
    std::fs::remove_file(&input).expect("remove gzip input");
    out.stdout
}

/// A zip archive of `members` (name, bytes, stored rather than deflated),
/// in that order: with the `zip` command when installed, else with Python's
/// `zipfile`.
fn make_zip(path: &Path, members: &[(&str, &[u8], bool)], scratch: &Path) {
    let dir = scratch.join("zip-members");
    std::fs::create_dir_all(&dir).expect("create zip scratch dir");
    for (name, bytes, _) in members {
        std::fs::write(dir.join(name), bytes).expect("write zip member");
    }
    if tool_present("zip") {
        for (name, _, stored) in members {
            let mut command = Command::new("zip");
            command.current_dir(&dir).arg("-q").arg("-X");
            if *stored {
                command.arg("-0");
            }
            let status = command.arg(path).arg(name).status().expect("run zip");
            assert!(status.success(), "zip failed adding {name}");
        }
    } else {
        require_tool("python3");
        let script = "import sys, zipfile\n\
            out, members = sys.argv[1], sys.argv[2:]\n\
            with zipfile.ZipFile(out, 'w') as z:\n\
            \x20   for spec in members:\n\
            \x20       name, stored = spec.rsplit(':', 1)\n\
            \x20       z.write(name, name, zipfile.ZIP_STORED if stored == '1' else zipfile.ZIP_DEFLATED)\n";
        let status = Command::new("python3")
            .current_dir(&dir)
            .arg("-c")
            .arg(script)
            .arg(path)
            .args(
                members
                    .iter()
                    .map(|(name, _, stored)| format!("{name}:{}", u8::from(*stored))),
            )
            .status()
            .expect("run python3");
        assert!(status.success(), "python3 zipfile failed");
    }
    std::fs::remove_dir_all(&dir).expect("remove zip scratch dir");
}

/// Overwrites the middle of a stored member's data in a zip file (the
/// central directory and the local header stay intact, the CRC no longer
/// matches).
fn corrupt_stored_member(zip: &mut [u8], name: &str, content: &[u8]) {
    // The stored member's bytes appear verbatim; find them after its local header.
    let header = zip
        .windows(name.len())
        .position(|w| w == name.as_bytes())
        .expect("member name in the zip");
    let start = header
        + zip[header..]
            .windows(64)
            .position(|w| w == &content[..64])
            .expect("stored member data in the zip");
    let middle = start + content.len() / 2;
    zip[middle..middle + 32].copy_from_slice(b"<<<<CORRUPTED<<<<<<<CORRUPTED>>>");
}

#[test]
fn broken_files_are_skipped_counted_and_named_and_intact_documents_all_ingested() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("scratch tempdir");
    let good: Vec<Vec<u8>> = GOOD
        .iter()
        .map(|(rel, _)| with_newline(read_fixture(rel)))
        .collect();
    let number = |i: usize| GOOD[i].1;

    // A weekly file: two good documents, a truncated one, a good one, a
    // mutated (not well-formed) one, a good one.
    let weekly_docs = [
        good[0].clone(),
        good[1].clone(),
        truncated_document(),
        good[2].clone(),
        mutated_document(),
        good[3].clone(),
    ];
    let weekly_expected = vec![
        (1, record(number(0))),
        (2, record(number(1))),
        (3, skipped(Some(TO_TRUNCATE.1), "malformed-xml")),
        (4, record(number(2))),
        (5, skipped(Some(TO_MUTATE.1), "malformed-xml")),
        (6, record(number(3))),
    ];
    let weekly = weekly_docs.concat();
    let weekly_path = dir.path().join("weekly.xml");
    std::fs::write(&weekly_path, &weekly).expect("write weekly.xml");

    // The same, gzipped.
    let weekly_gz_path = dir.path().join("weekly-copy.xml.gz");
    std::fs::write(&weekly_gz_path, gzip(&weekly, scratch.path())).expect("write .gz");

    // A gzip cut short: two complete members, then half of a third.
    let mut cut_gz = gzip(&good[0], scratch.path());
    cut_gz.extend(gzip(&good[1], scratch.path()));
    let third = gzip(&good[3], scratch.path());
    cut_gz.extend_from_slice(&third[..third.len() / 2]);
    let cut_gz_path = dir.path().join("cut-short.xml.gz");
    std::fs::write(&cut_gz_path, &cut_gz).expect("write cut .gz");

    // A single-document gzip cut short.
    let single = gzip(&good[2], scratch.path());
    let single_path = dir.path().join("single-cut.xml.gz");
    std::fs::write(&single_path, &single[..single.len() * 2 / 3]).expect("write cut .gz");

    // A zip whose middle member's data is corrupt.
    let zip_path = dir.path().join("archive.zip");
    let bad_member = good[1].clone();
    make_zip(
        &zip_path,
        &[
            ("good-1.xml", &good[0], false),
            ("bad.xml", &bad_member, true),
            ("good-2.xml", &good[3], false),
        ],
        scratch.path(),
    );
    let mut zip = std::fs::read(&zip_path).expect("read zip");
    corrupt_stored_member(&mut zip, "bad.xml", &bad_member);
    std::fs::write(&zip_path, &zip).expect("write corrupt zip");

    // A zero-byte file.
    let empty_path = dir.path().join("empty.xml");
    std::fs::write(&empty_path, b"").expect("write empty file");

    let (outcomes, summary) = ingest(&[dir.path().to_path_buf()]);

    assert_eq!(outcomes.of(&weekly_path), weekly_expected, "weekly.xml");
    assert_eq!(
        outcomes.of(&weekly_gz_path),
        weekly_expected,
        "weekly-copy.xml.gz, reported under its own name; all: {:#?}",
        outcomes.by_file
    );

    let cut = outcomes.of(&cut_gz_path);
    assert_eq!(
        cut[..2],
        [(1, record(number(0))), (2, record(number(1)))],
        "the complete members of cut-short.xml.gz are ingested: {cut:#?}"
    );
    // Documents cut by a broken stream are reported with the number read
    // from what arrived.
    assert_eq!(
        cut[2..],
        [(3, skipped(Some(number(3)), "io-error"))],
        "the cut document is skipped as document #3: {cut:#?}"
    );

    let single = outcomes.of(&single_path);
    // The ST.32 sniffer reads `<B110>` only, so the kind may be missing.
    assert!(
        matches!(
            single,
            [(1, Seen::Skipped { number: Some(n), reason: "io-error" })]
                if n.starts_with("US6336130")
        ),
        "the cut single document is skipped as document #1 (US6336130): {single:#?}"
    );

    let zip_name = zip_path.display().to_string();
    let member = |m: &str| PathBuf::from(format!("{zip_name}!{m}"));
    assert_eq!(
        outcomes.of(&member("good-1.xml")),
        [(1, record(number(0)))],
        "{:#?}",
        outcomes.by_file
    );
    assert_eq!(
        outcomes.of(&member("good-2.xml")),
        [(1, record(number(3)))],
        "{:#?}",
        outcomes.by_file
    );
    let bad = outcomes.of(&member("bad.xml"));
    assert_eq!(
        bad,
        [(1, skipped(Some(number(1)), "io-error"))],
        "the corrupt member is skipped as an unreadable document"
    );

    assert!(
        outcomes.of(&empty_path).is_empty(),
        "an empty file yields nothing"
    );

    // Exact totals: 4 + 4 intact documents in the two weekly files, 2 in the
    // cut gzip, 2 in the zip.
    assert_eq!(summary.ingested, 12, "{summary:#?}");
    assert_eq!(summary.skipped, 2 + 2 + 1 + 1 + 1, "{summary:#?}");
    assert_eq!(summary.documents_read, 12 + 7, "{summary:#?}");
    assert_eq!(summary.non_patent, 0, "{summary:#?}");
    // weekly.xml, weekly-copy.xml.gz, cut-short.xml.gz, single-cut.xml.gz
    // and three zip members; the empty file is set aside.
    assert_eq!(summary.files, 7, "{summary:#?}");
    assert_eq!(summary.ignored_files, 1, "{summary:#?}");
    assert_eq!(
        outcomes.by_file.len(),
        7,
        "files with outcomes: {:#?}",
        outcomes.by_file.keys()
    );
}

/// A gzip cut short (an interrupted download) loses the end of its last
/// document, but its head, with the publication number, was read. The skip
/// must name the document, as it does for the same document truncated in a
/// plain file ("reporting every document it cannot read with its file,
/// position and publication number").
#[test]
fn a_document_cut_by_a_truncated_gzip_is_reported_with_its_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scratch = tempfile::tempdir().expect("scratch tempdir");
    let (rel, number) = GOOD[0];
    let doc = with_newline(read_fixture(rel));

    let plain_path = dir.path().join("cut-plain.xml");
    std::fs::write(&plain_path, &doc[..doc.len() * 2 / 3]).expect("write");
    let gz = gzip(&doc, scratch.path());
    let gz_path = dir.path().join("cut-gzip.xml.gz");
    std::fs::write(&gz_path, &gz[..gz.len() * 2 / 3]).expect("write");

    let (outcomes, _) = ingest(&[dir.path().to_path_buf()]);
    assert_eq!(
        outcomes.of(&plain_path),
        [(1, skipped(Some(number), "malformed-xml"))],
        "the truncated plain file"
    );
    let cut = outcomes.of(&gz_path);
    assert!(
        matches!(cut, [(1, Seen::Skipped { number: Some(n), .. })] if n == number),
        "the document cut by the truncated gzip is skipped as {number}: {cut:#?}; {:#?}",
        outcomes.skips
    );
}

/// A document cut off mid-line, with the next document's declaration
/// following on the same line (a weekly file assembled from a truncated
/// download): the next, intact document must not be lost with it.
#[test]
fn a_document_truncated_mid_line_does_not_swallow_the_next_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = read_fixture(GOOD[0].0);
    let truncated = read_fixture(TO_TRUNCATE.0);
    let cut = truncated.len() / 2 + 17;
    let last = read_fixture(GOOD[1].0);
    let mut weekly = with_newline(first);
    weekly.extend_from_slice(&truncated[..cut]);
    weekly.extend_from_slice(&last);
    let path = dir.path().join("cut-mid-line.xml");
    std::fs::write(&path, &weekly).expect("write");

    let (outcomes, summary) = ingest(std::slice::from_ref(&path));
    assert_eq!(
        outcomes.of(&path),
        [
            (1, record(GOOD[0].1)),
            (2, skipped(Some(TO_TRUNCATE.1), "malformed-xml")),
            (3, record(GOOD[1].1)),
        ],
        "both intact documents are ingested"
    );
    assert_eq!(summary.skipped, 1);
    assert_eq!(summary.documents_read, 3);
}

/// Many documents, each broken differently, in one weekly file: each is
/// skipped on its own and the good documents around them survive.
#[test]
fn every_kind_of_broken_document_in_a_weekly_file_is_skipped_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = with_newline(read_fixture(GOOD[0].0));
    let text = String::from_utf8(good.clone()).expect("UTF-8");
    let broken: Vec<(&str, Vec<u8>)> = vec![
        ("truncated in the prolog", good[..30].to_vec()),
        ("truncated in the DOCTYPE", good[..60].to_vec()),
        ("truncated after the root start tag", good[..400].to_vec()),
        (
            "root element renamed",
            text.replace("us-patent-grant", "us-patent-grunt")
                .into_bytes(),
        ),
        (
            "doc-number emptied",
            text.replacen(
                "<doc-number>08930553</doc-number>",
                "<doc-number></doc-number>",
                1,
            )
            .into_bytes(),
        ),
        (
            "a start tag removed",
            text.replacen("<claims id=\"claims\">", "", 1).into_bytes(),
        ),
        ("NUL bytes and invalid UTF-8", {
            let mut b = good.clone();
            b.splice(2000..2000, *b"\0\0\xff\xfe\xc3");
            b
        }),
        (
            "a declaration and nothing else",
            b"<?xml version=\"1.0\"?>\n".to_vec(),
        ),
    ];
    let mut weekly = good.clone();
    for (_, doc) in &broken {
        weekly.extend(with_newline(doc.clone()));
        weekly.extend_from_slice(&good);
    }
    let path = dir.path().join("weekly.xml");
    std::fs::write(&path, &weekly).expect("write");

    let (outcomes, summary) = ingest(std::slice::from_ref(&path));
    let seen = outcomes.of(&path);
    assert_eq!(seen.len(), 1 + 2 * broken.len(), "{seen:#?}");
    for (i, (ordinal, outcome)) in seen.iter().enumerate() {
        assert_eq!(*ordinal, i as u64 + 1, "{seen:#?}");
        if i % 2 == 0 {
            assert_eq!(*outcome, record(GOOD[0].1), "document #{ordinal}");
        } else {
            let (what, _) = &broken[i / 2];
            // Some breakages still parse (NUL bytes are dropped); none may
            // take a neighbour with it.
            if let Seen::Record(number) = outcome {
                assert_eq!(number, GOOD[0].1, "{what}: document #{ordinal}");
            }
        }
    }
    assert_eq!(summary.documents_read, seen.len() as u64, "{summary:#?}");
}

// ---------------------------------------------------------------------------
// Pipeline properties: broken input never aborts an ingest nor takes intact
// documents with it
// ---------------------------------------------------------------------------

/// Seeds that open with an XML declaration, so they start a document in a
/// weekly file.
fn declared_seed() -> impl Strategy<Value = usize> {
    let declared: Vec<usize> = (0..XML_SEEDS.len())
        .filter(|&i| seed_bytes(i).starts_with(b"<?xml"))
        .collect();
    proptest::sample::select(declared)
}

/// The good document placed after the broken input in every pipeline
/// property, and its number.
fn neighbour() -> (Vec<u8>, &'static str) {
    let (rel, number) = GOOD[3];
    (with_newline(read_fixture(rel)), number)
}

proptest! {
    #![proptest_config(config(48))]

    /// A weekly file: a good document, a document mutated after its
    /// declaration line, a good document. Whatever the mutation does to the
    /// middle one (including cutting it into several), the first and the
    /// last are ingested, and the ordinals run 1, 2, 3, ...
    #[test]
    fn a_mutated_document_never_takes_its_neighbours_with_it(
        middle in declared_seed(),
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let first = with_newline(seed_bytes(0).to_vec());
        let (last, last_number) = neighbour();
        let original = seed_bytes(middle);
        let first_line = memchr::memchr(b'\n', original).expect("a line") + 1;
        let mut body = original[first_line..].to_vec();
        for e in &edits {
            apply(&mut body, e);
        }
        let mut weekly = first;
        weekly.extend_from_slice(&original[..first_line]);
        weekly.extend(with_newline(body));
        weekly.extend(last);

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("weekly.xml");
        std::fs::write(&path, &weekly).expect("write");
        let (outcomes, _) = ingest(std::slice::from_ref(&path));
        let seen = outcomes.of(&path);
        prop_assert!(seen.len() >= 3, "{:#?}", seen);
        prop_assert_eq!(&seen[0], &(1, record(GOOD[0].1)));
        prop_assert_eq!(&seen[seen.len() - 1].1, &record(last_number));
        for (i, (ordinal, _)) in seen.iter().enumerate() {
            prop_assert_eq!(*ordinal, i as u64 + 1);
        }
    }
}

/// How an arbitrary file opens: each container's and format's magic, or nothing.
const FILE_PREFIXES: &[&[u8]] = &[
    b"",
    b"\x1f\x8b",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
    b"\x28\xb5\x2f\xfd",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK",
    b"<?xml version=\"1.0\"?>\n",
    b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<us-patent-grant>",
    b"{\"publication_number\":\"US8799651\"",
    b"{",
    b"PATN\n",
    b"HHHHHT",
    b"*** BRS DOCUMENT BOUNDARY ***\n",
    b"EP\t",
    b"<!DOCTYPE html>",
    b"<?xml version=\"1.0\"?>\n<!DOCTYPE PATDOC PUBLIC \"-//USPTO//DTD ST.32 US PATENT GRANT V2.4 2000-09-20//EN\" [",
];

const FILE_NAMES: &[&str] = &[
    "input.xml",
    "input.XML",
    "input.zip",
    "input.xml.gz",
    "input.jsonl",
    "input.jsonl.zst",
    "input.txt",
    "input",
];

/// The gzip and the zip of a real weekly file of two documents, built once.
static ARCHIVES: LazyLock<Vec<(&'static str, Vec<u8>)>> = LazyLock::new(|| {
    let scratch = tempfile::tempdir().expect("scratch tempdir");
    let mut weekly = with_newline(seed_bytes(0).to_vec());
    weekly.extend(with_newline(seed_bytes(1).to_vec()));
    let gz = gzip(&weekly, scratch.path());
    let zip_path = scratch.path().join("archive.zip");
    make_zip(
        &zip_path,
        &[
            ("first.xml", seed_bytes(0), false),
            ("second.xml", seed_bytes(1), false),
            ("stored.xml", seed_bytes(5), true),
        ],
        scratch.path(),
    );
    let zip = std::fs::read(&zip_path).expect("read zip");
    vec![("weekly.xml.gz", gz), ("weekly.zip", zip)]
});

/// Writes `bytes` as `name` beside a good document that sorts after it,
/// ingests the folder, and checks that the good document still arrives (the
/// bad file did not abort the ingest) and that the bad file left a trace:
/// read, set aside as not patent data, or reported as unreadable.
fn ingest_beside_a_good_document(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), bytes).expect("write");
    let (good, number) = neighbour();
    let good_path = dir.path().join("zz-good.xml");
    std::fs::write(&good_path, good).expect("write");
    let (outcomes, summary) = ingest(&[dir.path().to_path_buf()]);
    prop_assert_eq!(
        outcomes.of(&good_path),
        &[(1, record(number))][..],
        "{:#?}",
        outcomes.by_file
    );
    let unreadable = outcomes.skips.iter().filter(|s| s.ordinal == 0).count() as u64;
    prop_assert!(
        summary.files + summary.ignored_files + unreadable >= 2,
        "the bad file left no trace: {:#?}",
        summary
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(64))]

    /// Arbitrary bytes behind every magic number the reader sniffs, under
    /// every file name it treats differently.
    #[test]
    fn arbitrary_files_never_abort_an_ingest(
        prefix in proptest::sample::select(FILE_PREFIXES),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        name in proptest::sample::select(FILE_NAMES),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(body);
        ingest_beside_a_good_document(name, &bytes)?;
    }

    /// A real gzip or zip with bytes flipped, overwritten, inserted or cut
    /// out, or truncated.
    #[test]
    fn corrupted_archives_never_abort_an_ingest(
        archive in 0..2usize,
        edits in proptest::collection::vec(edit(), 0..4),
        cut in proptest::option::weighted(0.3, any::<Index>()),
    ) {
        let (name, original) = &ARCHIVES[archive];
        let mut bytes = original.clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        ingest_beside_a_good_document(name, &bytes)?;
    }
}

// ---------------------------------------------------------------------------
// 4. Deliberately broken real files
// ---------------------------------------------------------------------------

const MALFORMED_GRANT: &str = "uspto-go-uspto-testdata/grant/US07057742-20060606.XML";

#[test]
fn the_malformed_grant_is_malformed_xml_with_a_position() {
    let bytes = read_fixture(MALFORMED_GRANT);
    let outcome = parse_xml_document(
        &bytes,
        DocContext {
            file: MALFORMED_GRANT,
            ordinal: 1,
        },
    );
    let Err(DocError::MalformedXml(message)) = &outcome else {
        panic!("expected MalformedXml, got {outcome:?}");
    };
    // A position in the original file, `line 880, column 1` or `880:1`:
    // the stray `</maths>` is on line 880.
    let position =
        regex::Regex::new(r"\b(?:line\s+)?(\d+)(?::|,\s*column\s+)(\d+)\b").expect("valid");
    let caps = position
        .captures(message)
        .unwrap_or_else(|| panic!("no line and column in {message:?}"));
    assert_eq!(&caps[1], "880", "the error points at line 880: {message:?}");
}

#[test]
fn the_pipeline_reports_the_malformed_grant_by_number() {
    let path = patents_dir().join(MALFORMED_GRANT);
    let (outcomes, summary) = ingest(std::slice::from_ref(&path));
    assert_eq!(
        outcomes.of(&path),
        [(1, skipped(Some("US7057742B2"), "malformed-xml"))]
    );
    let skip = &outcomes.skips[0];
    assert!(
        skip.to_string()
            .contains("US07057742-20060606.XML document #1 (US7057742B2)"),
        "{skip}"
    );
    assert_eq!(summary.documents_read, 1);
    assert_eq!(summary.skipped, 1);
    assert_eq!(summary.skipped_by_reason.get("malformed-xml"), Some(&1));
}

#[test]
fn the_deliberately_broken_variants_parse_like_the_original() {
    let dir = patents_dir().join("uspto-patent-parsing-tools-pypi");
    let parse = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).expect("read");
        match parse_xml_document(
            &bytes,
            DocContext {
                file: name,
                ordinal: 1,
            },
        ) {
            Ok(Parsed::Record(record)) => record,
            other => panic!("{name}: {other:?}"),
        }
    };
    let original = parse("US08613112-20131224.XML");
    assert_eq!(original.publication_number.to_string(), "US8613112B2");
    assert!(!original.abstract_text.is_empty());
    for variant in [
        "US08613112-noDTDFile.XML",
        "US08613112-notSupportedDTD.XML",
        "US08613112-lackofnode.XML",
    ] {
        let record = parse(variant);
        assert_eq!(
            record.publication_number, original.publication_number,
            "{variant}"
        );
        assert_eq!(record.title, original.title, "{variant}");
        assert_eq!(record.claims, original.claims, "{variant}");
        assert_eq!(record.description, original.description, "{variant}");
        if variant.contains("lackofnode") {
            assert!(record.abstract_text.is_empty(), "{variant}: no abstract");
        } else {
            assert_eq!(record.abstract_text, original.abstract_text, "{variant}");
        }
    }

    // Through the pipeline: five records, the provenance note set aside.
    let (outcomes, summary) = ingest(std::slice::from_ref(&dir));
    assert_eq!(summary.ingested, 5, "{summary:#?}");
    assert_eq!(summary.skipped, 0, "{:#?}", outcomes.skips);
    assert_eq!(summary.ignored_files, 1, "{summary:#?}");
}
