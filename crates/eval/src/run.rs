//! Runs: the ranked lists a system returned, and TREC run files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::EvalError;

/// One retrieved document.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieved {
    pub doc: String,
    /// The system's score (written to run files; metrics use the order).
    pub score: f64,
}

/// For each topic, the documents a system returned, best first.
///
/// The order of each ranking is the system's: metrics read it as given and
/// never re-sort by score, and run files keep it for tools that do (see
/// [`Run::write_to`]). A document repeated in a ranking counts at its first
/// position only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    /// The run's name, the last column of a run file (no whitespace).
    pub tag: String,
    rankings: BTreeMap<String, Vec<Retrieved>>,
}

impl Run {
    pub fn new(tag: impl Into<String>) -> Self {
        Self {
            tag: tag.into(),
            rankings: BTreeMap::new(),
        }
    }

    /// Sets the ranking of `topic` (replacing any earlier one).
    pub fn insert(&mut self, topic: impl Into<String>, ranking: Vec<Retrieved>) {
        self.rankings.insert(topic.into(), ranking);
    }

    /// The ranking of `topic`, when the run has one.
    pub fn ranking(&self, topic: &str) -> Option<&[Retrieved]> {
        self.rankings.get(topic).map(Vec::as_slice)
    }

    /// The run with each document replaced by its group (see
    /// [`crate::Qrels::grouped`]); a group repeated in a ranking counts at
    /// its first position only.
    pub fn grouped(&self, group: impl Fn(&str) -> String) -> Run {
        let rankings = self
            .rankings
            .iter()
            .map(|(topic, ranking)| {
                let ranking = ranking
                    .iter()
                    .map(|r| Retrieved {
                        doc: group(&r.doc),
                        score: r.score,
                    })
                    .collect();
                (topic.clone(), ranking)
            })
            .collect();
        Run {
            tag: self.tag.clone(),
            rankings,
        }
    }

    /// Topics with a ranking, in sorted order.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.rankings.keys().map(String::as_str)
    }

    /// Writes the run in TREC format, `topic Q0 docid rank score tag` a
    /// line, topics in sorted order, each ranking in its order from rank 1
    /// (a repeated document only at its first position).
    ///
    /// Scores strictly decrease down a ranking, even read as 32-bit floats,
    /// so that tools which re-sort by score see the ranking's own order and
    /// compute the same metrics (trec_eval keeps scores as 32-bit floats and
    /// breaks their ties by document id, descending): a score that would not
    /// be below the one written before it is written as the next 32-bit
    /// float below that one. Other scores are written as they are, in the
    /// shortest form that reads back to the same number, so the same run
    /// always gives the same bytes.
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        let tag = if self.tag.is_empty() {
            "run"
        } else {
            &self.tag
        };
        for (topic, ranking) in &self.rankings {
            let mut previous = f64::INFINITY;
            for (i, r) in deduplicated(ranking).enumerate() {
                let score = written_score(r.score, previous);
                previous = score;
                writeln!(out, "{topic} Q0 {} {} {score} {tag}", r.doc, i + 1)?;
            }
        }
        Ok(())
    }

    /// Writes the run to a file (created or replaced).
    pub fn write_file(&self, path: impl AsRef<Path>) -> Result<(), EvalError> {
        let path = path.as_ref();
        let error = |source| EvalError::Write {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(path).map_err(error)?;
        let mut out = std::io::BufWriter::new(file);
        self.write_to(&mut out).map_err(error)?;
        out.flush().map_err(error)?;
        Ok(())
    }
}

/// The run file of one system of several written from one `--run-out`
/// path: the system's name before the extension (`run.txt` ->
/// `run.keyword.txt`; `run` -> `run.keyword`).
pub fn path_for_system(path: &Path, system: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.{system}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{system}"),
    };
    path.with_file_name(name)
}

/// `score`, or the next 32-bit float below `previous` when `score` is not
/// below it as a 32-bit float.
fn written_score(score: f64, previous: f64) -> f64 {
    // `as` rounds to the nearest 32-bit float, as reading the number does.
    let (single, previous_single) = (score as f32, previous as f32);
    if single < previous_single {
        score
    } else {
        f64::from(previous_single.next_down())
    }
}

/// A ranking without later repeats of a document.
pub(crate) fn deduplicated(ranking: &[Retrieved]) -> impl Iterator<Item = &Retrieved> {
    let mut seen = std::collections::HashSet::new();
    ranking.iter().filter(move |r| seen.insert(r.doc.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrieved(doc: &str, score: f64) -> Retrieved {
        Retrieved {
            doc: doc.into(),
            score,
        }
    }

    #[test]
    fn a_family_found_once_counts_as_all_its_relevant_members() {
        // A1 and A2 are one family, both relevant; B another relevant
        // patent; X is not judged.
        let qrels = crate::Qrels::from_judgments([("T", "A1", 2), ("T", "A2", 2), ("T", "B", 1)]);
        let family = |doc: &str| doc[..1].to_string();
        let mut uncollapsed = Run::new("u");
        uncollapsed.insert(
            "T",
            vec![
                retrieved("A1", 3.0),
                retrieved("A2", 2.0),
                retrieved("X", 1.0),
            ],
        );
        let mut collapsed = Run::new("c");
        collapsed.insert(
            "T",
            vec![
                retrieved("A1", 3.0),
                retrieved("X", 2.0),
                retrieved("B", 1.0),
            ],
        );

        let by_document = crate::evaluate(&qrels, &uncollapsed);
        let by_family = crate::evaluate(&qrels.grouped(family), &collapsed.grouped(family));
        // Documents: two of three relevant found. Families: all both.
        assert!((by_document.mean.recall_10 - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(by_family.mean.recall_10, 1.0);
        // A family repeated in a grouped ranking counts once, at its first place.
        let grouped = uncollapsed.grouped(family);
        let docs: Vec<&str> = deduplicated(grouped.ranking("T").unwrap())
            .map(|r| r.doc.as_str())
            .collect();
        assert_eq!(docs, ["A", "X"]);
    }

    #[test]
    fn run_files_are_trec_format_in_topic_order() {
        let mut run = Run::new("patsearch-hybrid");
        run.insert(
            "T2",
            vec![
                retrieved("US2", 0.032_786_885_245_901_64),
                retrieved("US1", 0.0125),
            ],
        );
        run.insert(
            "T10",
            vec![
                retrieved("US3", 12.5),
                retrieved("US3", 11.0),
                retrieved("US4", 1.0),
            ],
        );
        run.insert("T3", vec![]);
        let mut out = Vec::new();
        run.write_to(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "T10 Q0 US3 1 12.5 patsearch-hybrid\n\
             T10 Q0 US4 2 1 patsearch-hybrid\n\
             T2 Q0 US2 1 0.03278688524590164 patsearch-hybrid\n\
             T2 Q0 US1 2 0.0125 patsearch-hybrid\n"
        );
    }

    #[test]
    fn tied_scores_are_written_strictly_decreasing_in_single_precision() {
        let mut run = Run::new("r");
        run.insert(
            "T",
            vec![
                retrieved("B", 0.5),
                retrieved("A", 0.5),
                retrieved("C", 0.5),
                // Below 0.5 in double precision, not in single.
                retrieved("D", 0.499_999_999_9),
                retrieved("E", 0.7),
                retrieved("F", 0.25),
                retrieved("G", 0.125),
            ],
        );
        let mut out = Vec::new();
        run.write_to(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let scores: Vec<f64> = text
            .lines()
            .map(|l| l.split(' ').nth(4).unwrap().parse().unwrap())
            .collect();
        let below = |x: f64| f64::from((x as f32).next_down());
        let b1 = below(0.5);
        let (b2, b3) = (below(b1), below(below(b1)));
        assert_eq!(scores, [0.5, b1, b2, b3, below(b3), 0.25, 0.125]);
        for pair in scores.windows(2) {
            assert!((pair[1] as f32) < (pair[0] as f32), "{pair:?}");
        }
        // The next 32-bit float below 0.5, exactly, in double precision.
        assert_eq!(text.lines().nth(1), Some("T Q0 A 2 0.4999999701976776 r"));
    }

    #[test]
    fn run_files_of_several_systems_get_the_name_before_the_extension() {
        assert_eq!(
            path_for_system(Path::new("out/run.txt"), "keyword"),
            PathBuf::from("out/run.keyword.txt")
        );
        assert_eq!(
            path_for_system(Path::new("run"), "hybrid"),
            PathBuf::from("run.hybrid")
        );
        assert_eq!(
            path_for_system(Path::new("/tmp/a.b.trec"), "semantic"),
            PathBuf::from("/tmp/a.b.semantic.trec")
        );
    }

    #[test]
    fn run_files_are_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.txt");
        let mut run = Run::new("");
        run.insert("A", vec![retrieved("D", 1.0)]);
        run.write_file(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "A Q0 D 1 1 run\n");
        let err = run.write_file(dir.path().join("no/such/dir")).unwrap_err();
        assert!(!err.is_user_error());
        assert!(err.to_string().starts_with("cannot write "), "{err}");
    }
}
