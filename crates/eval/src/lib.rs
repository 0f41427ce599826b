//! Relevance evaluation: how well a ranking answers judged topics.
//!
//! Owns the TREC file formats of an evaluation — qrels (`qrels`: graded
//! judgments `topic 0 docid grade`), topic files (`topics`: `topic<TAB>text`)
//! and run files (`run`: `topic Q0 docid rank score tag`) — the ranking
//! metrics computed from them (`metrics`: nDCG@10, R@10, R@100, MRR@10 and
//! MAP per topic and averaged over the topics with a relevant judgment, as
//! trec_eval defines them), and the tables that compare systems (`table`).
//! Asking a system the topics (`runner`: a [`Runner`] takes the system as a
//! closure, and each answer becomes a ranking under the judged spelling of
//! its documents). Summaries against reference texts: ROUGE-1/2/Lsum as
//! `rouge-score` computes them (`rouge`), and several systems' summaries
//! of the same documents compared (`summaries`).
//!
//! Not for: running the searches or writing the summaries (the CLI's
//! `patsearch eval` asks the engine and the summariser through closures)
//! or any knowledge of patents: topic and document ids are opaque strings
//! here, a document's identity across spellings is the caller's
//! [`Identity`], and every order is deterministic (sorted topics, rankings
//! as given).
//!
//! ```
//! use patsearch_eval::{evaluate, text_table, Qrels, Retrieved, Run};
//! let qrels = Qrels::from_judgments([("T1", "US1", 2), ("T1", "US2", 0)]);
//! let mut run = Run::new("patsearch-keyword");
//! run.insert("T1", vec![
//!     Retrieved { doc: "US2".into(), score: 3.5 },
//!     Retrieved { doc: "US1".into(), score: 2.0 },
//! ]);
//! let evaluation = evaluate(&qrels, &run);
//! assert_eq!(evaluation.mean.mrr_10, 0.5);
//! print!("{}", text_table(&[("keyword", &evaluation)]));
//! ```

mod error;
pub mod metrics;
pub mod porter;
pub mod qrels;
pub mod rouge;
pub mod run;
pub mod runner;
pub mod summaries;
pub mod table;
pub mod topics;

pub use error::EvalError;
pub use metrics::{evaluate, score_topic, Evaluation, Metric, Scores};
pub use qrels::{Judgments, Qrels};
pub use rouge::{rouge, Rouge, RougeScore};
pub use run::{path_for_system, Retrieved, Run};
pub use runner::{
    abbreviated, pages_with_relatives_twice, Answer, Coverage, Failure, FamilyNames, Identity,
    Runner,
};
pub use summaries::{Half, Paired, SummaryScores};
pub use table::{markdown_table, text_table, TOPICS_ROW};
pub use topics::{parse_topics, read_topics, Topic};
