//! The patsearch index directory and its manifest.
//!
//! One directory holds everything a search needs: the keyword index
//! (`keyword/`), the vector index (`vectors/`, later) and `manifest.json`,
//! which says what format the directory is in and what built each part.
//! This crate owns that layout and the manifest's reading and atomic
//! writing; the index crates own what goes inside their sub-directories and
//! record their own section of the manifest through it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The directory format written by this build.
pub const FORMAT_VERSION: u32 = 1;
/// The oldest directory format this build can open.
pub const OLDEST_SUPPORTED: u32 = 1;

const MANIFEST_FILE: &str = "manifest.json";

/// What `manifest.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    /// The program and version that created the directory (`patsearch 0.1.0`).
    pub created_by: String,
    /// The program and version that last wrote it.
    pub updated_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<KeywordSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vectors: Option<VectorSection>,
}

/// The keyword index's part of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeywordSection {
    pub schema_version: u32,
    pub tantivy_version: String,
}

/// The vector index's part of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorSection {
    /// Identity of the embedding model (name and weights digest).
    pub model: String,
    pub dimension: usize,
    /// Description paragraphs embedded per patent besides title + abstract
    /// and independent claims (chosen by the engine's passage rules), so
    /// that every writer of the index embeds the same passages. Absent in
    /// indexes written before passages existed: none.
    #[serde(default)]
    pub description_passages: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a patsearch index directory (no manifest.json); build one with `patsearch ingest PATH... --index {path}`")]
    NotAnIndex { path: PathBuf },
    #[error("{path}: unreadable manifest: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path} has index format {found}, this build reads formats {oldest} to {current}: rebuild the index with this version (`patsearch ingest PATH... --index NEW_DIR`) or use the patsearch version that wrote it ({written_by})")]
    Incompatible {
        path: PathBuf,
        found: u32,
        oldest: u32,
        current: u32,
        written_by: String,
    },
}

/// An index directory on disk.
#[derive(Debug, Clone)]
pub struct IndexDir {
    root: PathBuf,
}

impl IndexDir {
    /// Opens an existing index directory, checking its manifest.
    pub fn open(root: impl Into<PathBuf>) -> Result<(Self, Manifest), ManifestError> {
        let dir = Self { root: root.into() };
        let manifest = dir.read_manifest()?;
        Ok((dir, manifest))
    }

    /// Opens the directory, creating it and a fresh manifest when there is none.
    pub fn open_or_create(
        root: impl Into<PathBuf>,
        program: &str,
    ) -> Result<(Self, Manifest), ManifestError> {
        let dir = Self { root: root.into() };
        if dir.manifest_path().exists() {
            let manifest = dir.read_manifest()?;
            return Ok((dir, manifest));
        }
        std::fs::create_dir_all(&dir.root).map_err(|source| ManifestError::Io {
            path: dir.root.clone(),
            source,
        })?;
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            created_by: program.to_string(),
            updated_by: program.to_string(),
            keyword: None,
            vectors: None,
        };
        dir.write_manifest(&manifest)?;
        Ok((dir, manifest))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the keyword index lives.
    pub fn keyword_dir(&self) -> PathBuf {
        self.root.join("keyword")
    }

    /// Where the vector index lives.
    pub fn vectors_dir(&self) -> PathBuf {
        self.root.join("vectors")
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.root.join(MANIFEST_FILE)
    }

    pub fn read_manifest(&self) -> Result<Manifest, ManifestError> {
        let path = self.manifest_path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ManifestError::NotAnIndex {
                    path: self.root.clone(),
                })
            }
            Err(source) => return Err(ManifestError::Io { path, source }),
        };
        // Read the version alone first, so a future format with other fields
        // still gets the "incompatible" message rather than a parse error.
        #[derive(Deserialize)]
        struct VersionOnly {
            format_version: u32,
            #[serde(default)]
            updated_by: String,
        }
        let version: VersionOnly =
            serde_json::from_slice(&bytes).map_err(|e| ManifestError::Corrupt {
                path: path.clone(),
                message: e.to_string(),
            })?;
        if !(OLDEST_SUPPORTED..=FORMAT_VERSION).contains(&version.format_version) {
            return Err(ManifestError::Incompatible {
                path: self.root.clone(),
                found: version.format_version,
                oldest: OLDEST_SUPPORTED,
                current: FORMAT_VERSION,
                written_by: version.updated_by,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| ManifestError::Corrupt {
            path,
            message: e.to_string(),
        })
    }

    /// Writes the manifest atomically: a temporary file, fsync, then rename.
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<(), ManifestError> {
        let path = self.manifest_path();
        let tmp = self.root.join(format!("{MANIFEST_FILE}.tmp"));
        let io_err = |source| ManifestError::Io {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::File::create(&tmp).map_err(io_err)?;
        let json = serde_json::to_vec_pretty(manifest).expect("manifest serialises");
        file.write_all(&json).map_err(io_err)?;
        file.write_all(b"\n").map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(io_err)?;
        if let Ok(dir) = std::fs::File::open(&self.root) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Reads, changes and writes back the manifest.
    pub fn update_manifest(
        &self,
        program: &str,
        change: impl FnOnce(&mut Manifest),
    ) -> Result<Manifest, ManifestError> {
        let mut manifest = self.read_manifest()?;
        change(&mut manifest);
        manifest.updated_by = program.to_string();
        self.write_manifest(&manifest)?;
        Ok(manifest)
    }
}

/// The program and version recorded as a manifest's writer
/// (`patsearch 0.1.0`; the crates of the workspace share one version).
pub fn program() -> String {
    format!("patsearch {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_open_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("idx");
        let (dir, manifest) = IndexDir::open_or_create(&root, "patsearch test").unwrap();
        assert_eq!(manifest.format_version, FORMAT_VERSION);
        dir.update_manifest("patsearch test2", |m| {
            m.keyword = Some(KeywordSection {
                schema_version: 1,
                tantivy_version: "0.27".into(),
            })
        })
        .unwrap();
        let (_, reopened) = IndexDir::open(&root).unwrap();
        assert_eq!(reopened.keyword.unwrap().schema_version, 1);
        assert_eq!(reopened.updated_by, "patsearch test2");
        assert_eq!(reopened.created_by, "patsearch test");
    }

    #[test]
    fn a_plain_directory_is_not_an_index() {
        let tmp = tempfile::tempdir().unwrap();
        let err = IndexDir::open(tmp.path()).unwrap_err();
        assert!(matches!(err, ManifestError::NotAnIndex { .. }));
        assert!(err.to_string().contains("patsearch ingest"));
    }

    #[test]
    fn a_newer_format_is_refused_with_advice() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join(MANIFEST_FILE),
            r#"{"format_version": 99, "updated_by": "patsearch 9.0.0", "whatever": true}"#,
        )
        .unwrap();
        let err = IndexDir::open(tmp.path()).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, ManifestError::Incompatible { found: 99, .. }));
        assert!(message.contains("rebuild"), "{message}");
        assert!(message.contains("patsearch 9.0.0"), "{message}");
    }

    #[test]
    fn garbage_is_reported_as_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(MANIFEST_FILE), "not json").unwrap();
        assert!(matches!(
            IndexDir::open(tmp.path()).unwrap_err(),
            ManifestError::Corrupt { .. }
        ));
    }
}
