//! End-to-end tests of `patsearch ingest --index`, `patsearch search` and
//! `patsearch delete`, run as a user would: the real binary over the real
//! files in `../shared/data/`. Includes the crash test: an ingest killed
//! with SIGKILL leaves an index that opens at its last commit, and running
//! the ingest again completes it. The indexes here are keyword-only
//! (`--no-embed`); `cli_semantic.rs` covers embedding and semantic search.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use patsearch_keyword::{KeywordIndex, SearchRequest};
use patsearch_record::{Cancellation, Filters, PatentRecord, PublicationNumber};

fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    assert!(
        dir.join("patents").is_dir() && dir.join("corpus").is_dir(),
        "real patent data not found at {}: the shared data folder (patents/ and corpus/) must sit beside the project root",
        dir.display()
    );
    dir
}

fn patents_dir() -> PathBuf {
    data_dir().join("patents")
}

fn patsearch() -> Command {
    Command::new(env!("CARGO_BIN_EXE_patsearch"))
}

fn run(args: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = patsearch();
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().expect("run patsearch")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The four 2014/2015 grants with full text.
fn fixture_inputs() -> Vec<PathBuf> {
    let p = patents_dir();
    vec![
        p.join("uspto-patentpublicdata-samples/xml2014"),
        p.join("uspto-patent-parsing-tools-pypi/US08927386-20150106.XML"),
    ]
}

/// Ingests `inputs` into `index` (dumping the records too), checking success.
fn ingest(inputs: &[PathBuf], index: &Path, dump: &Path) -> Vec<PatentRecord> {
    let mut cmd = patsearch();
    cmd.args(["ingest", "--quiet", "--no-embed", "--index"])
        .arg(index)
        .arg("--dump")
        .arg(dump)
        .args(inputs);
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "ingest: {}", stderr(&output));
    std::fs::read_to_string(dump)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `patsearch search --json` with extra arguments; the parsed JSON.
fn search_json(index: &Path, query: &str, extra: &[&str]) -> serde_json::Value {
    let mut cmd = patsearch();
    // `--` lets a query start with `-`.
    cmd.args(["search", "--json", "--index"])
        .arg(index)
        .args(extra)
        .arg("--")
        .arg(query);
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "search {query:?}: {}",
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn hit_numbers(results: &serde_json::Value) -> Vec<String> {
    results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["publication_number"].as_str().unwrap().to_string())
        .collect()
}

fn lower_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn has_word(r: &PatentRecord, forms: &[&str]) -> bool {
    std::iter::once(r.title.as_str())
        .chain(std::iter::once(r.abstract_text.as_str()))
        .chain(r.claims.iter().map(|c| c.text.as_str()))
        .chain(r.description.iter().map(|p| p.text.as_str()))
        .any(|t| lower_words(t).iter().any(|w| forms.contains(&w.as_str())))
}

#[test]
fn ingested_documents_are_found_by_search() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let records = ingest(&fixture_inputs(), &index, &tmp.path().join("dump.jsonl"));
    assert_eq!(records.len(), 4);

    // A word: exactly the documents that contain it, each with a snippet.
    let expected: BTreeSet<String> = records
        .iter()
        .filter(|r| has_word(r, &["trench", "trenches"]))
        .map(|r| r.publication_number.to_string())
        .collect();
    assert_eq!(expected, BTreeSet::from(["US8927386B2".to_string()]));
    let results = search_json(&index, "trench", &[]);
    assert_eq!(results["total"], expected.len());
    assert_eq!(
        hit_numbers(&results).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    let hit = &results["hits"][0];
    assert_eq!(hit["rank"], 1);
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert_eq!(
        hit["title"],
        "Method for manufacturing deep-trench super PN junctions"
    );
    let snippet = &hit["snippet"];
    assert!(
        snippet["html"].as_str().unwrap().contains("<b>"),
        "{snippet}"
    );
    assert!(!snippet["highlights"].as_array().unwrap().is_empty());

    // A word in several documents, ranked.
    let expected: BTreeSet<String> = records
        .iter()
        .filter(|r| has_word(r, &["wireless"]))
        .map(|r| r.publication_number.to_string())
        .collect();
    let results = search_json(&index, "wireless", &["--limit", "10"]);
    assert_eq!(
        hit_numbers(&results).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    let scores: Vec<f64> = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // Numbers, fields, filters and paging.
    assert_eq!(
        hit_numbers(&search_json(&index, "pn:US8926509", &[])),
        ["US8926509B2"]
    );
    assert_eq!(
        hit_numbers(&search_json(
            &index,
            "title:\"session initiation protocol\"",
            &[]
        )),
        ["US8930553B2"]
    );
    let all = search_json(&index, "-qqqxyzzyqqq", &["--limit", "10"]);
    assert_eq!(all["total"], 4);
    let filtered = search_json(&index, "-qqqxyzzyqqq", &["--cpc", "H01L29"]);
    let expected: BTreeSet<String> = records
        .iter()
        .filter(|r| r.cpc.iter().any(|c| c.code.starts_with("H01L29/")))
        .map(|r| r.publication_number.to_string())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        hit_numbers(&filtered).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    let second = search_json(&index, "-qqqxyzzyqqq", &["--limit", "1", "--offset", "1"]);
    assert_eq!(second["total"], 4);
    assert_eq!(second["hits"][0]["rank"], 2);
    assert_eq!(hit_numbers(&second)[0], hit_numbers(&all)[1]);
    let facets = search_json(&index, "-qqqxyzzyqqq", &["--facets"]);
    assert_eq!(facets["facets"]["year"][0]["value"], "2015");
    assert_eq!(facets["facets"]["year"][0]["count"], 4);
    assert_eq!(facets["facets"]["country"][0]["value"], "US");
    assert_eq!(facets["facets"]["kind"][0]["count"], 4);

    // Plain output: a count, then the hits with highlighted words.
    let output = run(
        &["search", "--index", index.to_str().unwrap(), "trench"],
        &[],
    );
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("1 matching families (one hit each)"),
        "{text}"
    );
    assert!(text.contains("US8927386B2"), "{text}");
    assert!(text.to_lowercase().contains("**trench"), "{text}");
    let output = run(
        &[
            "search",
            "--index",
            index.to_str().unwrap(),
            "trench",
            "--no-collapse",
        ],
        &[],
    );
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("1 matching documents"), "{text}");

    // --format: the same hits as rows of a file, with the records' parties,
    // dates and CPC, linked under --link-base.
    let index_arg = index.to_str().unwrap();
    let json = search_json(&index, "-qqqxyzzyqqq", &["--limit", "3"]);
    let output = run(
        &[
            "search",
            "--index",
            index_arg,
            "--limit",
            "3",
            "--format",
            "csv",
            "--link-base",
            "http://localhost:8080/",
            "--",
            "-qqqxyzzyqqq",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.iter().map(|r| r[1].to_string()).collect::<Vec<_>>(),
        hit_numbers(&json)
    );
    for row in &rows {
        let record = records
            .iter()
            .find(|r| r.publication_number.to_string() == row[1])
            .unwrap();
        assert_eq!(row[2], record.title);
        let cpc: Vec<&str> = record.cpc.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(row[8], cpc.join("; "));
        assert_eq!(row[10], format!("http://localhost:8080/patent/{}", &row[1]));
    }
    for (format, entries) in [("ris", "TY  - PAT"), ("jsonl", "\"publication_number\"")] {
        let output = run(
            &[
                "search",
                "--index",
                index_arg,
                "--format",
                format,
                "--",
                "-qqqxyzzyqqq",
            ],
            &[],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let text = String::from_utf8_lossy(&output.stdout);
        assert_eq!(text.matches(entries).count(), 4, "{format}: {text}");
    }
}

#[test]
fn ingesting_again_replaces_documents_instead_of_adding_copies() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let dump = tmp.path().join("dump.jsonl");
    ingest(&fixture_inputs(), &index, &dump);
    // The same files again, and the same documents from the dump.
    ingest(&fixture_inputs(), &index, &tmp.path().join("dump2.jsonl"));
    let output = run(
        &[
            "ingest",
            "--quiet",
            "--no-embed",
            "--index",
            index.to_str().unwrap(),
        ],
        &[&dump],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("4 documents"),
        "{}",
        stderr(&output)
    );
    let all = search_json(&index, "-qqqxyzzyqqq", &["--limit", "100"]);
    assert_eq!(all["total"], 4);
    assert_eq!(search_json(&index, "pn:US8930553B2", &[])["total"], 1);
}

#[test]
fn an_invalid_query_exits_2_and_points_at_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    ingest(&fixture_inputs(), &index, &tmp.path().join("dump.jsonl"));
    // (query, position from 0, part of the message)
    for (query, position, message) in [
        ("lithium AND (glucose OR", 21, "OR needs a clause after it"),
        ("wireless titel:sensor", 9, "unknown field `titel:`"),
        ("\"wireless charging", 0, "unclosed quote"),
        (
            "café filed:[2013 TO 2012]",
            12,
            "range starts after it ends",
        ),
    ] {
        let output = run(&["search", "--index", index.to_str().unwrap(), query], &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{query}: {}",
            stderr(&output)
        );
        let err = stderr(&output);
        let lines: Vec<&str> = err.lines().collect();
        assert!(
            lines[0].starts_with("error: invalid query:") && lines[0].contains(message),
            "{query}: {err}"
        );
        assert_eq!(
            lines[1],
            format!("  {query}"),
            "{query}: the query is shown"
        );
        assert_eq!(
            lines[2],
            format!("  {}^ at character {}", " ".repeat(position), position + 1),
            "{query}: the caret sits under character {position}"
        );
        assert!(output.stdout.is_empty());
    }
    // A bad filter is refused the same way.
    let output = run(
        &[
            "search",
            "--index",
            index.to_str().unwrap(),
            "wireless",
            "--cpc",
            "G0",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid filter"),
        "{}",
        stderr(&output)
    );
    // A directory that is not an index says how to make one.
    let output = run(
        &[
            "search",
            "--index",
            tmp.path().to_str().unwrap(),
            "wireless",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("patsearch ingest"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn delete_removes_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    ingest(&fixture_inputs(), &index, &tmp.path().join("dump.jsonl"));
    let idx = index.to_str().unwrap();

    let output = run(&["delete", "--index", idx, "US8926509B2", "US8927118"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("deleted 2 of 2"),
        "{}",
        stderr(&output)
    );
    assert_eq!(search_json(&index, "pn:US8926509", &[])["total"], 0);
    assert_eq!(search_json(&index, "pn:US8927118B2", &[])["total"], 0);
    let rest = search_json(&index, "-qqqxyzzyqqq", &[]);
    assert_eq!(
        hit_numbers(&rest).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from(["US8930553B2".to_string(), "US8927386B2".to_string()])
    );

    // A number that is not there: said so, exit status 2, nothing else changes.
    let output = run(&["delete", "--index", idx, "US1234567B2"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not in the index: US1234567B2"),
        "{}",
        stderr(&output)
    );
    assert_eq!(search_json(&index, "-qqqxyzzyqqq", &[])["total"], 2);
    // Not a number at all.
    let output = run(&["delete", "--index", idx, "???"], &[]);
    assert_eq!(output.status.code(), Some(1));
}

// ---------------------------------------------------------------------------
// The crash test.

/// Writes the first `n` lines of the corpus to `path`; returns their
/// publication numbers, normalised.
fn write_corpus_prefix(path: &Path, n: usize) -> Vec<String> {
    let corpus = data_dir().join("corpus/patents-2013.jsonl.zst");
    let decoder = zstd::stream::read::Decoder::new(std::fs::File::open(corpus).unwrap()).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut numbers = Vec::new();
    for line in BufReader::new(decoder).lines().take(n) {
        let line = line.unwrap();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        let number: PublicationNumber = value["publication_number"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        numbers.push(number.to_string());
        out.write_all(line.as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    assert_eq!(numbers.len(), n);
    numbers
}

fn ingest_command(input: &Path, index: &Path, commit_every: u64) -> Command {
    let mut cmd = patsearch();
    cmd.args(["ingest", "--quiet", "--no-embed", "--index"])
        .arg(index)
        .arg("--commit-every")
        .arg(commit_every.to_string())
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Every publication number in the index, from a search every document matches.
fn indexed_numbers(index: &KeywordIndex) -> Vec<String> {
    let results = index
        .search(&SearchRequest {
            query: "-qqqxyzzyqqq",
            filters: &Filters::default(),
            limit: 100_000,
            offset: 0,
            snippets: false,
            facets: false,
            collapse: false,
            cancel: &Cancellation::never(),
        })
        .unwrap();
    assert_eq!(results.total, results.hits.len());
    results
        .hits
        .into_iter()
        .map(|h| h.publication_number)
        .collect()
}

/// Starts the ingest and kills it with SIGKILL as soon as a commit with
/// documents is visible. `None` when the ingest finished first.
fn kill_after_first_commit(input: &Path, index: &Path, commit_every: u64) -> Option<u64> {
    let mut child = ingest_command(input, index, commit_every)
        .spawn()
        .expect("start the ingest");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            eprintln!("the ingest finished ({status}) before a kill; retrying with more work");
            return None;
        }
        let committed = KeywordIndex::open(index)
            .ok()
            .map(|i| i.num_docs())
            .unwrap_or(0);
        if committed > 0 {
            if child.try_wait().unwrap().is_some() {
                eprintln!("the ingest finished right after its first commit; retrying");
                return None;
            }
            child.kill().expect("SIGKILL the ingest");
            let status = child.wait().unwrap();
            if status.signal() != Some(9) {
                eprintln!("the ingest exited ({status}) just before the kill; retrying");
                return None;
            }
            return Some(committed);
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no commit became visible in 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn an_ingest_killed_mid_way_keeps_its_last_commit_and_a_rerun_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    // Enough work that the kill lands mid-way; more, with more frequent
    // commits, should a fast machine finish first.
    let attempts = [(2000usize, 200u64), (4000, 100), (6940, 50)];
    for (attempt, &(lines, commit_every)) in attempts.iter().enumerate() {
        let input = tmp.path().join(format!("corpus-{lines}.jsonl"));
        let numbers = write_corpus_prefix(&input, lines);
        let distinct: BTreeSet<&String> = numbers.iter().collect();
        assert_eq!(distinct.len(), lines, "the corpus has no repeated numbers");
        let index_dir = tmp.path().join(format!("idx-{attempt}"));

        let Some(seen) = kill_after_first_commit(&input, &index_dir, commit_every) else {
            continue;
        };

        // The index opens, at a commit: a whole number of batches, fewer
        // than all, and exactly the first documents of the input.
        let index = KeywordIndex::open(&index_dir).expect("the killed ingest's index opens");
        let committed = index.num_docs();
        assert!(committed >= seen, "{committed} < {seen}");
        assert_eq!(
            committed % commit_every,
            0,
            "{committed} documents is not a whole number of {commit_every}-document commits"
        );
        assert!(
            committed < lines as u64,
            "the kill came after the last commit ({committed} of {lines})"
        );
        eprintln!("killed the ingest (SIGKILL) with {committed} of {lines} documents committed");
        let mut found = indexed_numbers(&index);
        assert_eq!(found.len() as u64, committed);
        found.sort();
        let mut first: Vec<String> = numbers[..committed as usize].to_vec();
        first.sort();
        assert_eq!(
            found, first,
            "the committed documents are the first of the input"
        );
        // And it is searchable.
        let results = index
            .search(&SearchRequest {
                query: "data OR system",
                filters: &Filters::default(),
                limit: 5,
                offset: 0,
                snippets: true,
                facets: false,
                collapse: false,
                cancel: &Cancellation::never(),
            })
            .expect("search the killed ingest's index");
        assert!(results.total > 0);
        drop(index);

        // Running the ingest again completes it: every document once.
        let status = ingest_command(&input, &index_dir, commit_every)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0), "the rerun succeeds");
        let index = KeywordIndex::open(&index_dir).unwrap();
        assert_eq!(
            index.num_docs(),
            lines as u64,
            "no duplicates, none missing"
        );
        let mut found = indexed_numbers(&index);
        found.sort();
        let mut all = numbers.clone();
        all.sort();
        assert_eq!(found, all);
        return;
    }
    panic!("every ingest finished before it could be killed: the crash test proved nothing");
}

#[test]
fn an_ingest_killed_before_its_first_commit_is_completed_by_a_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corpus.jsonl");
    let numbers = write_corpus_prefix(&input, 300);
    let index_dir = tmp.path().join("idx");
    let commit_every = 1000;
    let mut child = ingest_command(&input, &index_dir, commit_every)
        .spawn()
        .unwrap();
    // Wait until the (empty) index exists, then kill at once: far from the
    // first commit, which comes at the end.
    let started = Instant::now();
    while KeywordIndex::open(&index_dir).is_err() {
        assert!(child.try_wait().unwrap().is_none(), "finished too early");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no index after a minute"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed while running: {status}");
    let index = KeywordIndex::open(&index_dir).expect("the killed ingest's index opens");
    assert_eq!(index.num_docs(), 0, "nothing was committed");
    drop(index);
    let status = ingest_command(&input, &index_dir, commit_every)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let index = KeywordIndex::open(&index_dir).expect("the completed index opens");
    assert_eq!(index.num_docs(), numbers.len() as u64);
}
