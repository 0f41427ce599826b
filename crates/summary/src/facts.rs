//! Key facts as the patent states them: the technical problem, the solution,
//! the first independent claim.
//!
//! Both facts are verbatim sentences of the description with their sources;
//! nothing is paraphrased. They come from the parts of the description
//! ([`crate::section`]): found by headings where the record has them, by cue
//! phrases where it has none (the benchmark corpus), and [`KeyFact::detection`]
//! says which.
//!
//! * **Problem:** a section that states the problem itself (`PROBLEMS TO BE
//!   SOLVED BY THE INVENTION`) gives its highest-scoring sentences; else the
//!   background's sentences scored by problem cues (`problem`, `drawback`,
//!   `disadvantage`, `need`, `difficult` count 2; `however`, `needed`,
//!   `limited`, `cannot`, `expensive` ... count 1; `not limited to` counts
//!   nothing), at
//!   least 2 points; else the summary's first `An object of the invention is
//!   ...` sentence, which states the problem as an aim. At most two sentences,
//!   the best first when choosing, returned in document order.
//! * **Solution:** among the summary's first twelve sentences, the first two
//!   with a solution cue (`provides`, `there is provided`, `is disclosed`,
//!   `according to` or `in accordance with` the invention, an aspect, an
//!   embodiment ... (not `according to Openwave Inc.`), `aspect`, `directed
//!   to`); else the
//!   first two stating an objective (`An object of the invention is to provide
//!   ...`, which says what the invention provides when nothing else does);
//!   else its first sentence.
//!
//! * **Effect:** the advantage the invention brings, by effect cues
//!   (`advantage`, `benefit`, `improve`, `effect` count 2; `allows`,
//!   `enables`, `reduces`, `prevents`, `thereby`, `efficient` ... count 1),
//!   at least 2 points and no problem cue of its own: the summary's best
//!   sentences, else the best of the description outside the background.
//!
//! Where the description has no headings and its parts cannot be told from
//! cues either (no summary opener in its first paragraphs), the problem is
//! the best problem-cue sentence of its leading quarter (what a background
//! would be), and the solution the first sentence anywhere that presents the
//! invention (`The present invention provides`, `In one embodiment`,
//! `According to an aspect`, `There is provided`, `... is disclosed`). A fact
//! is `None` only when no sentence states it so.

use std::sync::LazyLock;

use patsearch_record::{Claim, PatentRecord};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::candidates::{is_boilerplate, record_sentences, Section, SourceSentence};
use crate::extractive::presents_invention;
use crate::section::{description_parts, Detection, Part};

/// At most this many sentences per fact.
pub const MAX_FACT_SENTENCES: usize = 2;
/// How many of the summary's first sentences the solution is looked for in.
const SOLUTION_WINDOW: usize = 12;
/// Sentences shorter than this (in words) are never facts.
const MIN_WORDS: usize = 6;
/// The background score a sentence needs to be called the problem.
const MIN_PROBLEM_SCORE: u32 = 2;
/// The effect score a sentence needs to be called the effect.
const MIN_EFFECT_SCORE: u32 = 2;
/// At least this many leading sentences are read for a problem where the
/// description's parts are unknown.
const LEADING_SENTENCES: usize = 40;

/// A fact stated by the description, in its own sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFact {
    /// One or two verbatim sentences, in document order.
    pub sentences: Vec<SourceSentence>,
    /// Whether the section they come from was found by its heading or by cues.
    pub detection: Detection,
}

/// The technical problem, the solution, its effect and the first
/// independent claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFacts<'a> {
    pub problem: Option<KeyFact>,
    pub solution: Option<KeyFact>,
    pub effect: Option<KeyFact>,
    pub first_claim: Option<&'a Claim>,
}

/// All the key facts, reading the description's parts once.
pub fn key_facts(record: &PatentRecord) -> KeyFacts<'_> {
    let sentences = FactSentences::of(record);
    KeyFacts {
        problem: sentences.problem(),
        solution: sentences.solution(),
        effect: sentences.effect(),
        first_claim: first_independent_claim(record),
    }
}

/// The effect the description ascribes to the invention (see the module
/// documentation).
pub fn effect(record: &PatentRecord) -> Option<KeyFact> {
    FactSentences::of(record).effect()
}

/// The technical problem as the description states it (see the module
/// documentation); `None` when it has no background, problem or summary part,
/// or none of their sentences states a problem.
pub fn technical_problem(record: &PatentRecord) -> Option<KeyFact> {
    FactSentences::of(record).problem()
}

/// The solution as the summary states it (see the module documentation);
/// `None` when the description has no summary part.
pub fn solution(record: &PatentRecord) -> Option<KeyFact> {
    FactSentences::of(record).solution()
}

/// The first independent claim (see [`Claim::is_independent`]: not
/// cancelled, and depending on no other claim).
pub fn first_independent_claim(record: &PatentRecord) -> Option<&Claim> {
    independent_claims(record).next().map(|(_, c)| c)
}

/// The independent claims with their index in `record.claims`.
pub(crate) fn independent_claims(record: &PatentRecord) -> impl Iterator<Item = (usize, &Claim)> {
    record
        .claims
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_independent())
}

/// The description's sentences with their parts.
struct FactSentences {
    sentences: Vec<SourceSentence>,
    detection: Option<Detection>,
}

impl FactSentences {
    fn of(record: &PatentRecord) -> Self {
        let parts = description_parts(&record.description);
        let sentences = record_sentences(record, &parts, false)
            .into_iter()
            .filter(|s| {
                s.section == Section::Description
                    && !matches!(s.part, Some(Part::Administrative | Part::Drawings))
                    && s.text.split_whitespace().count() >= MIN_WORDS
                    && !is_boilerplate(&s.text)
            })
            .collect();
        Self {
            sentences,
            detection: parts.detection,
        }
    }

    fn in_part(&self, part: Part) -> impl Iterator<Item = &SourceSentence> {
        self.sentences.iter().filter(move |s| s.part == Some(part))
    }

    /// A fact from the description's parts, found as they were.
    fn fact(&self, sentences: Vec<SourceSentence>) -> Option<KeyFact> {
        key_fact(sentences, self.detection.unwrap_or(Detection::Headings))
    }

    /// A fact found by cues alone, outside the parts.
    fn fact_by_cues(&self, sentences: Vec<SourceSentence>) -> Option<KeyFact> {
        key_fact(sentences, Detection::Cues)
    }

    fn problem(&self) -> Option<KeyFact> {
        let stated: Vec<&SourceSentence> = self.in_part(Part::Problem).collect();
        if !stated.is_empty() {
            return self.fact(best_by(&stated, problem_score, 0));
        }
        let background: Vec<&SourceSentence> = self.in_part(Part::Background).collect();
        let best = best_by(&background, problem_score, MIN_PROBLEM_SCORE);
        if !best.is_empty() {
            return self.fact(best);
        }
        let aim = self
            .in_part(Part::Summary)
            .find(|s| states_objective(&s.text))
            .cloned();
        if aim.is_some() {
            return self.fact(aim.into_iter().collect());
        }
        let leading: Vec<&SourceSentence> = self
            .leading()
            .filter(|s| {
                !presents_invention(&s.text)
                    && !matches!(s.part, Some(Part::Summary | Part::Detailed))
            })
            .collect();
        let best = best_by(&leading, problem_score, MIN_PROBLEM_SCORE);
        if !best.is_empty() {
            return self.fact_by_cues(best);
        }
        if let Some(aim) = self.leading().find(|s| states_objective(&s.text)) {
            return self.fact_by_cues(vec![aim.clone()]);
        }
        // A weaker statement (one cue: `However, existing file systems do
        // not ...`) is still the background's best account of the problem.
        let weak: Vec<&SourceSentence> = if background.is_empty() {
            leading
        } else {
            background
        };
        let best: Vec<SourceSentence> = best_by(&weak, problem_score, 1)
            .into_iter()
            .take(1)
            .collect();
        self.fact_by_cues(best)
    }

    /// The first quarter of the sentences (at least 40): where a background
    /// and a summary stand.
    fn leading(&self) -> impl Iterator<Item = &SourceSentence> {
        let n = (self.sentences.len() / 4).max(LEADING_SENTENCES);
        self.sentences.iter().take(n)
    }

    fn effect(&self) -> Option<KeyFact> {
        let summary: Vec<&SourceSentence> = self.in_part(Part::Summary).collect();
        let best = best_by(&summary, effect_score, MIN_EFFECT_SCORE);
        if !best.is_empty() {
            return self.fact(best);
        }
        let rest: Vec<&SourceSentence> = self
            .sentences
            .iter()
            .filter(|s| !matches!(s.part, Some(Part::Background | Part::Problem | Part::Field)))
            .collect();
        self.fact_by_cues(best_by(&rest, effect_score, MIN_EFFECT_SCORE))
    }

    fn solution(&self) -> Option<KeyFact> {
        let summary: Vec<&SourceSentence> =
            self.in_part(Part::Summary).take(SOLUTION_WINDOW).collect();
        for cue in [has_solution_cue, states_objective] {
            let cued: Vec<SourceSentence> = summary
                .iter()
                .filter(|s| cue(&s.text))
                .take(MAX_FACT_SENTENCES)
                .map(|s| (*s).clone())
                .collect();
            if !cued.is_empty() {
                return self.fact(cued);
            }
        }
        if let Some(first) = summary.first() {
            return self.fact(vec![(*first).clone()]);
        }
        let presented: Vec<SourceSentence> = self
            .sentences
            .iter()
            .filter(|s| presents_invention(&s.text) || ACCORDING_TO.is_match(&s.text))
            .take(MAX_FACT_SENTENCES)
            .cloned()
            .collect();
        self.fact_by_cues(presented)
    }
}

/// `sentences` in document order; `None` when there are none.
fn key_fact(mut sentences: Vec<SourceSentence>, detection: Detection) -> Option<KeyFact> {
    if sentences.is_empty() {
        return None;
    }
    sentences.sort_by_key(|s| s.position);
    Some(KeyFact {
        sentences,
        detection,
    })
}

/// The [`MAX_FACT_SENTENCES`] best sentences by `score` (at least `min`),
/// earlier first among equals.
fn best_by(sentences: &[&SourceSentence], score: fn(&str) -> u32, min: u32) -> Vec<SourceSentence> {
    let mut scored: Vec<(u32, &SourceSentence)> = sentences
        .iter()
        .map(|s| (score(&s.text), *s))
        .filter(|(sc, _)| *sc >= min)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.position.cmp(&b.1.position)));
    scored
        .into_iter()
        .take(MAX_FACT_SENTENCES)
        .map(|(_, s)| s.clone())
        .collect()
}

/// Problem cues: a trailing `*` matches any word starting so.
#[rustfmt::skip]
const STRONG_PROBLEM_CUES: &[&str] = &[
    "problem*", "drawback*", "disadvantage*", "shortcoming*", "deficien*", "difficult*", "need",
    "needs", "challeng*", "limitation*", "inconvenien*", "defect*", "bottleneck*", "obstacle*",
    "desirable",
];
#[rustfmt::skip]
const WEAK_PROBLEM_CUES: &[&str] = &[
    "however", "needed", "limited", "cannot", "unable", "fail*", "suffer*", "expensive", "costly",
    "complex", "complicated", "inefficien*", "insufficien*", "undesirabl*", "lack*", "inaccura*",
    "unreliab*", "burdensome", "cumbersome", "impossible", "prone", "tedious",
    "not", "risk*", "vulnerab*", "waste*", "wasting", "slow", "consuming", "error*",
];

/// 2 points per strong problem cue, 1 per weak one (see the module docs).
pub fn problem_score(sentence: &str) -> u32 {
    let lower = sentence
        .to_lowercase()
        .replace("but are not limited to", "")
        .replace("but is not limited to", "")
        .replace("but not limited to", "")
        .replace("not limited to", "")
        .replace("not be limited", "");
    cue_points(&lower, STRONG_PROBLEM_CUES, WEAK_PROBLEM_CUES)
}

/// 2 points for each word of lower-cased `text` that a strong cue matches,
/// 1 for each a weak one matches.
fn cue_points(text: &str, strong: &[&str], weak: &[&str]) -> u32 {
    let mut score = 0;
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if strong.iter().any(|c| cue_matches(c, word)) {
            score += 2;
        } else if weak.iter().any(|c| cue_matches(c, word)) {
            score += 1;
        }
    }
    score
}

/// Effect cues: a trailing `*` matches any word starting so.
#[rustfmt::skip]
const STRONG_EFFECT_CUES: &[&str] = &[
    "advantage*", "benefit*", "improv*", "effect", "effects",
];
#[rustfmt::skip]
const WEAK_EFFECT_CUES: &[&str] = &[
    "allow*", "enabl*", "thereby", "reduc*", "eliminat*", "prevent*", "avoid*", "efficien*",
    "simplif*", "minimi*", "easier", "faster", "cheaper", "saving*", "superior", "robust*",
    "increas*", "enhanc*", "possible",
];

/// 2 points per strong effect cue, 1 per weak one; 0 for a sentence that
/// itself states a problem (2 problem points), as `However, this increases
/// the cost` is no effect.
pub fn effect_score(sentence: &str) -> u32 {
    if problem_score(sentence) >= MIN_PROBLEM_SCORE {
        return 0;
    }
    cue_points(
        &sentence.to_lowercase(),
        STRONG_EFFECT_CUES,
        WEAK_EFFECT_CUES,
    )
}

fn cue_matches(cue: &str, word: &str) -> bool {
    match cue.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == cue,
    }
}

fn states_objective(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    [
        "object of",
        "objects of",
        "objective of",
        "aim of",
        "purpose of",
    ]
    .iter()
    .any(|c| lower.contains(c))
}

/// `according to` / `in accordance with` and, within the next six words,
/// what the invention is called: `according to the present invention`,
/// `in accordance with one embodiment`, but not `according to Openwave Inc.`
/// or `according to the standard`.
static ACCORDING_TO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:according to|in accordance with)(?:\W+\w+){0,5}?\W+(?:invention|disclosure|aspects?|embodiments?|examples?|implementations?)\b").unwrap()
});

fn has_solution_cue(sentence: &str) -> bool {
    if ACCORDING_TO.is_match(sentence) {
        return true;
    }
    let lower = sentence.to_lowercase();
    [
        "provides",
        "there is provided",
        "are provided",
        "is provided a",
        " is provided.",
        "is disclosed",
        "are disclosed",
        "aspect",
        "directed to",
    ]
    .iter()
    .any(|c| lower.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use patsearch_record::Paragraph;

    fn record(paragraphs: &[(Option<&str>, &str)]) -> PatentRecord {
        let mut r = PatentRecord::new("US1234567B2".parse().unwrap());
        r.description = paragraphs
            .iter()
            .enumerate()
            .map(|(i, (h, t))| Paragraph {
                number: Some(format!("{:04}", i + 1)),
                heading: h.map(str::to_string),
                text: t.to_string(),
            })
            .collect();
        r
    }

    fn texts(f: &KeyFact) -> Vec<&str> {
        f.sentences.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn problem_and_solution_from_headings() {
        let r = record(&[
            (Some("BACKGROUND OF THE INVENTION"), "Gear pumps are widely used to move liquids in plants. However, gear pumps shear viscous fluids, which is a serious drawback for polymer melts. Pumps are made in many sizes for many uses."),
            (Some("BACKGROUND OF THE INVENTION"), "There is therefore a need for a pump that moves viscous fluids gently."),
            (Some("SUMMARY OF THE INVENTION"), "This Summary is provided to introduce a selection of concepts in a simplified form. The present invention provides a pump with a helical rotor. The rotor is driven by a motor at low speed. According to another aspect, a method of pumping is provided."),
            (Some("DETAILED DESCRIPTION"), "The rotor is made of hardened steel in one embodiment."),
        ]);
        let p = technical_problem(&r).unwrap();
        assert_eq!(p.detection, Detection::Headings);
        assert_eq!(
            texts(&p),
            vec![
                "However, gear pumps shear viscous fluids, which is a serious drawback for polymer melts.",
                "There is therefore a need for a pump that moves viscous fluids gently."
            ]
        );
        assert_eq!(p.sentences[1].paragraph, "0002");
        let s = solution(&r).unwrap();
        assert_eq!(
            texts(&s),
            vec![
                "The present invention provides a pump with a helical rotor.",
                "According to another aspect, a method of pumping is provided."
            ]
        );
        let facts = key_facts(&r);
        assert_eq!(facts.problem, Some(p));
        assert_eq!(facts.solution, Some(s));
    }

    #[test]
    fn problem_section_wins() {
        let r = record(&[
            (Some("BACKGROUND ART"), "Known screws loosen under vibration, which is a problem."),
            (Some("PROBLEMS TO BE SOLVED BY THE INVENTION"), "An object of the invention is to provide a screw that stays tight under vibration."),
            (Some("MEANS FOR SOLVING THE PROBLEMS"), "The screw according to the invention has a locking coating on its shank."),
        ]);
        assert_eq!(
            texts(&technical_problem(&r).unwrap()),
            vec!["An object of the invention is to provide a screw that stays tight under vibration."]
        );
        assert_eq!(
            texts(&solution(&r).unwrap()),
            vec!["The screw according to the invention has a locking coating on its shank."]
        );
    }

    #[test]
    fn absent_sections_give_none() {
        let r = record(&[
            (None, "The pump has a rotor made of hardened steel."),
            (None, "The rotor turns at a low speed in operation."),
        ]);
        assert_eq!(technical_problem(&r), None);
        assert_eq!(solution(&r), None);
        assert_eq!(technical_problem(&record(&[])), None);
    }

    #[test]
    fn background_without_problem_cues_falls_back_to_objective() {
        let r = record(&[
            (Some("BACKGROUND"), "Pumps are made in many sizes for many uses in plants."),
            (Some("SUMMARY"), "It is an object of the invention to move viscous fluids gently. The invention provides a helical pump for this purpose."),
        ]);
        assert_eq!(
            texts(&technical_problem(&r).unwrap()),
            vec!["It is an object of the invention to move viscous fluids gently."]
        );
    }

    #[test]
    fn solution_cues() {
        assert!(has_solution_cue(
            "The screw according to the invention has a locking coating."
        ));
        assert!(has_solution_cue(
            "In accordance with one embodiment of the present disclosure, a pump moves slurry."
        ));
        assert!(has_solution_cue(
            "According to a first aspect there is a pump."
        ));
        assert!(!has_solution_cue(
            "According to Openwave Inc. the network based system has an accuracy of 50 to 200 meters."
        ));
        assert!(!has_solution_cue(
            "The frames are sent in accordance with the standard."
        ));
    }

    #[test]
    fn effect_from_the_summary_and_without_headings() {
        let r = record(&[
            (Some("BACKGROUND"), "Gear pumps shear viscous fluids, which is a serious drawback for polymer melts."),
            (Some("SUMMARY"), "The present invention provides a pump with a helical rotor. Advantageously, the rotor moves the melt without shear, which improves the quality of the product."),
        ]);
        assert_eq!(
            texts(&effect(&r).unwrap()),
            vec!["Advantageously, the rotor moves the melt without shear, which improves the quality of the product."]
        );
        // No headings and no summary opener: the effect and the problem come
        // from cues, and say so.
        let r = record(&[
            (None, "Conventional gear pumps are difficult to clean, which is a problem in food plants."),
            (None, "The pump body is cast from stainless steel and polished on the inside."),
            (None, "The smooth bore thereby reduces cleaning time and allows the pump to be cleaned in place."),
        ]);
        let e = effect(&r).unwrap();
        assert_eq!(e.detection, Detection::Cues);
        assert_eq!(
            texts(&e),
            vec!["The smooth bore thereby reduces cleaning time and allows the pump to be cleaned in place."]
        );
        let p = technical_problem(&r).unwrap();
        assert_eq!(p.detection, Detection::Cues);
        assert!(texts(&p)[0].starts_with("Conventional gear pumps are difficult"));
        assert_eq!(
            effect_score("However, this increases the cost, a serious problem."),
            0
        );
        assert_eq!(effect_score("The pump is red."), 0);
    }

    #[test]
    fn scores() {
        assert_eq!(problem_score("The pump is red and shiny."), 0);
        assert_eq!(problem_score("A drawback is the cost."), 2);
        assert_eq!(problem_score("However, it is expensive."), 2);
        assert_eq!(
            problem_score("Examples include, but are not limited to, pumps."),
            0
        );
        assert_eq!(problem_score("The needle is thin."), 0);
    }

    #[test]
    fn first_independent_claim_skips_cancelled_and_dependent() {
        let mut r = record(&[]);
        let claim = |n: u32, t: &str, d: Vec<u32>| Claim {
            number: n,
            text: t.into(),
            depends_on: d,
        };
        r.claims = vec![
            claim(1, "(Cancelled)", vec![]),
            claim(2, "1-2. (canceled)", vec![]),
            claim(
                3,
                "The heater of claim 19, wherein the substrate is inorganic.",
                vec![],
            ),
            claim(
                4,
                "The heater of claim 4, wherein the ink is silver.",
                vec![3],
            ),
            claim(
                19,
                "A flexible heater suitable for embedding in a wearable, comprising: a substrate.",
                vec![],
            ),
        ];
        assert_eq!(first_independent_claim(&r).unwrap().number, 19);
        r.claims.truncate(2);
        assert_eq!(first_independent_claim(&r), None);
    }
}
