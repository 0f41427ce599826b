//! `scale-vectors` on a small index of real and generated records: it
//! refuses an index the scale benchmarks did not create, gives every
//! document one vector (the real ones embedded, the generated ones
//! structured around their donor's, equal for equal texts), commits them
//! paired so the engine opens both sides as one, and refuses to run twice.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use patsearch_engine::{Engine, EngineOptions, Indexer, IndexerOptions};
use patsearch_scale_corpus::{read_records, write_corpus, Generator, Sources};

/// Generated records in the test index.
const GENERATED: u64 = 30;

fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    let dir = project_root().join("../shared");
    assert!(
        dir.join("data/corpus/patents-2013.jsonl.zst").is_file(),
        "the shared data is absent: these tests read ../shared/data beside the project root"
    );
    dir
}

fn model_dir() -> PathBuf {
    let dir = project_root().join("models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file(),
        "the embedding model is missing at {}: run `bash models/fetch.sh` from the project root",
        dir.display()
    );
    dir
}

fn scale_vectors(index: &Path, corpus: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scale-vectors"))
        .arg("--index")
        .arg(index)
        .arg("--model")
        .arg(model_dir())
        .arg("--corpus")
        .arg(corpus)
        .output()
        .unwrap()
}

/// A refusal: exit code 2 and `why` in the message.
fn assert_refused(output: &Output, why: &str) {
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains(why), "{message}");
}

/// The lines of the real corpus whose titles are in `titles`, as a
/// `.jsonl` file: the donors of the generated records.
fn write_donors(titles: &HashSet<String>, out: &Path) -> usize {
    let corpus = shared().join("data/corpus/patents-2013.jsonl.zst");
    let reader = BufReader::new(zstd::Decoder::new(std::fs::File::open(corpus).unwrap()).unwrap());
    let mut file = std::fs::File::create(out).unwrap();
    let mut written = 0;
    for line in reader.lines() {
        let line = line.unwrap();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        if value["title"]
            .as_str()
            .is_some_and(|t| titles.contains(t.trim()))
        {
            writeln!(file, "{line}").unwrap();
            written += 1;
        }
    }
    written
}

#[test]
fn structured_vectors_are_committed_paired_with_the_keyword_index() {
    let shared = shared();
    let sources = Sources::load(
        &shared.join("data/corpus/patents-2013.jsonl.zst"),
        &shared.join("data/patents"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let generated_file = dir.path().join("generated.jsonl.zst");
    write_corpus(
        &Generator::new(&sources, 2026),
        0,
        GENERATED,
        &generated_file,
        3,
        |_| {},
    )
    .unwrap();
    let generated = read_records(generated_file).unwrap();
    let titles: HashSet<String> = generated
        .iter()
        .map(|r| r.title.trim().to_string())
        .collect();
    let donors_file = dir.path().join("donors.jsonl");
    let donors = write_donors(&titles, &donors_file);
    assert!(
        donors >= titles.len(),
        "{donors} donors for {} titles",
        titles.len()
    );

    let index = dir.path().join("index");
    let mut indexer = Indexer::open_or_create(&index, IndexerOptions::default()).unwrap();
    indexer
        .upsert_all(read_records(donors_file.clone()).unwrap())
        .unwrap();
    indexer.upsert_all(generated.clone()).unwrap();
    let documents = indexer.finish().unwrap().num_docs();
    assert_eq!(documents, donors as u64 + GENERATED);

    assert_refused(
        &scale_vectors(&index, &donors_file),
        "created-by-scale-bench",
    );

    std::fs::File::create(dir.path().join("index.created-by-scale-bench")).unwrap();
    let done = scale_vectors(&index, &donors_file);
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        said.contains(&format!(
            "{documents} documents, {documents} with a vector ({donors} of the corpus, embedded; {GENERATED} structured"
        )),
        "{said}"
    );

    let engine = Engine::open(
        &index,
        EngineOptions {
            model_dir: Some(model_dir()),
            ..EngineOptions::default()
        },
    )
    .unwrap();
    let check = engine.index_check();
    assert!(
        check.paired && !check.compared && check.is_complete(),
        "{check:?}"
    );
    assert_eq!(engine.num_vectors().unwrap().0 as u64, documents);

    // Continuations share their root's title and abstract, and so their
    // vector; other generated records of one donor differ.
    let vectors = engine.vectors().unwrap();
    let vector_of = |record: &patsearch_record::PatentRecord| {
        vectors.vectors_of(&record.publication_number).unwrap()[0]
            .vector
            .to_vec()
    };
    let mut by_text: HashMap<(String, String), Vec<f32>> = HashMap::new();
    let mut shared_texts = 0;
    for record in &generated {
        let vector = vector_of(record);
        let key = (record.title.clone(), record.abstract_text.clone());
        match by_text.get(&key) {
            Some(earlier) => {
                assert_eq!(earlier, &vector, "{}", record.publication_number);
                shared_texts += 1;
            }
            None => {
                for ((title, _), other) in &by_text {
                    if title == &record.title {
                        assert_ne!(other, &vector, "{}", record.publication_number);
                    }
                }
                by_text.insert(key, vector);
            }
        }
    }
    assert!(
        shared_texts > 0,
        "no continuation among {GENERATED} records"
    );
    drop(engine);

    assert_refused(
        &scale_vectors(&index, &donors_file),
        "has a vector index already",
    );
}
