//! `patsearch summarize`: a grounded summary of a patent of an index, each
//! sentence with its source, and the key facts.

use std::process::ExitCode;

use anyhow::Context;
use patsearch_embed::EmbedOptions;
use patsearch_engine::{
    Engine, EngineError, EngineOptions, KeyFact, Section, SourceSentence, Summary, SummaryMethod,
    SummaryRequest, FETCH_HINT,
};
use patsearch_record::PublicationNumber;

use crate::cli::SummarizeArgs;

pub fn run(args: &SummarizeArgs) -> anyhow::Result<ExitCode> {
    let number: PublicationNumber = match args.number.parse() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: `{}` is not a publication number: {e}", args.number);
            return Ok(ExitCode::from(2));
        }
    };
    let mut engine = Engine::open(&args.index, EngineOptions::default())?;
    // The model picks the sentences; without it the summary is the lead
    // sentences, which a query cannot focus.
    let dir = crate::cli::model_dir(args.model.as_deref());
    if dir.is_dir() {
        engine
            .load_model(&dir, EmbedOptions::default())
            .with_context(|| format!("cannot use the embedding model {}", dir.display()))?;
    } else if args.query.is_some() {
        anyhow::bail!(
            "a summary focused on a query embeds the sentences with the model, and it is not at {}: {FETCH_HINT}",
            dir.display()
        );
    } else {
        eprintln!(
            "note: no embedding model at {} ({FETCH_HINT}): showing the lead sentences instead of the most central ones",
            dir.display()
        );
    }
    let request = SummaryRequest {
        sentences: args.sentences,
        query: args.query.clone(),
        ..SummaryRequest::default()
    };
    let summary = match engine.summarize(&number, &request) {
        Ok(summary) => summary,
        Err(e @ (EngineError::UnknownDocument(_) | EngineError::InvalidRequest(_))) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

/// `abstract`, `description ¶0012 (summary)`, `claim 1`.
pub fn source_label(s: &SourceSentence) -> String {
    match s.section {
        Section::Abstract => "abstract".to_string(),
        Section::Claims => format!("claim {}", s.paragraph),
        Section::Description => match s.part {
            Some(part) => format!(
                "description ¶{} ({})",
                s.paragraph,
                serde_json::to_value(part)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
            None => format!("description ¶{}", s.paragraph),
        },
    }
}

fn print_summary(summary: &Summary) {
    println!("{}  {}", summary.publication_number, summary.title);
    let how = match (summary.method, &summary.query) {
        (SummaryMethod::Mmr, Some(q)) => format!("most relevant to {q:?} first"),
        (SummaryMethod::Mmr, None) => "most central, in reading order".to_string(),
        (SummaryMethod::Invention, _) => {
            "what the invention is, from the description and claims, in reading order".to_string()
        }
        (SummaryMethod::Lead, _) => {
            "lead sentences of the abstract and claims: the description has nothing to quote"
                .to_string()
        }
    };
    println!(
        "\nSummary ({} of {} candidate sentences, {how}, {:.0} ms):",
        summary.sentences.len(),
        summary.candidates,
        summary.took.as_secs_f64() * 1e3
    );
    for (i, s) in summary.sentences.iter().enumerate() {
        println!(
            "{:>3}. [{}, bytes {}-{}] {}",
            i + 1,
            source_label(&s.source),
            s.source.range.start,
            s.source.range.end,
            s.source.text
        );
    }
    let facts = &summary.key_facts;
    print_fact("Technical problem", facts.problem.as_ref());
    print_fact("Solution", facts.solution.as_ref());
    match &facts.first_claim {
        Some(claim) => println!(
            "\nFirst independent claim (claim {}):\n  {}",
            claim.number, claim.text
        ),
        None => println!("\nFirst independent claim: none in the record"),
    }
    if !facts.cpc.is_empty() || !facts.ipc.is_empty() {
        println!();
    }
    if !facts.cpc.is_empty() {
        println!("CPC: {}", facts.cpc.join("; "));
    }
    if !facts.ipc.is_empty() {
        println!("IPC: {}", facts.ipc.join("; "));
    }
}

fn print_fact(name: &str, fact: Option<&KeyFact>) {
    match fact {
        Some(fact) => {
            let how = match fact.detection {
                patsearch_engine::Detection::Headings => "",
                patsearch_engine::Detection::Cues => " (section found by cue phrases)",
            };
            println!("\n{name}{how}:");
            for s in &fact.sentences {
                println!("  [{}] {}", source_label(s), s.text);
            }
        }
        None => println!("\n{name}: not stated in a background or summary section"),
    }
}
