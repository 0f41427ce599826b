//! Relevance judgments in the TREC qrels format.

use std::collections::BTreeMap;
use std::path::Path;

use crate::EvalError;

/// The judgments of one topic: document id -> grade.
pub type Judgments = BTreeMap<String, u32>;

/// Relevance judgments: for each topic, graded documents.
///
/// Read from TREC qrels, one judgment a line: `topic iteration docid grade`,
/// whitespace separated. The iteration column is ignored (it is `0` by
/// convention). Grades are non-negative integers (`0` judged not relevant,
/// `1` partially, `2` highly relevant; any grade above 0 counts as
/// relevant). Blank lines are skipped. A document judged twice for a topic
/// with different grades is an error; the same judgment repeated is not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Qrels {
    topics: BTreeMap<String, Judgments>,
}

impl Qrels {
    /// Reads a qrels file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, EvalError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses qrels text; `path` names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, EvalError> {
        let error = |line: usize, message: String| EvalError::Parse {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut topics: BTreeMap<String, Judgments> = BTreeMap::new();
        let mut first_seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let number = i + 1;
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.is_empty() {
                continue;
            }
            let [topic, _iteration, doc, grade] = fields[..] else {
                return Err(error(
                    number,
                    format!(
                        "expected 4 fields `topic iteration docid grade`, found {}: {line:?}",
                        fields.len()
                    ),
                ));
            };
            let grade: u32 = grade.parse().map_err(|_| {
                error(
                    number,
                    format!(
                        "the grade of {doc} for topic {topic} is {grade:?}, not a non-negative integer"
                    ),
                )
            })?;
            let judgments = topics.entry(topic.to_string()).or_default();
            match judgments.get(doc) {
                Some(&previous) if previous != grade => {
                    let first = first_seen[&(topic.to_string(), doc.to_string())];
                    return Err(error(
                        number,
                        format!(
                            "{doc} is judged {grade} for topic {topic}, but {previous} on line {first}"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    judgments.insert(doc.to_string(), grade);
                    first_seen.insert((topic.to_string(), doc.to_string()), number);
                }
            }
        }
        Ok(Self { topics })
    }

    /// Builds qrels from `(topic, doc, grade)` triples (a later grade for
    /// the same pair replaces an earlier one).
    pub fn from_judgments<'a>(
        judgments: impl IntoIterator<Item = (&'a str, &'a str, u32)>,
    ) -> Self {
        let mut topics: BTreeMap<String, Judgments> = BTreeMap::new();
        for (topic, doc, grade) in judgments {
            topics
                .entry(topic.to_string())
                .or_default()
                .insert(doc.to_string(), grade);
        }
        Self { topics }
    }

    /// Every judged topic, in sorted order.
    pub fn topics(&self) -> impl Iterator<Item = &str> {
        self.topics.keys().map(String::as_str)
    }

    /// The judgments of `topic`.
    pub fn judgments(&self, topic: &str) -> Option<&Judgments> {
        self.topics.get(topic)
    }

    /// The grade of `doc` for `topic` (`None`: unjudged).
    pub fn grade(&self, topic: &str, doc: &str) -> Option<u32> {
        self.topics.get(topic)?.get(doc).copied()
    }

    /// Documents judged relevant (grade above 0) for `topic`.
    pub fn num_relevant(&self, topic: &str) -> usize {
        self.topics
            .get(topic)
            .map_or(0, |j| j.values().filter(|&&g| g > 0).count())
    }

    /// Topics with at least one relevant document: the ones metrics are
    /// averaged over.
    pub fn evaluable_topics(&self) -> impl Iterator<Item = &str> {
        self.topics
            .iter()
            .filter(|(_, j)| j.values().any(|&g| g > 0))
            .map(|(t, _)| t.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }

    /// The judgments of groups of documents (families, when a result list
    /// shows one hit per family): `group` names each document's group, and
    /// a group takes the best grade of its judged members. Scoring a run
    /// of groups ([`crate::Run::grouped`]) against these counts a group
    /// found once as all of its relevant members found, and asks of the
    /// ideal ranking one place per group.
    pub fn grouped(&self, group: impl Fn(&str) -> String) -> Qrels {
        let mut topics: BTreeMap<String, Judgments> = BTreeMap::new();
        for (topic, judgments) in &self.topics {
            let grouped = topics.entry(topic.clone()).or_default();
            for (doc, &grade) in judgments {
                let best = grouped.entry(group(doc)).or_insert(grade);
                *best = (*best).max(grade);
            }
        }
        Qrels { topics }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Qrels, EvalError> {
        Qrels::parse(text, Path::new("q.tsv"))
    }

    #[test]
    fn tabs_and_spaces_separate_fields_and_blank_lines_are_skipped() {
        let qrels = parse("T1\t0\tD1\t2\nT1 0 D2 0\r\n\n  T2  0  D1  1  \n").unwrap();
        assert_eq!(qrels.topics().collect::<Vec<_>>(), ["T1", "T2"]);
        assert_eq!(qrels.grade("T1", "D1"), Some(2));
        assert_eq!(qrels.grade("T1", "D2"), Some(0));
        assert_eq!(qrels.grade("T1", "D3"), None);
        assert_eq!(qrels.grade("T2", "D1"), Some(1));
        assert_eq!(qrels.num_relevant("T1"), 1);
        assert_eq!(qrels.num_relevant("T3"), 0);
    }

    #[test]
    fn topics_with_only_non_relevant_judgments_are_not_evaluable() {
        let qrels = parse("A 0 D1 0\nB 0 D1 1\nC 0 D2 0\nC 0 D3 0\n").unwrap();
        assert_eq!(qrels.evaluable_topics().collect::<Vec<_>>(), ["B"]);
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        let err = parse("T1 0 D1 1\nT1 0 D2\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "q.tsv:2: expected 4 fields `topic iteration docid grade`, found 3: \"T1 0 D2\""
        );
        assert!(err.is_user_error());
        let err = parse("T1 0 D1 1\n\nT1 0 D2 high\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "q.tsv:3: the grade of D2 for topic T1 is \"high\", not a non-negative integer"
        );
        let err = parse("T1 0 D1 -1\n").unwrap_err();
        assert!(err.to_string().starts_with("q.tsv:1: "), "{err}");
        let err = parse("T1 0 D1 1 extra\n").unwrap_err();
        assert!(err.to_string().contains("found 5"), "{err}");
    }

    #[test]
    fn conflicting_judgments_are_refused_and_repeats_accepted() {
        let err = parse("T1 0 D1 1\nT1 0 D2 0\nT1 0 D1 2\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "q.tsv:3: D1 is judged 2 for topic T1, but 1 on line 1"
        );
        let qrels = parse("T1 0 D1 1\nT1 0 D1 1\n").unwrap();
        assert_eq!(qrels.num_relevant("T1"), 1);
    }

    #[test]
    fn a_group_takes_the_best_grade_of_its_members() {
        let qrels =
            parse("T1 0 A1 1\nT1 0 A2 2\nT1 0 B 0\nT1 0 C1 0\nT1 0 C2 1\nT2 0 A1 0\n").unwrap();
        let grouped = qrels.grouped(|doc| doc[..1].to_string());
        assert_eq!(grouped.grade("T1", "A"), Some(2));
        assert_eq!(grouped.grade("T1", "B"), Some(0));
        assert_eq!(grouped.grade("T1", "C"), Some(1));
        assert_eq!(grouped.grade("T2", "A"), Some(0));
        assert_eq!(grouped.num_relevant("T1"), 2);
        assert_eq!(grouped.evaluable_topics().collect::<Vec<_>>(), ["T1"]);
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = Qrels::read("/nonexistent/qrels.tsv").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/qrels.tsv: "),
            "{err}"
        );
    }
}
