//! Locating the shared real-data fixtures; tests fail loudly when they are absent.

use std::path::PathBuf;

/// `../shared/data/patents` beside the project root.
pub fn patents_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/patents");
    assert!(
        dir.is_dir(),
        "real patent fixtures not found at {}: these tests need the shared data folder beside the project root",
        dir.display()
    );
    dir
}
