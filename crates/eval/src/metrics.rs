//! Ranking metrics, per topic and averaged over topics.
//!
//! Definitions (those of trec_eval's `ndcg_cut.10`, `recall.10`,
//! `recall.100`, `recip_rank` cut at 10, and `map`), with relevant meaning
//! a grade above 0 and an unjudged document counting as not relevant:
//!
//! - nDCG@10: DCG = Σ grade / log2(rank + 1) over the top 10, divided by
//!   the DCG of the qrels' own grades sorted best first (top 10);
//! - R@k: relevant documents in the top k / relevant documents judged;
//! - MRR@10: 1 / rank of the first relevant document in the top 10, else 0;
//! - MAP: Σ precision at the rank of each relevant document retrieved (in
//!   the whole ranking), divided by the relevant documents judged.
//!
//! Averages are over the topics with at least one relevant judgment; such a
//! topic that the run has no ranking for scores 0 on every metric.

use std::collections::BTreeMap;

use crate::qrels::{Judgments, Qrels};
use crate::run::{deduplicated, Run};

/// A metric of [`Scores`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    Ndcg10,
    Recall10,
    Recall100,
    Mrr10,
    Map,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 5] = [
        Metric::Ndcg10,
        Metric::Recall10,
        Metric::Recall100,
        Metric::Mrr10,
        Metric::Map,
    ];

    /// The name tables print: `nDCG@10`, `R@10`, `R@100`, `MRR@10`, `MAP`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Ndcg10 => "nDCG@10",
            Metric::Recall10 => "R@10",
            Metric::Recall100 => "R@100",
            Metric::Mrr10 => "MRR@10",
            Metric::Map => "MAP",
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every metric of one topic, or their means.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    pub ndcg_10: f64,
    pub recall_10: f64,
    pub recall_100: f64,
    pub mrr_10: f64,
    pub map: f64,
}

impl Scores {
    pub fn get(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Ndcg10 => self.ndcg_10,
            Metric::Recall10 => self.recall_10,
            Metric::Recall100 => self.recall_100,
            Metric::Mrr10 => self.mrr_10,
            Metric::Map => self.map,
        }
    }

    fn get_mut(&mut self, metric: Metric) -> &mut f64 {
        match metric {
            Metric::Ndcg10 => &mut self.ndcg_10,
            Metric::Recall10 => &mut self.recall_10,
            Metric::Recall100 => &mut self.recall_100,
            Metric::Mrr10 => &mut self.mrr_10,
            Metric::Map => &mut self.map,
        }
    }
}

/// The cut-off of nDCG and MRR.
const TOP: usize = 10;

/// Scores one topic's ranking (document ids, best first; a repeated
/// document counts at its first position) against its judgments. `None`
/// when the judgments have no relevant document: the topic cannot be
/// evaluated.
pub fn score_topic(judgments: &Judgments, ranking: &[&str]) -> Option<Scores> {
    let relevant = judgments.values().filter(|&&g| g > 0).count();
    if relevant == 0 {
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let grades: Vec<u32> = ranking
        .iter()
        .filter(|doc| seen.insert(**doc))
        .map(|doc| judgments.get(*doc).copied().unwrap_or(0))
        .collect();

    let dcg = |grades: &mut dyn Iterator<Item = u32>| -> f64 {
        grades
            .take(TOP)
            .enumerate()
            .map(|(i, g)| f64::from(g) / ((i + 2) as f64).log2())
            .sum()
    };
    let mut ideal: Vec<u32> = judgments.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ndcg_10 = dcg(&mut grades.iter().copied()) / dcg(&mut ideal.into_iter());

    let found_in = |k: usize| grades.iter().take(k).filter(|&&g| g > 0).count();
    let recall = |k: usize| found_in(k) as f64 / relevant as f64;
    let mrr_10 = grades
        .iter()
        .take(TOP)
        .position(|&g| g > 0)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64);
    let mut hits = 0usize;
    let mut precision_sum = 0.0;
    for (i, &g) in grades.iter().enumerate() {
        if g > 0 {
            hits += 1;
            precision_sum += hits as f64 / (i + 1) as f64;
        }
    }
    Some(Scores {
        ndcg_10,
        recall_10: recall(10),
        recall_100: recall(100),
        mrr_10,
        map: precision_sum / relevant as f64,
    })
}

/// A run scored against qrels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// Each evaluated topic (at least one relevant judgment), sorted.
    pub per_topic: BTreeMap<String, Scores>,
    /// The means over `per_topic` (all 0 when it is empty).
    pub mean: Scores,
    /// Evaluated topics the run has no ranking for (they score 0).
    pub missing: Vec<String>,
}

impl Evaluation {
    /// How many topics the means are over.
    pub fn topics(&self) -> usize {
        self.per_topic.len()
    }
}

/// Scores every topic of `qrels` with a relevant judgment against `run`.
/// Topics of the run without one are ignored.
pub fn evaluate(qrels: &Qrels, run: &Run) -> Evaluation {
    let mut evaluation = Evaluation::default();
    for topic in qrels.topics() {
        let judgments = qrels.judgments(topic).expect("a topic of the qrels");
        let ranking: Vec<&str> = match run.ranking(topic) {
            Some(ranking) => deduplicated(ranking).map(|r| r.doc.as_str()).collect(),
            None => Vec::new(),
        };
        let Some(scores) = score_topic(judgments, &ranking) else {
            continue;
        };
        if run.ranking(topic).is_none() {
            evaluation.missing.push(topic.to_string());
        }
        evaluation.per_topic.insert(topic.to_string(), scores);
    }
    let n = evaluation.per_topic.len();
    if n > 0 {
        for metric in Metric::ALL {
            let sum: f64 = evaluation.per_topic.values().map(|s| s.get(metric)).sum();
            *evaluation.mean.get_mut(metric) = sum / n as f64;
        }
    }
    evaluation
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Retrieved;

    const EPS: f64 = 1e-12;

    fn judgments(list: &[(&str, u32)]) -> Judgments {
        list.iter().map(|&(d, g)| (d.to_string(), g)).collect()
    }

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < EPS,
            "{actual} != {expected} (expected)"
        );
    }

    fn run_of(tag: &str, rankings: &[(&str, &[&str])]) -> Run {
        let mut run = Run::new(tag);
        for (topic, docs) in rankings {
            let n = docs.len() as f64;
            run.insert(
                *topic,
                docs.iter()
                    .enumerate()
                    .map(|(i, d)| Retrieved {
                        doc: d.to_string(),
                        score: n - i as f64,
                    })
                    .collect(),
            );
        }
        run
    }

    #[test]
    fn graded_ndcg_recall_mrr_and_map_by_hand() {
        // Relevant: D1 (2), D2 (1), D4 (2); D3 judged not relevant; D5 unjudged.
        let j = judgments(&[("D1", 2), ("D2", 1), ("D3", 0), ("D4", 2)]);
        let s = score_topic(&j, &["D3", "D1", "D5", "D2"]).unwrap();
        // DCG = 0/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5) = 1.26186 + 0.43068
        // IDCG = 2/log2(2) + 2/log2(3) + 1/log2(4) = 2 + 1.26186 + 0.5
        let dcg = 2.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 2.0 + 2.0 / 3f64.log2() + 0.5;
        close(s.ndcg_10, dcg / idcg);
        assert!((s.ndcg_10 - 0.449_920).abs() < 1e-6, "{}", s.ndcg_10);
        close(s.recall_10, 2.0 / 3.0);
        close(s.recall_100, 2.0 / 3.0);
        close(s.mrr_10, 0.5);
        // Precision 1/2 at rank 2 and 2/4 at rank 4, over 3 relevant.
        close(s.map, (0.5 + 0.5) / 3.0);
    }

    #[test]
    fn a_perfect_ranking_scores_one() {
        let j = judgments(&[("A", 1), ("B", 2), ("C", 0)]);
        let s = score_topic(&j, &["B", "A", "C"]).unwrap();
        for metric in Metric::ALL {
            close(s.get(metric), 1.0);
        }
    }

    #[test]
    fn ties_in_the_ideal_ordering_do_not_matter() {
        // Two documents of grade 1: either order of them is ideal, and
        // swapping them in a ranking changes nothing.
        let j = judgments(&[("A", 1), ("B", 1), ("C", 2)]);
        close(score_topic(&j, &["C", "A", "B"]).unwrap().ndcg_10, 1.0);
        close(score_topic(&j, &["C", "B", "A"]).unwrap().ndcg_10, 1.0);
        let one = score_topic(&j, &["A", "C", "B"]).unwrap();
        let other = score_topic(&j, &["B", "C", "A"]).unwrap();
        assert_eq!(one, other);
        // DCG = 1 + 2/log2(3) + 1/2; IDCG = 2 + 1/log2(3) + 1/2.
        close(
            one.ndcg_10,
            (1.0 + 2.0 / 3f64.log2() + 0.5) / (2.0 + 1.0 / 3f64.log2() + 0.5),
        );
    }

    #[test]
    fn cut_offs_at_10_and_100() {
        // The only relevant document at rank 11: outside every @10 metric,
        // inside R@100 and MAP.
        let j = judgments(&[("R", 2)]);
        let mut ranking: Vec<String> = (1..=10).map(|i| format!("N{i}")).collect();
        ranking.push("R".into());
        let ranking: Vec<&str> = ranking.iter().map(String::as_str).collect();
        let s = score_topic(&j, &ranking).unwrap();
        close(s.ndcg_10, 0.0);
        close(s.recall_10, 0.0);
        close(s.mrr_10, 0.0);
        close(s.recall_100, 1.0);
        close(s.map, 1.0 / 11.0);
        // At rank 10 it counts for all of them.
        let s = score_topic(&j, &ranking[1..]).unwrap();
        close(s.mrr_10, 0.1);
        close(s.recall_10, 1.0);
        close(s.ndcg_10, 1.0 / 11f64.log2());
        // At rank 101: MAP only.
        let mut deep: Vec<String> = (1..=100).map(|i| format!("N{i}")).collect();
        deep.push("R".into());
        let deep: Vec<&str> = deep.iter().map(String::as_str).collect();
        let s = score_topic(&j, &deep).unwrap();
        close(s.recall_100, 0.0);
        close(s.map, 1.0 / 101.0);
    }

    #[test]
    fn more_relevant_documents_than_the_cut_off() {
        // 12 relevant documents of grade 1, all retrieved in order: the
        // ideal DCG is cut at 10 too, so nDCG@10 is 1; R@10 is 10/12.
        let docs: Vec<String> = (1..=12).map(|i| format!("D{i:02}")).collect();
        let j: Judgments = docs.iter().map(|d| (d.clone(), 1)).collect();
        let ranking: Vec<&str> = docs.iter().map(String::as_str).collect();
        let s = score_topic(&j, &ranking).unwrap();
        close(s.ndcg_10, 1.0);
        close(s.recall_10, 10.0 / 12.0);
        close(s.recall_100, 1.0);
        close(s.map, 1.0);
    }

    #[test]
    fn a_repeated_document_counts_once() {
        let j = judgments(&[("A", 1), ("B", 1)]);
        let s = score_topic(&j, &["A", "A", "B"]).unwrap();
        close(s.map, 1.0);
        close(s.ndcg_10, 1.0);
    }

    #[test]
    fn nothing_relevant_retrieved_scores_zero() {
        let j = judgments(&[("A", 1)]);
        assert_eq!(score_topic(&j, &["B", "C"]).unwrap(), Scores::default());
        assert_eq!(score_topic(&j, &[]).unwrap(), Scores::default());
    }

    #[test]
    fn a_topic_without_relevant_documents_is_excluded_from_the_means() {
        let qrels = Qrels::from_judgments([("T1", "D1", 1), ("T2", "D2", 0), ("T2", "D3", 0)]);
        assert!(score_topic(qrels.judgments("T2").unwrap(), &["D2"]).is_none());
        let run = run_of("r", &[("T1", &["D1"]), ("T2", &["D2", "D3"])]);
        let evaluation = evaluate(&qrels, &run);
        assert_eq!(evaluation.topics(), 1);
        assert_eq!(evaluation.per_topic.keys().collect::<Vec<_>>(), ["T1"]);
        for metric in Metric::ALL {
            close(evaluation.mean.get(metric), 1.0);
        }
        assert!(evaluation.missing.is_empty());
    }

    #[test]
    fn a_topic_absent_from_the_run_scores_zero() {
        let qrels = Qrels::from_judgments([("T1", "D1", 1), ("T3", "D3", 2)]);
        // T9 is in the run but not judged: ignored.
        let run = run_of("r", &[("T1", &["D1"]), ("T9", &["D3"])]);
        let evaluation = evaluate(&qrels, &run);
        assert_eq!(evaluation.topics(), 2);
        assert_eq!(evaluation.per_topic["T3"], Scores::default());
        assert_eq!(evaluation.missing, ["T3"]);
        for metric in Metric::ALL {
            close(evaluation.mean.get(metric), 0.5);
        }
    }

    #[test]
    fn means_over_several_topics() {
        let qrels = Qrels::from_judgments([
            ("T1", "A", 2),
            ("T1", "B", 1),
            ("T2", "C", 1),
            ("T2", "D", 0),
        ]);
        // T1: B then A: DCG = 1 + 2/log2(3), IDCG = 2 + 1/log2(3); MAP 1;
        // MRR 1. T2: D (not relevant) then C: MRR 1/2, MAP 1/2, nDCG 1/log2(3).
        let run = run_of("r", &[("T1", &["B", "A"]), ("T2", &["D", "C"])]);
        let evaluation = evaluate(&qrels, &run);
        let t1 = (1.0 + 2.0 / 3f64.log2()) / (2.0 + 1.0 / 3f64.log2());
        let t2 = 1.0 / 3f64.log2();
        close(evaluation.mean.ndcg_10, (t1 + t2) / 2.0);
        close(evaluation.mean.mrr_10, 0.75);
        close(evaluation.mean.map, 0.75);
        close(evaluation.mean.recall_10, 1.0);
    }

    #[test]
    fn no_evaluable_topic_means_zero() {
        let evaluation = evaluate(&Qrels::default(), &Run::new("r"));
        assert_eq!(evaluation.topics(), 0);
        assert_eq!(evaluation.mean, Scores::default());
    }
}
