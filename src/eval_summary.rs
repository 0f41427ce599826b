//! `patsearch eval --task summary`: summaries scored against the patents' own
//! abstracts (ROUGE, as `rouge-score` computes it: `patsearch_eval::rouge`),
//! patsearch beside the LEAD and TextRank baselines on the same patents.
//!
//! Each patent is summarised from its description and claims with the
//! abstract withheld (removed from the record before any system sees it);
//! every system gives `--sentences` sentences, cut to `--words` words, one
//! sentence a line (what ROUGE-Lsum splits on). The reference is the
//! abstract, split into sentences the same way.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use anyhow::Context;
use patsearch_engine::{Engine, EngineOptions};
use patsearch_eval::summaries::{cut, in_half, quantile, sample_evenly, score_summaries};
use patsearch_eval::{Half, Rouge, SummaryScores};
use patsearch_record::PatentRecord;
use patsearch_summary::{
    invention_summary, key_facts, lead, split_sentences, textrank, SourceSentence,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{EvalArgs, HalfArg};
use crate::eval_cmd::usage;

/// The patents a summary is measured on: an abstract worth comparing with
/// and a description long enough to need summarising.
const MIN_ABSTRACT_CHARS: usize = 200;
const MIN_DESCRIPTION_CHARS: usize = 5_000;

const SYSTEMS: [&str; 3] = ["lead", "textrank", "patsearch"];

#[derive(Serialize)]
struct PatentScores {
    publication_number: String,
    summaries: Vec<SystemSummary>,
}

#[derive(Serialize)]
struct SystemSummary {
    system: &'static str,
    text: String,
    rouge_1: f64,
    rouge_2: f64,
    rouge_lsum: f64,
}

/// What one patent gave: scores per system (in [`SYSTEMS`] order), the
/// patsearch summary's time, and which key facts were found.
struct Outcome {
    scores: PatentScores,
    rouge: Vec<Rouge>,
    took: Duration,
    facts: [bool; 3],
}

pub fn eval(args: &EvalArgs) -> anyhow::Result<()> {
    if args.qrels.is_some() || args.queries.is_some() {
        return Err(usage(
            "--task summary scores against the patents' abstracts: it takes no --qrels or --queries",
        ));
    }
    let started = Instant::now();
    let engine = Engine::open(&args.index, EngineOptions::default())?;
    let mut numbers: Vec<String> = engine
        .keyword()
        .numbers()?
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    numbers.sort_unstable();
    if let Some(half) = args.half {
        let half = match half {
            HalfArg::A => Half::A,
            HalfArg::B => Half::B,
        };
        numbers.retain(|n| in_half(n, half));
    }
    let sentences = args.sentences as usize;
    let words = args.words as usize;
    let outcomes: Vec<anyhow::Result<Option<Outcome>>> = numbers
        .par_iter()
        .map(|n| {
            let number = n.parse().with_context(|| format!("stored number {n}"))?;
            let Some(record) = engine.get(&number)? else {
                return Ok(None);
            };
            Ok(eligible(&record).then(|| summarise(record, sentences, words)))
        })
        .collect();
    let mut eligible: Vec<Outcome> = Vec::new();
    for outcome in outcomes {
        if let Some(o) = outcome? {
            eligible.push(o);
        }
    }
    if let Some(sample) = args.sample {
        eligible = sample_evenly(eligible, sample);
    }
    if eligible.is_empty() {
        return Err(usage(format!(
            "no patent of {} has an abstract of at least {MIN_ABSTRACT_CHARS} characters and a description of at least {MIN_DESCRIPTION_CHARS}: nothing to evaluate",
            args.index.display()
        )));
    }
    eprintln!(
        "index {}: {} documents, {} summarised{} ({sentences} sentences cut to {words} words; {:.1} s)",
        args.index.display(),
        engine.num_docs(),
        eligible.len(),
        match args.half {
            Some(HalfArg::A) => " (half a)",
            Some(HalfArg::B) => " (half b)",
            None => "",
        },
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.summaries_out {
        let mut out = BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        for o in &eligible {
            serde_json::to_writer(&mut out, &o.scores)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
    }
    let mut scores = SummaryScores::new(&SYSTEMS);
    for o in &eligible {
        scores.push(o.rouge.clone());
    }
    print!("{}", scores.table(args.markdown));
    println!("patents: {}", scores.len());
    // patsearch against TextRank.
    print!("{}", scores.comparison(2, 1));
    print_facts_and_latency(&eligible);
    Ok(())
}

fn eligible(record: &PatentRecord) -> bool {
    let description: usize = record.description.iter().map(|p| p.text.len()).sum();
    record.abstract_text.chars().count() >= MIN_ABSTRACT_CHARS
        && description >= MIN_DESCRIPTION_CHARS
}

fn summarise(mut record: PatentRecord, sentences: usize, words: usize) -> Outcome {
    let reference = split_sentences(&record.abstract_text)
        .iter()
        .map(|s| s.text(&record.abstract_text).trim())
        .collect::<Vec<_>>()
        .join("\n");
    record.abstract_text.clear();
    let texts = |chosen: Vec<SourceSentence>| cut(chosen.iter().map(|s| &s.text), words);
    let started = Instant::now();
    let ours: Vec<SourceSentence> = invention_summary(&record, sentences)
        .sentences
        .into_iter()
        .map(|s| s.sentence)
        .collect();
    let took = started.elapsed();
    let facts = key_facts(&record);
    let facts = [
        facts.problem.is_some(),
        facts.solution.is_some(),
        facts.effect.is_some(),
    ];
    let outputs = [
        texts(lead(&record, sentences)),
        texts(textrank(&record, sentences)),
        texts(ours),
    ];
    let rouge = score_summaries(&reference, &outputs);
    let summaries = SYSTEMS
        .iter()
        .zip(outputs)
        .zip(&rouge)
        .map(|((&system, text), r)| SystemSummary {
            system,
            text,
            rouge_1: r.rouge1.f1,
            rouge_2: r.rouge2.f1,
            rouge_lsum: r.rouge_lsum.f1,
        })
        .collect();
    Outcome {
        scores: PatentScores {
            publication_number: record.publication_number.to_string(),
            summaries,
        },
        rouge,
        took,
        facts,
    }
}

fn print_facts_and_latency(outcomes: &[Outcome]) {
    let n = outcomes.len() as f64;
    let share = |i: usize| 100.0 * outcomes.iter().filter(|o| o.facts[i]).count() as f64 / n;
    println!(
        "key facts found (abstract withheld): problem {:.1}%, solution {:.1}%, effect {:.1}%",
        share(0),
        share(1),
        share(2)
    );
    let mut took: Vec<Duration> = outcomes.iter().map(|o| o.took).collect();
    took.sort_unstable();
    let at = |q: f64| quantile(&took, q).as_secs_f64() * 1e3;
    println!(
        "patsearch summary time (text only, {} patents): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        took.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}
