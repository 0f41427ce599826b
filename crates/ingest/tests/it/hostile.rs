//! Inputs built to make an ingest never end or exhaust memory or the stack:
//! directories that contain themselves through symlinks, files reached by
//! several paths, documents whose DTD entities expand past the document
//! limit, elements and containers nested absurdly deep. Each must end in
//! time, read every real file once, and report what it refused.
//!
//! Every run goes through [`within`], so a regression fails rather than hangs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use patsearch_ingest::{
    parse_xml_document, run, DocContext, DocError, Event, IngestOptions, Parsed, Progress, Skip,
    Summary,
};

use crate::fixtures::patents_dir;

const LIMIT: Duration = Duration::from_secs(30);

/// Runs `f` on its own thread; fails the test if it panics or takes longer than [`LIMIT`].
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish in {LIMIT:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

#[derive(Debug, Default)]
struct Outcome {
    /// Publication numbers ingested, in order, repeats kept.
    records: Vec<String>,
    skips: Vec<Skip>,
    summary: Summary,
}

impl Outcome {
    fn reasons(&self) -> Vec<&'static str> {
        self.skips.iter().map(|s| s.error.reason()).collect()
    }
}

fn ingest_with(paths: Vec<PathBuf>, options: IngestOptions) -> Outcome {
    within("the ingest", move || {
        let mut out = Outcome::default();
        out.summary = run(
            &paths,
            &options,
            &Progress::default(),
            |event| match event {
                Event::Record(record) => out.records.push(record.publication_number.to_string()),
                Event::Skipped(skip) => out.skips.push(skip),
                Event::NonPatent { .. } => {}
            },
        );
        out
    })
}

fn ingest(paths: Vec<PathBuf>) -> Outcome {
    ingest_with(
        paths,
        IngestOptions {
            threads: 2,
            ..IngestOptions::default()
        },
    )
}

const GRANT_A: &str = "uspto-patentpublicdata-samples/xml2014/US08930553.xml";
const GRANT_B: &str = "uspto-patentpublicdata-samples/xml2014/US08926509.xml";
const NUMBER_A: &str = "US8930553B2";
const NUMBER_B: &str = "US8926509B2";

fn fixture(rel: &str) -> Vec<u8> {
    let path = patents_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A folder holding the two grants, `a.xml` and `sub/b.xml`.
fn two_grants() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.xml"), fixture(GRANT_A)).expect("write a.xml");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir sub");
    std::fs::write(dir.path().join("sub/b.xml"), fixture(GRANT_B)).expect("write b.xml");
    dir
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// Directories
// ---------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn one_symlink_loop_is_reported_and_each_file_read_once() {
    let dir = two_grants();
    symlink(".", dir.path().join("l1"));
    let out = ingest(vec![dir.path().to_path_buf()]);
    assert_eq!(
        sorted(out.records.clone()),
        [NUMBER_B, NUMBER_A],
        "{:?}",
        out.skips
    );
    assert_eq!(out.reasons(), ["directory-loop"]);
    let skip = &out.skips[0];
    assert!(skip.file.ends_with("l1"), "{skip}");
    assert_eq!(skip.ordinal, 0);
    assert_eq!(
        skip.error,
        DocError::DirectoryLoop(dir.path().display().to_string())
    );
    assert_eq!(out.summary.files, 2);
}

#[cfg(unix)]
#[test]
fn two_symlink_loops_end_and_each_file_is_read_once() {
    let dir = two_grants();
    symlink(".", dir.path().join("l1"));
    symlink(".", dir.path().join("l2"));
    // A loop to an ancestor further up, too.
    symlink("..", dir.path().join("sub/up"));
    let out = ingest(vec![dir.path().to_path_buf()]);
    assert_eq!(
        sorted(out.records.clone()),
        [NUMBER_B, NUMBER_A],
        "{:?}",
        out.skips
    );
    assert_eq!(
        out.reasons(),
        ["directory-loop", "directory-loop", "directory-loop"]
    );
    assert_eq!(out.summary.skipped_by_reason["directory-loop"], 3);
    assert_eq!(out.summary.documents_read, 2);
}

#[cfg(unix)]
#[test]
fn files_and_folders_reached_by_several_paths_are_read_once() {
    let dir = two_grants();
    // A file link sorted before its target, one after it, a folder link,
    // and the same folder named twice on the command line.
    symlink("a.xml", dir.path().join("0-first.xml"));
    symlink(dir.path().join("a.xml"), dir.path().join("z-last.xml"));
    symlink("sub", dir.path().join("sub-alias"));
    let out = ingest(vec![dir.path().to_path_buf(), dir.path().join("sub")]);
    assert_eq!(sorted(out.records.clone()), [NUMBER_B, NUMBER_A]);
    assert!(out.skips.is_empty(), "{:?}", out.skips);
    assert_eq!(out.summary.files, 2);
    // The total shown for progress counts each file once too.
    let total = patsearch_ingest::total_input_bytes(&[dir.path().to_path_buf()]);
    let expected = fixture(GRANT_A).len() + fixture(GRANT_B).len();
    assert_eq!(total, expected as u64);
}

// ---------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------

/// Grant A with a `size`-byte entity declared in its DTD and referenced
/// `refs` times in its abstract.
fn grant_with_entity(size: usize, refs: usize) -> Vec<u8> {
    let grant = String::from_utf8(fixture(GRANT_A)).expect("utf-8 grant");
    let subset = format!("[ <!ENTITY big \"{}\"> ]>", "x".repeat(size));
    let bomb = grant.replacen("[ ]>", &subset, 1);
    assert_ne!(
        bomb, grant,
        "the grant's DOCTYPE has an empty internal subset"
    );
    let abstract_open = "<abstract id=\"abstract\">";
    let refs = format!("{abstract_open}<p>{}</p>", "&big;".repeat(refs));
    let bomb2 = bomb.replacen(abstract_open, &refs, 1);
    assert_ne!(bomb2, bomb, "the grant has an abstract");
    bomb2.into_bytes()
}

fn ctx() -> DocContext<'static> {
    DocContext {
        file: "hostile.xml",
        ordinal: 1,
    }
}

#[test]
fn a_100_kb_entity_referenced_20000_times_is_skipped_at_the_document_limit() {
    // 2 GB once expanded, from a 200 KB file, between two good documents.
    let bomb = grant_with_entity(100 * 1024, 20_000);
    assert!(bomb.len() < 400 * 1024);
    let dir = tempfile::tempdir().expect("tempdir");
    let weekly = dir.path().join("weekly.xml");
    let mut file = std::fs::File::create(&weekly).expect("create");
    for doc in [fixture(GRANT_B), bomb, fixture(GRANT_B)] {
        file.write_all(&doc).expect("write");
        file.write_all(b"\n").expect("write");
    }
    drop(file);
    let out = ingest(vec![weekly]);
    assert_eq!(out.records, [NUMBER_B, NUMBER_B]);
    assert_eq!(out.reasons(), ["entity-expansion"]);
    let skip = &out.skips[0];
    assert_eq!(skip.ordinal, 2);
    assert_eq!(
        skip.error.to_string(),
        "entity expansion exceeds the 256 MiB document limit"
    );
}

#[test]
fn entity_expansion_is_held_to_the_limit_the_ingest_is_given() {
    // 100 KB x 20 = 2 MB expanded: within the default limit, past 1 MiB.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("grant.xml");
    std::fs::write(&path, grant_with_entity(100 * 1024, 20)).expect("write");
    let out = ingest(vec![path.clone()]);
    assert_eq!(out.records, [NUMBER_A], "{:?}", out.skips);

    let out = ingest_with(
        vec![path],
        IngestOptions {
            threads: 1,
            max_document_bytes: 1024 * 1024,
        },
    );
    assert!(out.records.is_empty());
    assert_eq!(
        out.skips[0].error,
        DocError::EntityExpansion { limit: 1024 * 1024 }
    );
}

#[test]
fn billion_laughs_neither_expands_nor_hangs() {
    let mut subset = String::from("<!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let below = if level == 1 {
            "&lol;".to_string()
        } else {
            format!("&lol{};", level - 1)
        };
        subset.push_str(&format!("<!ENTITY lol{level} \"{}\">\n", below.repeat(10)));
    }
    let doc = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n{subset}]>\n<lolz>{}</lolz>",
        "&lol9;".repeat(1000)
    );
    let outcome = within("billion laughs", move || {
        parse_xml_document(doc.as_bytes(), ctx()).map(|_| ())
    });
    // Entities are substituted one level deep; what that leaves refers to
    // entities the parser does not know.
    assert!(
        matches!(outcome, Err(DocError::MalformedXml(_))),
        "{outcome:?}"
    );
}

#[test]
fn a_doctype_hidden_behind_a_comment_is_still_bounded() {
    // A `<!DOCTYPE` inside a comment first once kept the sanitizer from
    // finding the real one, which the XML parser then expanded without bound.
    let grant = String::from_utf8(grant_with_entity(100 * 1024, 20_000)).expect("utf-8");
    let doc = grant.replacen(
        "<!DOCTYPE us-patent-grant",
        "<!-- <!DOCTYPE x> -->\n<!DOCTYPE us-patent-grant",
        1,
    );
    let outcome = within("a hidden DOCTYPE", move || {
        parse_xml_document(doc.as_bytes(), ctx()).map(|_| ())
    });
    assert_eq!(
        outcome,
        Err(DocError::EntityExpansion {
            limit: IngestOptions::default().max_document_bytes
        })
    );
}

// ---------------------------------------------------------------------------
// Nesting
// ---------------------------------------------------------------------------

/// Grant A with `depth` nested elements in its abstract, description and claims.
fn grant_nested(depth: usize) -> Vec<u8> {
    let grant = String::from_utf8(fixture(GRANT_A)).expect("utf-8 grant");
    let nest =
        |open: &str, close: &str| format!("{}deep{}", open.repeat(depth), close.repeat(depth));
    let mut doc = grant;
    for (at, open, close) in [
        ("<abstract id=\"abstract\">", "<p>", "</p>"),
        ("<description id=\"description\">", "<p>", "</p>"),
        ("<claim-text>", "<claim-text>", "</claim-text>"),
    ] {
        let before = doc.clone();
        doc = doc.replacen(at, &format!("{at}{}", nest(open, close)), 1);
        assert_ne!(doc, before, "the grant has {at}");
    }
    doc.into_bytes()
}

#[test]
fn deeply_nested_elements_are_skipped_not_a_stack_overflow() {
    let doc = grant_nested(100_000);
    let outcome = within("100,000 nested elements", move || {
        parse_xml_document(&doc, ctx()).map(|_| ())
    });
    assert_eq!(
        outcome,
        Err(DocError::TooDeep {
            what: "elements",
            limit: 256
        })
    );
}

#[test]
fn nesting_just_inside_the_limit_still_parses() {
    // The deepest claim-text sits about ten levels below the root.
    let doc = grant_nested(240);
    let outcome = within("240 nested elements", move || {
        match parse_xml_document(&doc, ctx()) {
            Ok(Parsed::Record(record)) => Ok(record.publication_number.to_string()),
            Ok(Parsed::NonPatent(np)) => Err(format!("non-patent: {np:?}")),
            Err(e) => Err(e.to_string()),
        }
    });
    assert_eq!(outcome.as_deref(), Ok(NUMBER_A));
}

#[test]
fn containers_nested_too_deep_are_skipped() {
    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip")
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut layered = fixture(GRANT_A);
    for _ in 0..8 {
        layered = gzip(&layered);
    }
    let ok = dir.path().join("a-eight.xml.gz");
    std::fs::write(&ok, &layered).expect("write");
    let deep = dir.path().join("b-nine.xml.gz");
    std::fs::write(&deep, gzip(&layered)).expect("write");
    let out = ingest(vec![ok, deep.clone()]);
    assert_eq!(out.records, [NUMBER_A]);
    assert_eq!(out.reasons(), ["too-deep"]);
    assert_eq!(out.skips[0].file, deep.display().to_string());
    assert_eq!(
        out.skips[0].error.to_string(),
        "containers nested deeper than 8 levels"
    );
}
