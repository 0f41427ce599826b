//! The splitter, the candidates and the key facts on the first documents of
//! the shared benchmark corpus (`../shared/data/corpus/patents-2013.jsonl.zst`,
//! see its README). The corpus has no headings and its source stripped figure
//! numerals and most commas ("Ser. No. 12 361 268 filed on Jan. 28 2009",
//! "Referring to a computer system is shown"), which makes it a good test of
//! the cue-based paths.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use patsearch_record::{Paragraph, PatentRecord};
use patsearch_summary::{
    estimate_tokens, key_facts, solution, split_sentences, summary_candidates, technical_problem,
    CandidateOptions, Detection, Part, Section, SourceSentence,
};

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/corpus/patents-2013.jsonl.zst")
}

/// The first `n` records of the corpus, shaped as the ingest crate shapes its
/// flat JSONL (description paragraphs split at blank lines, no headings).
fn first_records(n: usize) -> Vec<PatentRecord> {
    let path = corpus_path();
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "this test reads the shared benchmark corpus {} and cannot open it ({e}); \
             put the shared data folder beside the project (see README.md)",
            path.display()
        )
    });
    let reader = BufReader::new(zstd::Decoder::new(file).expect("a zstd stream"));
    reader
        .lines()
        .take(n)
        .map(|line| {
            let line = line.expect("a line of the corpus");
            let v: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
            let number = v["publication_number"]
                .as_str()
                .unwrap()
                .parse()
                .expect("a publication number");
            let mut r = PatentRecord::new(number);
            r.title = v["title"].as_str().unwrap_or_default().to_string();
            r.abstract_text = v["abstract"].as_str().unwrap_or_default().to_string();
            r.description = v["description"]
                .as_str()
                .unwrap_or_default()
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Paragraph {
                    number: None,
                    heading: None,
                    text: p.to_string(),
                })
                .collect();
            r
        })
        .collect()
}

/// Tokens after which a sentence must never have been cut.
const NEVER_LAST: &[&str] = &[
    "FIG.", "FIGS.", "Fig.", "Figs.", "No.", "Nos.", "e.g.", "i.e.", "Pat.", "Ser.", "U.S.", "al.",
    "approx.", "Appl.", "Publ.", "vs.", "cf.", "Inc.", "Corp.", "Co.", "Ltd.", "Dr.", "Jan.",
    "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.",
];

#[test]
fn sentences_of_50_documents_are_verbatim_and_not_cut_at_abbreviations() {
    let records = first_records(50);
    assert_eq!(records.len(), 50);
    let mut total = 0;
    let mut bad = Vec::new();
    for r in &records {
        let sources = std::iter::once(r.abstract_text.as_str())
            .chain(r.description.iter().map(|p| p.text.as_str()));
        for source in sources {
            let spans = split_sentences(source);
            let mut previous_end = 0;
            for (k, span) in spans.iter().enumerate() {
                let text = span.text(source);
                total += 1;
                assert!(
                    span.start >= previous_end,
                    "spans overlap in {}",
                    r.publication_number
                );
                previous_end = span.end;
                assert!(!text.is_empty());
                assert_eq!(text, text.trim(), "untrimmed sentence");
                assert!(source.contains(text));
                // A cut we made: the sentence has a successor in the same paragraph.
                if k + 1 < spans.len() {
                    let last = text.split_whitespace().last().unwrap_or("");
                    if NEVER_LAST.contains(&last) {
                        bad.push(format!("{}: {text:?}", r.publication_number));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "sentences cut after an abbreviation:\n{}",
        bad.join("\n")
    );
    // Some 19,000 sentences; a broken splitter gives far fewer or far more.
    assert!((10_000..40_000).contains(&total), "{total} sentences");
}

fn source_of<'a>(r: &'a PatentRecord, s: &SourceSentence) -> &'a str {
    match s.section {
        Section::Abstract => &r.abstract_text,
        Section::Description => &r.description[s.index].text,
        Section::Claims => &r.claims[s.index].text,
    }
}

#[test]
fn candidates_of_50_documents() {
    let records = first_records(50);
    let roomy = CandidateOptions {
        max_tokens: 12_000,
        ..CandidateOptions::default()
    };
    // The roomy budget on a few documents only: debug builds are slow.
    for (i, r) in records.iter().enumerate() {
        let runs = if i < 5 { 2 } else { 1 };
        for options in [CandidateOptions::default(), roomy.clone()]
            .into_iter()
            .take(runs)
        {
            let candidates = summary_candidates(r, &options);
            assert!(
                !candidates.is_empty(),
                "{} has no candidates",
                r.publication_number
            );
            assert!(candidates.len() <= options.max_sentences);
            let tokens: usize = candidates.iter().map(|s| estimate_tokens(&s.text)).sum();
            assert!(tokens <= options.max_tokens || candidates.len() == 1);
            for s in &candidates {
                assert_eq!(s.range.text(source_of(r, s)), s.text);
                assert!(s.text.split_whitespace().count() >= options.min_words);
                assert!(s.text.chars().count() <= options.max_chars);
                assert!(!matches!(
                    s.part,
                    Some(Part::Administrative | Part::Drawings)
                ));
            }
            assert!(candidates.windows(2).all(|w| w[0].position < w[1].position));
        }
        // With the default budget the abstract comes first.
        let small = summary_candidates(r, &CandidateOptions::default());
        if !r.abstract_text.is_empty() {
            assert_eq!(small[0].section, Section::Abstract);
        }
    }
    // The roomy budget reaches well into the description of a long document.
    let long = records
        .iter()
        .max_by_key(|r| r.description.iter().map(|p| p.text.len()).sum::<usize>())
        .unwrap();
    let c = summary_candidates(long, &roomy);
    assert!(c.len() > 100, "{} candidates", c.len());
}

#[test]
fn key_facts_from_cues() {
    let records = first_records(60);
    // US8799651, the corpus's first document.
    let r = &records[0];
    assert_eq!(r.publication_number.to_string(), "US8799651");
    let problem = technical_problem(r).expect("a problem");
    assert_eq!(problem.detection, Detection::Cues);
    assert!(problem.sentences.iter().any(|s| s.text
        == "However a problem arises if a virus such as a Trojan horse or a worm infiltrates \
            the computer and accesses the stored data by the route of applications access."));
    let solution_ = solution(r).expect("a solution");
    assert!(solution_.sentences[0]
        .text
        .starts_with("According to a first aspect of the present invention there is provided a method for file access"));

    let (mut problems, mut solutions, mut effects) = (0, 0, 0);
    for r in &records {
        let facts = key_facts(r);
        problems += facts.problem.is_some() as usize;
        solutions += facts.solution.is_some() as usize;
        effects += facts.effect.is_some() as usize;
        for (fact, parts) in [
            (
                facts.problem,
                &[Part::Background, Part::Problem, Part::Summary][..],
            ),
            (facts.solution, &[Part::Summary][..]),
            (facts.effect, &[Part::Summary][..]),
        ] {
            let Some(fact) = fact else { continue };
            assert!(!fact.sentences.is_empty() && fact.sentences.len() <= 2);
            for s in &fact.sentences {
                assert_eq!(s.range.text(source_of(r, s)), s.text);
                // Facts outside the expected part come from cues over a
                // description whose parts are unknown (or, for an effect,
                // from the detailed description), never from a figure list.
                match s.part {
                    Some(part) if parts.contains(&part) => {}
                    part => {
                        assert_eq!(fact.detection, Detection::Cues, "{part:?}");
                        assert!(!matches!(part, Some(Part::Drawings | Part::Administrative)));
                    }
                }
            }
        }
    }
    eprintln!("of 60: {problems} problems, {solutions} solutions, {effects} effects");
    // Regression guards (measured: 54 problems, 59 solutions and 50
    // effects of 60).
    assert!(problems >= 50, "{problems} problems");
    assert!(solutions >= 50, "{solutions} solutions");
    assert!(effects >= 40, "{effects} effects");
}
