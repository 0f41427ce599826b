//! End-to-end tests of `patsearch eval`: a small index of real corpus
//! patents embedded with the real model, judged topics written for it, the
//! table of every mode, TREC run files (identical from run to run), similar
//! patents, and the messages for bad input files.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{model_dir, patsearch, stderr, stdout, write_corpus_lines};

const MODES: [&str; 3] = ["keyword", "semantic", "hybrid"];
const METRICS: [&str; 5] = ["nDCG@10", "R@10", "R@100", "MRR@10", "MAP"];

fn eval(index: &Path, args: &[&str]) -> Output {
    patsearch()
        .args(["eval", "--index"])
        .arg(index)
        .arg("--model")
        .arg(model_dir())
        .args(args)
        .output()
        .unwrap()
}

/// Without the model: for what must fail before it would be needed.
fn eval_no_model(index: &Path, args: &[&str]) -> Output {
    patsearch()
        .args(["eval", "--index"])
        .arg(index)
        .args(args)
        .output()
        .unwrap()
}

/// `--queries QUERIES --qrels QRELS`, then `more`.
fn with_files<'a>(queries: &'a Path, qrels: &'a Path, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--queries",
        queries.to_str().unwrap(),
        "--qrels",
        qrels.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    args
}

/// Asserts that the command was refused as the user's mistake (exit
/// status 2) with `message` on stderr.
fn assert_refused(output: &Output, message: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains(message), "{err}");
}

/// The printed table: its column names, and each row's cells by row name.
fn parse_table(text: &str) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("a header line")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_eq!(header[0], "metric", "{text}");
    let mut rows = BTreeMap::new();
    for line in lines {
        let cells: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        assert_eq!(
            cells.len(),
            header.len(),
            "a ragged row: {line:?} in\n{text}"
        );
        rows.insert(cells[0].clone(), cells[1..].to_vec());
    }
    (header[1..].to_vec(), rows)
}

/// A run file's rankings: topic -> documents in rank order; checks the
/// format on the way (six fields, ranks from 1, strictly falling scores,
/// the tag).
fn read_run(path: &Path, tag: &str) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut runs: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.len(), 6, "{line:?}");
        assert_eq!(fields[1], "Q0", "{line:?}");
        assert_eq!(fields[5], tag, "{line:?}");
        let ranking = runs.entry(fields[0].to_string()).or_default();
        let rank: usize = fields[3].parse().unwrap();
        assert_eq!(rank, ranking.len() + 1, "{line:?}");
        let score: f64 = fields[4].parse().unwrap();
        if let Some((_, previous)) = ranking.last() {
            assert!(score < *previous, "scores must fall: {line:?}");
        }
        ranking.push((fields[2].to_string(), score));
    }
    runs.into_iter()
        .map(|(t, r)| (t, r.into_iter().map(|(d, _)| d).collect()))
        .collect()
}

struct Doc {
    number: String,
    title: String,
}

fn corpus_docs(path: &Path) -> Vec<Doc> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            Doc {
                number: v["publication_number"].as_str().unwrap().to_string(),
                title: v["title"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

fn run_files(dir: &Path) -> Vec<PathBuf> {
    MODES
        .iter()
        .map(|m| dir.join(format!("run.{m}.txt")))
        .collect()
}

#[test]
fn eval_scores_every_mode_and_its_runs_are_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corpus-40.jsonl");
    write_corpus_lines(&input, 0, 40);
    let docs = corpus_docs(&input);
    assert_eq!(docs.len(), 40);
    let index = tmp.path().join("idx");
    let output = patsearch()
        .args(["ingest", "--quiet", "--index"])
        .arg(&index)
        .arg("--model")
        .arg(model_dir())
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success(), "ingest: {}", stderr(&output));

    // Two topics are a document's exact title (VM upgrade in the cloud,
    // cryogenic level sensor); one has only non-relevant judgments (not
    // counted); one is judged but has no query (scores 0); one is not valid
    // keyword syntax (scores 0 in keyword and hybrid modes).
    let (vm, vm_related, cryo, other) = (&docs[8], &docs[10], &docs[35], &docs[1]);
    let queries = tmp.path().join("queries.tsv");
    std::fs::write(
        &queries,
        format!(
            "TITLE1\t{}\nTITLE2\t{}\nNOREL\tvirtual machine\nBADQ\tdeferred (API calls\n",
            vm.title, cryo.title
        ),
    )
    .unwrap();
    let qrels = tmp.path().join("qrels.txt");
    std::fs::write(
        &qrels,
        format!(
            "TITLE1 0 {} 2\nTITLE1 0 {} 1\nTITLE1 0 {} 0\nTITLE2 0 {} 2\nNOREL 0 {} 0\nNOQUERY 0 {} 1\nBADQ 0 {} 2\n",
            vm.number,
            vm_related.number,
            other.number,
            cryo.number,
            vm_related.number,
            other.number,
            docs[36].number,
        ),
    )
    .unwrap();

    let first = tmp.path().join("first");
    let second = tmp.path().join("second");
    let mut outputs = Vec::new();
    for dir in [&first, &second] {
        std::fs::create_dir(dir).unwrap();
        let run_out = dir.join("run.txt");
        let all = ["--mode", "all", "--run-out", run_out.to_str().unwrap()];
        let output = eval(&index, &with_files(&queries, &qrels, &all));
        assert!(output.status.success(), "eval: {}", stderr(&output));
        outputs.push(output);
    }

    let text = stdout(&outputs[0]);
    let (columns, rows) = parse_table(&text);
    assert_eq!(columns, MODES, "{text}");
    let names: Vec<&str> = rows.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = METRICS.to_vec();
    expected.push("topics");
    expected.sort_unstable();
    assert_eq!(names, expected, "{text}");
    for metric in METRICS {
        for (mode, cell) in MODES.iter().zip(&rows[metric]) {
            let value: f64 = cell
                .parse()
                .unwrap_or_else(|_| panic!("{cell:?} in\n{text}"));
            assert!(
                (0.0..=1.0).contains(&value),
                "{mode} {metric} {value}\n{text}"
            );
        }
    }
    // TITLE1, TITLE2, NOQUERY and BADQ: NOREL has nothing relevant.
    assert_eq!(rows["topics"], ["4", "4", "4"], "{text}");
    for (mode, cell) in MODES.iter().zip(&rows["MRR@10"]) {
        let mrr: f64 = cell.parse().unwrap();
        assert!(mrr > 0.0, "{mode}: MRR@10 {mrr}\n{text}");
    }
    let err = stderr(&outputs[0]);
    assert!(
        err.contains("1 judged topics have no query and score 0: NOQUERY"),
        "{err}"
    );
    assert!(
        err.contains("no relevant judgment and are not counted: NOREL"),
        "{err}"
    );
    assert!(
        err.contains("warning: keyword: topic BADQ scores 0: invalid keyword query"),
        "{err}"
    );
    assert!(
        err.contains("warning: hybrid: topic BADQ scores 0"),
        "{err}"
    );
    assert!(!err.contains("semantic: topic BADQ"), "{err}");
    // What collapsing families would change, per mode, over every topic.
    let family_line = err
        .lines()
        .find(|l| l.starts_with("first pages (10 hits) holding two members of one family: "))
        .unwrap_or_else(|| panic!("no family line: {err}"));
    for mode in MODES {
        assert!(
            family_line.contains(&format!("{mode} ")) && family_line.contains("/4"),
            "{family_line}"
        );
    }

    // The title topics find their document in the top 10 of every mode.
    for (mode, path) in MODES.iter().zip(run_files(&first)) {
        let run = read_run(&path, &format!("patsearch-{mode}"));
        for (topic, doc) in [("TITLE1", vm), ("TITLE2", cryo)] {
            let top: Vec<&String> = run[topic].iter().take(10).collect();
            assert!(top.contains(&&doc.number), "{mode} {topic}: {top:?}");
        }
        assert!(run.contains_key("NOREL"), "unjudged queries are ranked too");
        assert!(!run.contains_key("NOQUERY"));
        assert_eq!(run.contains_key("BADQ"), *mode == "semantic");
        // Every document of the small index is ranked (depth 100 > 40) in
        // semantic mode.
        if *mode == "semantic" {
            assert_eq!(run["TITLE1"].len(), 40);
        }
    }

    // The same index and files: the same table and byte-identical runs.
    assert_eq!(outputs[0].stdout, outputs[1].stdout);
    for (a, b) in run_files(&first).iter().zip(run_files(&second)) {
        let (a_bytes, b_bytes) = (std::fs::read(a).unwrap(), std::fs::read(&b).unwrap());
        assert!(!a_bytes.is_empty());
        assert!(
            a_bytes == b_bytes,
            "{} and {} differ",
            a.display(),
            b.display()
        );
    }

    // One mode, in Markdown: the run file is written where it is told.
    let single = tmp.path().join("keyword.run");
    let single_args = [
        "--mode",
        "keyword",
        "--markdown",
        "--run-out",
        single.to_str().unwrap(),
    ];
    let output = eval(&index, &with_files(&queries, &qrels, &single_args));
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("| metric  | keyword |\n| ------- | ------: |\n"),
        "{text}"
    );
    assert!(text.contains("| topics  |       4 |"), "{text}");
    assert_eq!(
        std::fs::read(&single).unwrap(),
        std::fs::read(first.join("run.keyword.txt")).unwrap()
    );

    // A keyword-only index: `all` is what it supports.
    let keyword_index = tmp.path().join("kw");
    let output = patsearch()
        .args(["ingest", "--quiet", "--no-embed", "--index"])
        .arg(&keyword_index)
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success(), "ingest: {}", stderr(&output));
    let output = eval(&keyword_index, &with_files(&queries, &qrels, &[]));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no vector index: keyword only"),
        "{}",
        stderr(&output)
    );
    let (columns, keyword_rows) = parse_table(&stdout(&output));
    assert_eq!(columns, ["keyword"]);
    assert_eq!(keyword_rows["topics"], ["4"]);
    assert!(keyword_rows["MRR@10"][0].parse::<f64>().unwrap() > 0.0);

    // Similar patents: topics are publication numbers, the patent itself is
    // never among its neighbours, and only vectors rank them.
    let family = tmp.path().join("family.txt");
    std::fs::write(
        &family,
        format!(
            "{} 0 {} 1\n{} 0 {} 1\nUS1234567 0 {} 1\n",
            vm.number, vm_related.number, vm_related.number, vm.number, cryo.number
        ),
    )
    .unwrap();
    let similar_out = tmp.path().join("similar.txt");
    let output = eval(
        &index,
        &[
            "--task",
            "similar",
            "--qrels",
            family.to_str().unwrap(),
            "--run-out",
            similar_out.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let (columns, rows) = parse_table(&text);
    assert_eq!(columns, ["semantic"], "{text}");
    assert_eq!(rows["topics"], ["3"], "{text}");
    let mrr: f64 = rows["MRR@10"][0].parse().unwrap();
    // The unknown topic scores 0: at most 2/3, printed 0.6667.
    assert!(mrr > 0.0 && mrr <= 0.6667, "{text}");
    let err = stderr(&output);
    assert!(err.contains("semantic only"), "{err}");
    assert!(
        err.contains("topic US1234567 scores 0: US1234567 is not in the index"),
        "{err}"
    );
    let run = read_run(
        &similar_out.with_file_name("similar.semantic.txt"),
        "patsearch-semantic",
    );
    for topic in [&vm.number, &vm_related.number] {
        assert_eq!(run[topic.as_str()].len(), 39, "every other document");
        assert!(
            !run[topic.as_str()].contains(topic),
            "{topic} is its own neighbour"
        );
    }
    let output = eval(
        &index,
        &[
            "--task",
            "similar",
            "--mode",
            "keyword",
            "--qrels",
            family.to_str().unwrap(),
        ],
    );
    assert_refused(&output, "--mode semantic");
}

#[test]
fn bad_input_files_are_named_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    // The files are read before the index is opened: no index is needed
    // to hear about them.
    let index = tmp.path().join("no-index");
    let qrels = tmp.path().join("qrels.txt");
    let queries = tmp.path().join("queries.tsv");
    std::fs::write(&queries, "T1\tsome query\n").unwrap();

    std::fs::write(&qrels, "T1 0 US8799651 2\nT1 0 US9021563 relevant\n").unwrap();
    let output = eval_no_model(&index, &with_files(&queries, &qrels, &[]));
    assert_refused(
        &output,
        &format!(
            "error: {}:2: the grade of US9021563 for topic T1 is \"relevant\", not a non-negative integer",
            qrels.display()
        ),
    );

    std::fs::write(&qrels, "T1 0 US8799651 2\n").unwrap();
    std::fs::write(&queries, "T1\tsome query\nT2 without a tab\n").unwrap();
    let output = eval_no_model(&index, &with_files(&queries, &qrels, &[]));
    assert_refused(
        &output,
        &format!("{}:2: expected `topic<TAB>text`", queries.display()),
    );

    // Search topics need their queries; judgments with nothing relevant
    // leave nothing to measure.
    let output = eval_no_model(&index, &["--qrels", qrels.to_str().unwrap()]);
    assert_refused(&output, "needs --queries");
    std::fs::write(&qrels, "T1 0 US8799651 0\n").unwrap();
    let output = eval_no_model(&index, &with_files(&queries, &qrels, &[]));
    assert_refused(&output, "no topic of");
    let output = eval_no_model(
        &index,
        &with_files(&queries, Path::new("/nonexistent/qrels"), &[]),
    );
    assert_refused(&output, "cannot read /nonexistent/qrels");
}

#[test]
fn search_and_similar_tasks_need_judgments_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    for task in ["search", "similar"] {
        let output = eval_no_model(dir.path(), &["--task", task]);
        assert_eq!(output.status.code(), Some(2), "{task}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("--qrels FILE is needed"),
            "{task}: {}",
            stderr(&output)
        );
    }
}
