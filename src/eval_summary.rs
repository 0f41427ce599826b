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
use patsearch_eval::rouge::{rouge_texts, RougeText};
use patsearch_eval::Rouge;
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
    if let Some(sample) = args.sample.filter(|&s| s > 0 && s < eligible.len()) {
        let step = eligible.len() as f64 / sample as f64;
        let keep: Vec<usize> = (0..sample).map(|i| (i as f64 * step) as usize).collect();
        let mut all: Vec<Option<Outcome>> = eligible.into_iter().map(Some).collect();
        eligible = keep.into_iter().filter_map(|i| all[i].take()).collect();
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
    print_table(&eligible, args.markdown);
    print_comparison(&eligible);
    print_facts_and_latency(&eligible);
    Ok(())
}

/// Half a holds the numbers whose FNV-1a hash is even: a split fixed by
/// the number alone, the same in every build (std's `DefaultHasher` may
/// change between Rust releases).
fn in_half(number: &str, half: HalfArg) -> bool {
    let hash = number.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash.is_multiple_of(2) == (half == HalfArg::A)
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
    let texts = |chosen: Vec<SourceSentence>| cut(&chosen, words);
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
    let reference = RougeText::new(&reference);
    let rouge: Vec<Rouge> = outputs
        .iter()
        .map(|t| rouge_texts(&reference, &RougeText::new(t)))
        .collect();
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

/// The sentences one a line, cut after `words` words.
fn cut(sentences: &[SourceSentence], words: usize) -> String {
    let mut left = words;
    let mut lines = Vec::new();
    for s in sentences {
        if left == 0 {
            break;
        }
        let line: Vec<&str> = s.text.split_whitespace().take(left).collect();
        left -= line.len();
        lines.push(line.join(" "));
    }
    lines.join("\n")
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

fn print_table(outcomes: &[Outcome], markdown: bool) {
    let rows: Vec<(&str, [f64; 3])> = SYSTEMS
        .iter()
        .enumerate()
        .map(|(i, &system)| {
            let of = |f: fn(&Rouge) -> f64| 100.0 * mean(outcomes.iter().map(|o| f(&o.rouge[i])));
            (
                system,
                [
                    of(|r| r.rouge1.f1),
                    of(|r| r.rouge2.f1),
                    of(|r| r.rouge_lsum.f1),
                ],
            )
        })
        .collect();
    if markdown {
        println!("| system | ROUGE-1 | ROUGE-2 | ROUGE-Lsum |");
        println!("|---|---|---|---|");
        for (system, [r1, r2, rl]) in &rows {
            println!("| {system} | {r1:.1} | {r2:.1} | {rl:.1} |");
        }
    } else {
        println!(
            "{:<10} {:>8} {:>8} {:>10}",
            "F1 x100", "ROUGE-1", "ROUGE-2", "ROUGE-Lsum"
        );
        for (system, [r1, r2, rl]) in &rows {
            println!("{system:<10} {r1:>8.2} {r2:>8.2} {rl:>10.2}");
        }
    }
    println!("patents: {}", outcomes.len());
}

/// patsearch against TextRank, patent by patent: the mean difference with
/// its 95% interval (normal approximation of the paired differences, fine
/// for hundreds of patents) and how often each is ahead.
fn print_comparison(outcomes: &[Outcome]) {
    let (ours, baseline) = (2, 1);
    for (name, f) in [
        ("ROUGE-1", (|r: &Rouge| r.rouge1.f1) as fn(&Rouge) -> f64),
        ("ROUGE-2", |r: &Rouge| r.rouge2.f1),
    ] {
        let diffs: Vec<f64> = outcomes
            .iter()
            .map(|o| 100.0 * (f(&o.rouge[ours]) - f(&o.rouge[baseline])))
            .collect();
        let n = diffs.len() as f64;
        let m = mean(diffs.iter().copied());
        let var = diffs.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / (n - 1.0).max(1.0);
        let half_width = 1.96 * (var / n).sqrt();
        let ahead = diffs.iter().filter(|&&d| d > 0.0).count();
        let behind = diffs.iter().filter(|&&d| d < 0.0).count();
        println!(
            "patsearch - textrank {name}: {m:+.2} (95% CI {:+.2} to {:+.2}); ahead on {ahead}, behind on {behind}",
            m - half_width,
            m + half_width
        );
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
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "patsearch summary time (text only, {} patents): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        took.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}
