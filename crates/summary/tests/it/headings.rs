//! Key facts, candidates and selection on a real description with headings:
//! US6837151B2 (convertible rotisserie/kebab cooking device), from
//! `../shared/data/patents/uspto-patentsview-db-fixtures/ipgxml/ipg050104.small.xml`,
//! paragraphs 00002 – 00013 and claim 1 quoted verbatim as the ingest crate
//! reads them.

use patsearch_record::{Claim, Paragraph, PatentRecord};
use patsearch_summary::{
    description_parts, first_independent_claim, key_facts, mmr_select, solution,
    summary_candidates, technical_problem, CandidateOptions, Detection, Part, Section,
    DEFAULT_LAMBDA,
};

fn rotisserie() -> PatentRecord {
    let mut r = PatentRecord::new("US6837151B2".parse().unwrap());
    r.title = "Convertible rotisserie/kebab cooking device".into();
    r.abstract_text = "The present invention provides a cooking device that is convertible between a rotisserie cooking device and a kebab cooking device, folds up for compact storage, uses the heat element and enclosure of a conventional oven, and is inexpensive to manufacture.".into();
    let paragraphs: &[(&str, &str, &str)] = &[
        ("00002", "TECHNICAL FIELD", "The present invention relates to a cooking device and, more particularly, to a cooking device that is convertible for use as both a rotisserie and a kebab cooking device in a conventional oven."),
        ("00003", "BACKGROUND OF THE INVENTION", "Rotisserie ovens are popular for roasting chickens and the like because the slow, even turning of the chicken results in a tender and juicy bird with a crispy skin on every side. However, rotisserie ovens typically are self-contained such that the oven includes its own heat source and enclosure. Accordingly, these ovens are generally bulky to store and expensive to purchase. For these reasons, rotisserie ovens typically are used only in commercial establishments or as a luxury item in residential households having the needed storage space and income to purchase such one-time use items."),
        ("00004", "BACKGROUND OF THE INVENTION", "Accordingly, there is a need for a rotisserie cooking device that is easy to store and inexpensive to manufacture. Moreover, there is a need for a rotisserie device that may be used for other cooking functions so that the initial purchase of the device may be justified as a non-luxury cooking item."),
        ("00005", "SUMMARY OF THE INVENTION", "An object of the present invention, therefore, is to provide a rotisserie cooking device that is easy to store."),
        ("00006", "SUMMARY OF THE INVENTION", "A further object of the present invention is to provide a rotisserie cooking device that is inexpensive to manufacture."),
        ("00007", "SUMMARY OF THE INVENTION", "Another object of the present invention is to provide a rotisserie cooking device that may be used for other cooking functions."),
        ("00008", "SUMMARY OF THE INVENTION", "The present invention provides a cooking device that is convertible between a rotisserie cooking device and a kebab cooking device, folds up for compact storage, uses the heat element and enclosure of a conventional oven, and is inexpensive to manufacture."),
        ("00009", "BRIEF DESCRIPTION OF THE DRAWINGS", "FIG. 1 is an isometric view of the cooking device of the present invention in the rotisserie cooking configuration;"),
        ("00010", "BRIEF DESCRIPTION OF THE DRAWINGS", "FIG. 2 is a second isometric view of the cooking device of FIG. 1;"),
        ("00011", "BRIEF DESCRIPTION OF THE DRAWINGS", "FIG. 3 is a detailed view of the rotisserie locking device;"),
        ("00012", "BRIEF DESCRIPTION OF THE DRAWINGS", "FIG. 4 is a detailed view of the rotisserie turning device;"),
        ("00013", "BRIEF DESCRIPTION OF THE DRAWINGS", "FIG. 5 an isometric view of the cooking device of the present invention in the kebab cooking configuration;"),
    ];
    r.description = paragraphs
        .iter()
        .map(|(n, h, t)| Paragraph {
            number: Some(n.to_string()),
            heading: Some(h.to_string()),
            text: t.to_string(),
        })
        .collect();
    r.claims = vec![Claim {
        number: 1,
        text: "A cooking device comprising: a first base portion; a second base portion movably connected to said first base portion; said first base portion and said second base portion being adapted for relative movement with respect to each other between a rotisserie cooking configuration and a kebab cooking configuration; and a rotisserie skewer and a kebab skewer; wherein in said rotisserie cooking configuration said rotisserie skewer is positioned above a support surface by a first distance, wherein in said kebab cooking configuration said kebab skewer is positioned above a support surface by a second distance, and wherein said first distance is greater than said second distance.".into(),
        depends_on: vec![],
    }];
    r
}

fn texts(sentences: &[patsearch_summary::SourceSentence]) -> Vec<&str> {
    sentences.iter().map(|s| s.text.as_str()).collect()
}

#[test]
fn parts_from_headings() {
    let r = rotisserie();
    let parts = description_parts(&r.description);
    assert_eq!(parts.detection, Some(Detection::Headings));
    use Part::*;
    let expected = [
        Field, Background, Background, Summary, Summary, Summary, Summary, Drawings, Drawings,
        Drawings, Drawings, Drawings,
    ];
    assert_eq!(parts.parts, expected.map(Some).to_vec());
}

#[test]
fn problem_and_solution_as_stated() {
    let r = rotisserie();
    let problem = technical_problem(&r).unwrap();
    assert_eq!(problem.detection, Detection::Headings);
    assert_eq!(
        texts(&problem.sentences),
        vec![
            "Accordingly, there is a need for a rotisserie cooking device that is easy to store and inexpensive to manufacture.",
            "Moreover, there is a need for a rotisserie device that may be used for other cooking functions so that the initial purchase of the device may be justified as a non-luxury cooking item."
        ]
    );
    assert!(problem
        .sentences
        .iter()
        .all(|s| s.paragraph == "00004" && s.index == 2));
    let solution_ = solution(&r).unwrap();
    assert_eq!(
        texts(&solution_.sentences),
        vec!["The present invention provides a cooking device that is convertible between a rotisserie cooking device and a kebab cooking device, folds up for compact storage, uses the heat element and enclosure of a conventional oven, and is inexpensive to manufacture."]
    );
    assert_eq!(solution_.sentences[0].paragraph, "00008");
    assert_eq!(first_independent_claim(&r).unwrap().number, 1);
    let facts = key_facts(&r);
    assert_eq!(facts.problem, Some(problem));
    assert_eq!(facts.solution, Some(solution_));
}

#[test]
fn candidates_leave_out_the_figure_list() {
    let r = rotisserie();
    let options = CandidateOptions {
        max_tokens: usize::MAX,
        ..CandidateOptions::default()
    };
    let c = summary_candidates(&r, &options);
    assert!(c.iter().all(|s| s.part != Some(Part::Drawings)));
    assert!(!c.iter().any(|s| s.text.starts_with("FIG.")));
    assert_eq!(c[0].section, Section::Abstract);
    assert!(c.iter().any(|s| s.part == Some(Part::Summary)));
    assert_eq!(c.last().unwrap().section, Section::Claims);
    // The claim (over 600 characters) comes in pieces cut after "; ".
    assert!(c.iter().filter(|s| s.section == Section::Claims).count() >= 2);
}

/// A bag-of-words stand-in for an embedding model: words hashed into 64
/// dimensions, L2-normalised.
fn embed(text: &str) -> Vec<f32> {
    let mut v = vec![0.0f32; 64];
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
    {
        let h = w
            .to_lowercase()
            .bytes()
            .fold(1469598103934665603u64, |h, b| {
                (h ^ b as u64).wrapping_mul(1099511628211)
            });
        v[(h % 64) as usize] += 1.0;
    }
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
    v.iter().map(|x| x / n).collect()
}

#[test]
fn selection_over_candidates() {
    let r = rotisserie();
    let options = CandidateOptions {
        max_tokens: usize::MAX,
        ..CandidateOptions::default()
    };
    let c = summary_candidates(&r, &options);
    let vectors: Vec<Vec<f32>> = c.iter().map(|s| embed(&s.text)).collect();
    let query = embed("kebab skewer support surface distance");
    let picked = mmr_select(&vectors, Some(&query), 3, DEFAULT_LAMBDA);
    assert_eq!(picked.len(), 3);
    // The first pick is the candidate most similar to the query.
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let best = (0..c.len())
        .max_by(|&a, &b| {
            dot(&vectors[a], &query)
                .total_cmp(&dot(&vectors[b], &query))
                .then(b.cmp(&a))
        })
        .unwrap();
    assert_eq!(picked[0], best);
    assert!(c[picked[0]].text.contains("kebab"));
    // Without a query: document order, no duplicates.
    let generic = mmr_select(&vectors, None, 4, DEFAULT_LAMBDA);
    assert_eq!(generic.len(), 4);
    assert!(generic.windows(2).all(|w| w[0] < w[1]));
}
