//! A disk that fills during an ingest: the ingest ends with a clear error
//! and the index opens at its last commit. The disk is a small tmpfs mounted
//! in a private user and mount namespace (`unshare --user --map-root-user
//! --mount`), so the test needs no privileges, only unprivileged user
//! namespaces (Debian's default).

mod common;

use std::process::Command;

use common::{data_dir, write_corpus_lines};
use patsearch_engine::{Engine, EngineOptions};

#[test]
fn ingest_onto_a_full_disk_fails_clearly_and_keeps_the_last_commit() {
    let _ = data_dir();
    let work = tempfile::tempdir().unwrap();
    let corpus = work.path().join("corpus.jsonl");
    write_corpus_lines(&corpus, 0, 1_500);
    let disk = work.path().join("disk");
    let copy = work.path().join("copy");
    std::fs::create_dir(&disk).unwrap();
    // Inside the namespace: mount the small disk, ingest onto it, then copy
    // what is left out before the namespace (and its mount) goes away.
    let script = r#"
        mount -t tmpfs -o size=24m tmpfs "$DISK" || exit 90
        "$BIN" ingest --no-embed --quiet --commit-every 250 "$CORPUS" --index "$DISK/index"
        echo "ingest exit $?" >&2
        cp -r "$DISK/index" "$COPY"
    "#;
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", script])
        .env("BIN", env!("CARGO_BIN_EXE_patsearch"))
        .env("CORPUS", &corpus)
        .env("DISK", &disk)
        .env("COPY", &copy)
        .output()
        .expect("unshare (util-linux) runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(
        output.status.code(),
        Some(90),
        "this test mounts a tmpfs in a user namespace and could not: {stderr}"
    );
    assert!(
        stderr.contains("cannot write the index") || stderr.contains("cannot commit the index"),
        "{stderr}"
    );
    assert!(stderr.contains("the disk is full"), "{stderr}");
    assert!(!stderr.contains("ingest exit 0"), "{stderr}");
    assert!(!stderr.contains("panicked at"), "{stderr}");

    let engine = Engine::open(&copy, EngineOptions::default()).expect("the index opens");
    let documents = engine.num_docs();
    assert!(
        documents > 0 && documents < 1_500 && documents.is_multiple_of(250),
        "the index holds its last commit: {documents} documents"
    );
    let results = common::patsearch()
        .args(["search", "--index"])
        .arg(&copy)
        .args(["--mode", "keyword", "--json", "encrypted file access"])
        .output()
        .unwrap();
    assert!(results.status.success(), "{}", common::stderr(&results));
}
