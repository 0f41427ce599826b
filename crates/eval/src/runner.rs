//! Asking a system the topics of an evaluation: each answer as a ranking
//! of documents under the ids the judgments use, the topics it could not
//! answer set aside with the reason, which judged topics were not asked,
//! and what its first pages show of families of documents.
//!
//! The system is a closure, so that this crate needs no search engine; a
//! document's identity across spellings is the caller's [`Identity`], so
//! that it needs no knowledge of document numbers.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Judgments, Qrels, Retrieved, Run, Topic};

/// What makes two document ids one document (for patents, a publication
/// number without its kind: `US8799651B2` and `US8799651`); `None` for an
/// id without one, which is then only itself.
pub type Identity = fn(&str) -> Option<String>;

/// A topic the system gave no ranking for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub topic: String,
    pub why: String,
}

/// What the system answered one topic: its hits, best first, under the
/// ids it uses; or why it could not rank the topic (an invalid query, an
/// unknown document), which leaves the topic out of the run.
pub type Answer = Result<Vec<Retrieved>, String>;

/// Runs topics through a system and ranks its hits as the judgments name
/// documents.
#[derive(Debug, Clone, Copy)]
pub struct Runner<'a> {
    qrels: &'a Qrels,
    identity: Identity,
    topic_is_document: bool,
}

impl<'a> Runner<'a> {
    pub fn new(qrels: &'a Qrels, identity: Identity) -> Self {
        Self {
            qrels,
            identity,
            topic_is_document: false,
        }
    }

    /// For topics whose text is a document (similar documents): that
    /// document, under any spelling, is left out of its own ranking.
    pub fn topic_is_document(self) -> Self {
        Self {
            topic_is_document: true,
            ..self
        }
    }

    /// Asks `ask` every topic, in order, and collects the answers as a run
    /// named `tag`; a topic answered with a reason is left out of the run
    /// and listed with it. An error of `ask` stops the run.
    pub fn run<E>(
        &self,
        tag: impl Into<String>,
        topics: &[Topic],
        mut ask: impl FnMut(&Topic) -> Result<Answer, E>,
    ) -> Result<(Run, Vec<Failure>), E> {
        let mut run = Run::new(tag);
        let mut failures = Vec::new();
        for topic in topics {
            match ask(topic)? {
                Ok(hits) => {
                    let own = if self.topic_is_document {
                        (self.identity)(&topic.text)
                    } else {
                        None
                    };
                    let ranking = self.ranking(hits, self.qrels.judgments(&topic.id), own);
                    run.insert(topic.id.clone(), ranking);
                }
                Err(why) => failures.push(Failure {
                    topic: topic.id.clone(),
                    why,
                }),
            }
        }
        Ok((run, failures))
    }

    /// The hits in their order (the system's ties are already broken). A
    /// hit judged under another spelling of its document (`US8799651B2`
    /// ranked, `US8799651` judged, or the reverse) takes the judged one;
    /// hits whose identity is `exclude` are left out.
    fn ranking(
        &self,
        hits: Vec<Retrieved>,
        judgments: Option<&Judgments>,
        exclude: Option<String>,
    ) -> Vec<Retrieved> {
        let mut judged: BTreeMap<String, &str> = BTreeMap::new();
        for doc in judgments.into_iter().flat_map(|j| j.keys()) {
            if let Some(identity) = (self.identity)(doc) {
                judged.entry(identity).or_insert(doc);
            }
        }
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            let identity = (self.identity)(&hit.doc);
            if exclude.is_some() && identity == exclude {
                continue;
            }
            let doc = if judgments.is_some_and(|j| j.contains_key(&hit.doc)) {
                hit.doc
            } else {
                match identity.as_deref().and_then(|i| judged.get(i)) {
                    Some(&spelling) => spelling.to_string(),
                    None => hit.doc,
                }
            };
            out.push(Retrieved {
                doc,
                score: hit.score,
            });
        }
        out
    }
}

/// Which judged topics were not asked (they score 0) and which asked
/// topics are not judged relevant anywhere (they are ranked, not counted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Topics with a relevant judgment and no query, in sorted order.
    pub unasked: Vec<String>,
    /// Topics asked without a relevant judgment, in the order asked.
    pub unjudged: Vec<String>,
}

impl Coverage {
    pub fn of(qrels: &Qrels, topics: &[Topic]) -> Self {
        let asked: BTreeSet<&str> = topics.iter().map(|t| t.id.as_str()).collect();
        Self {
            unasked: qrels
                .evaluable_topics()
                .filter(|t| !asked.contains(t))
                .map(str::to_string)
                .collect(),
            unjudged: topics
                .iter()
                .filter(|t| qrels.num_relevant(&t.id) == 0)
                .map(|t| t.id.clone())
                .collect(),
        }
    }
}

/// A list for a message: its first ten items, then how many more.
pub fn abbreviated(list: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut text = list[..list.len().min(SHOWN)].join(", ");
    if list.len() > SHOWN {
        text.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    text
}

/// The hits of a first page: what a searcher sees without paging.
const FIRST_PAGE: usize = 10;

/// How many topics' first pages (10 hits) hold two relatives (family
/// members or near-duplicates): what showing one hit per family would
/// change. `relatives` gives a document's relatives, as ids of any
/// spelling; documents without an identity are not looked up.
pub fn pages_with_relatives_twice<E>(
    run: &Run,
    topics: &[Topic],
    identity: Identity,
    mut relatives: impl FnMut(&str) -> Result<Vec<String>, E>,
) -> Result<usize, E> {
    let mut pages = 0;
    for topic in topics {
        let page: Vec<(&str, String)> = run
            .ranking(&topic.id)
            .unwrap_or_default()
            .iter()
            .take(FIRST_PAGE)
            .filter_map(|r| identity(&r.doc).map(|i| (r.doc.as_str(), i)))
            .collect();
        let mut twice = false;
        for (doc, _) in &page {
            if relatives(doc)?
                .iter()
                .any(|r| identity(r).is_some_and(|i| page.iter().any(|(_, p)| *p == i)))
            {
                twice = true;
                break;
            }
        }
        pages += usize::from(twice);
    }
    Ok(pages)
}

/// Names of families of documents, for scoring one hit per family: each
/// family is named by the identity of its first member.
#[derive(Debug, Clone)]
pub struct FamilyNames {
    identity: Identity,
    /// Member identity -> its family's name.
    names: BTreeMap<String, String>,
}

impl FamilyNames {
    /// `families`: the members of each family of more than one document,
    /// in a fixed order; a document in two lists takes the later's name.
    pub fn new<F, D>(families: F, identity: Identity) -> Self
    where
        F: IntoIterator<Item = D>,
        D: IntoIterator,
        D::Item: AsRef<str>,
    {
        let mut names = BTreeMap::new();
        for family in families {
            let members: Vec<String> = family
                .into_iter()
                .filter_map(|m| identity(m.as_ref()))
                .collect();
            let Some(first) = members.first() else {
                continue;
            };
            for member in &members {
                names.insert(member.clone(), first.clone());
            }
        }
        Self { identity, names }
    }

    /// The family a judged or ranked document stands for: its family's
    /// name, or its own identity when it has no relatives (the id itself
    /// when it has no identity).
    pub fn name(&self, doc: &str) -> String {
        match (self.identity)(doc) {
            Some(identity) => self.names.get(&identity).cloned().unwrap_or(identity),
            None => doc.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test ids: `US<digits>` with an optional kind (`B1`, `B2`, `A1`).
    fn kindless(doc: &str) -> Option<String> {
        let digits = doc.strip_prefix("US")?;
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        (end > 0).then(|| format!("US{}", &digits[..end]))
    }

    fn hits(docs: &[&str]) -> Vec<Retrieved> {
        docs.iter()
            .enumerate()
            .map(|(i, d)| Retrieved {
                doc: d.to_string(),
                score: 1.0 / (i + 1) as f64,
            })
            .collect()
    }

    fn topic(id: &str, text: &str) -> Topic {
        Topic {
            id: id.into(),
            text: text.into(),
        }
    }

    fn docs(run: &Run, topic: &str) -> Vec<String> {
        run.ranking(topic)
            .unwrap()
            .iter()
            .map(|r| r.doc.clone())
            .collect()
    }

    #[test]
    fn hits_take_the_judged_spelling_of_their_document() {
        let qrels = Qrels::from_judgments([("T", "US8799651", 2), ("T", "US1000002B2", 1)]);
        let runner = Runner::new(&qrels, kindless);
        let topics = [topic("T", "query"), topic("U", "unjudged")];
        let (run, failures) = runner
            .run("r", &topics, |t| {
                Ok::<_, ()>(Ok(hits(if t.id == "T" {
                    &["US8799651B2", "US1000002", "US5", "US8799651", "X"]
                } else {
                    &["US8799651B2"]
                })))
            })
            .unwrap();
        assert!(failures.is_empty());
        assert_eq!(
            docs(&run, "T"),
            ["US8799651", "US1000002B2", "US5", "US8799651", "X"]
        );
        assert_eq!(run.ranking("T").unwrap()[1].score, 0.5);
        assert_eq!(run.tag, "r");
        // Without judgments, the ids as the system gave them.
        assert_eq!(docs(&run, "U"), ["US8799651B2"]);
    }

    #[test]
    fn a_topic_document_is_left_out_of_its_own_ranking() {
        let qrels = Qrels::from_judgments([("US1", "US2", 1)]);
        let topics = [topic("US1", "US1")];
        let ask = |_: &Topic| Ok::<_, ()>(Ok(hits(&["US1B1", "US2", "US1B2"])));
        let (run, _) = Runner::new(&qrels, kindless)
            .topic_is_document()
            .run("r", &topics, ask)
            .unwrap();
        assert_eq!(docs(&run, "US1"), ["US2"]);
        // Search topics keep every hit.
        let (run, _) = Runner::new(&qrels, kindless)
            .run("r", &topics, ask)
            .unwrap();
        assert_eq!(docs(&run, "US1"), ["US1B1", "US2", "US1B2"]);
    }

    #[test]
    fn unanswered_topics_are_listed_and_errors_stop_the_run() {
        let qrels = Qrels::from_judgments([("A", "US1", 1)]);
        let runner = Runner::new(&qrels, kindless);
        let topics = [topic("A", "a"), topic("B", "b (")];
        let (run, failures) = runner
            .run("r", &topics, |t| {
                Ok::<_, ()>(if t.id == "B" {
                    Err("invalid query".to_string())
                } else {
                    Ok(hits(&["US1"]))
                })
            })
            .unwrap();
        assert_eq!(run.topics().collect::<Vec<_>>(), ["A"]);
        assert_eq!(
            failures,
            [Failure {
                topic: "B".into(),
                why: "invalid query".into()
            }]
        );
        let stopped = runner.run("r", &topics, |t| {
            if t.id == "A" {
                Err("broken")
            } else {
                panic!("asked after an error")
            }
        });
        assert_eq!(stopped.unwrap_err(), "broken");
    }

    #[test]
    fn coverage_names_unasked_and_unjudged_topics() {
        let qrels =
            Qrels::from_judgments([("A", "d", 1), ("B", "d", 2), ("C", "d", 0), ("D", "d", 1)]);
        let topics = [topic("Z", "z"), topic("A", "a"), topic("C", "c")];
        assert_eq!(
            Coverage::of(&qrels, &topics),
            Coverage {
                unasked: vec!["B".into(), "D".into()],
                unjudged: vec!["Z".into(), "C".into()],
            }
        );
    }

    #[test]
    fn long_lists_are_abbreviated_after_ten() {
        let list: Vec<String> = (1..=12).map(|i| format!("T{i}")).collect();
        assert_eq!(
            abbreviated(&list),
            "T1, T2, T3, T4, T5, T6, T7, T8, T9, T10 and 2 more"
        );
        assert_eq!(abbreviated(&list[..2]), "T1, T2");
        assert_eq!(abbreviated(&[]), "");
    }

    #[test]
    fn pages_holding_two_relatives_are_counted() {
        let mut run = Run::new("r");
        // T1: US1 and US2 are relatives, both on the first page. T2: US3's
        // relative US4 is past the first page. T3: no ranking.
        run.insert("T1", hits(&["US1B1", "X", "US2"]));
        let mut far = hits(&["US3"; 11]);
        far[0].doc = "US3".into();
        far[10].doc = "US4".into();
        run.insert("T2", far);
        let relatives = |doc: &str| -> Result<Vec<String>, ()> {
            Ok(match kindless(doc).as_deref() {
                Some("US1") => vec!["US2A1".into()],
                Some("US2") => vec!["US1".into()],
                Some("US3") => vec!["US4".into()],
                _ => Vec::new(),
            })
        };
        let topics = [topic("T1", ""), topic("T2", ""), topic("T3", "")];
        assert_eq!(
            pages_with_relatives_twice(&run, &topics, kindless, relatives),
            Ok(1)
        );
    }

    #[test]
    fn a_family_is_named_by_its_first_member() {
        let families = [vec!["US1B1", "US2B2", "junk"], vec!["junk", "US7", "US8B1"]];
        let names = FamilyNames::new(families, kindless);
        assert_eq!(names.name("US2"), "US1");
        assert_eq!(names.name("US1A1"), "US1");
        assert_eq!(names.name("US8"), "US7");
        // Alone: its own identity; without one: itself.
        assert_eq!(names.name("US9B2"), "US9");
        assert_eq!(names.name("junk"), "junk");
    }
}
