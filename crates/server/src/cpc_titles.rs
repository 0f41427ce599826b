//! CPC subclass titles for the facets, when the server is given them.
//!
//! The titles are not shipped: the CPC scheme is published by the EPO and
//! the USPTO (the "CPC Title List", one `cpc-section-X_YYYYMMDD.txt` per
//! section, lines `SYMBOL<TAB>LEVEL<TAB>TITLE`), no package registry carries
//! it, and its terms are the offices' to state. A server set up with
//! `cpc_titles` (that folder, or one file of `SYMBOL<TAB>TITLE` lines) names
//! the subclasses of its facets; without it they are codes alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The most bytes read from the title files: the whole CPC title list is
/// about 60 MB, its subclass lines a small part.
const MAX_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CpcTitlesError {
    #[error("cannot read the CPC titles at {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the CPC titles at {path} are over {MAX_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("no CPC subclass title found in {path} (expected lines SYMBOL<TAB>TITLE or SYMBOL<TAB>LEVEL<TAB>TITLE)")]
    Empty { path: PathBuf },
}

/// Subclass symbol (`H02J`) to title.
#[derive(Debug, Default, Clone)]
pub struct CpcTitles(HashMap<String, String>);

impl CpcTitles {
    /// The subclass titles of a file, or of every `.txt` and `.tsv` file of
    /// a folder.
    pub fn load(path: &Path) -> Result<Self, CpcTitlesError> {
        let read_error = |source| CpcTitlesError::Read {
            path: path.to_path_buf(),
            source,
        };
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_error)?
                .filter_map(|entry| Some(entry.ok()?.path()))
                .filter(|p| {
                    p.extension().is_some_and(|e| {
                        e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("tsv")
                    })
                })
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        let mut titles = HashMap::new();
        let mut bytes = 0u64;
        for file in files {
            let text = std::fs::read(&file).map_err(read_error)?;
            bytes += text.len() as u64;
            if bytes > MAX_BYTES {
                return Err(CpcTitlesError::TooLarge {
                    path: path.to_path_buf(),
                });
            }
            for line in String::from_utf8_lossy(&text).lines() {
                if let Some((symbol, title)) = subclass_line(line) {
                    titles.insert(symbol.to_string(), title.to_string());
                }
            }
        }
        if titles.is_empty() {
            return Err(CpcTitlesError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(Self(titles))
    }

    /// The title of a subclass (`H02J`).
    pub fn get(&self, subclass: &str) -> Option<&str> {
        self.0.get(subclass).map(String::as_str)
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// A subclass line: a four-character symbol (section letter, two digits,
/// letter), then its title in the last tab-separated field.
fn subclass_line(line: &str) -> Option<(&str, &str)> {
    let mut fields = line.trim_end_matches('\r').split('\t');
    let symbol = fields.next()?.trim();
    let title = fields.next_back()?.trim();
    let b = symbol.as_bytes();
    let is_subclass = b.len() == 4
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_uppercase();
    (is_subclass && !title.is_empty()).then_some((symbol, title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subclass_lines_of_both_layouts_are_read_and_others_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("cpc-section-H_20240101.txt"),
            "H\t\tELECTRICITY\r\nH02\t\tGENERATION; CONVERSION\r\nH02J\t\tCIRCUIT ARRANGEMENTS FOR SUPPLYING ELECTRIC POWER\r\nH02J7/00\t0\tCircuit arrangements for charging batteries\r\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("extra.tsv"),
            "G06F\tElectric digital data processing\nbad line\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("notes.md"),
            "H04W\tignored: not a title file\n",
        )
        .unwrap();
        let titles = CpcTitles::load(dir.path()).unwrap();
        assert_eq!(titles.len(), 2);
        assert_eq!(
            titles.get("H02J"),
            Some("CIRCUIT ARRANGEMENTS FOR SUPPLYING ELECTRIC POWER")
        );
        assert_eq!(titles.get("G06F"), Some("Electric digital data processing"));
        assert_eq!(titles.get("H04W"), None);
        let one = CpcTitles::load(&dir.path().join("extra.tsv")).unwrap();
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn a_missing_or_empty_source_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.txt");
        let e = CpcTitles::load(&missing).unwrap_err();
        assert!(e.to_string().contains("nope.txt"), "{e}");
        std::fs::write(dir.path().join("empty.txt"), "no titles here\n").unwrap();
        let e = CpcTitles::load(&dir.path().join("empty.txt")).unwrap_err();
        assert!(matches!(e, CpcTitlesError::Empty { .. }), "{e}");
    }
}
