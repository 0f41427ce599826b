//! `patsearch prior-art`: prior art for a claim, a description or a patent
//! of the index, each document with its element-by-element chart.

use std::process::ExitCode;

use anyhow::Context;
use patsearch_embed::EmbedOptions;
use patsearch_engine::{
    Engine, EngineOptions, PriorArtRequest, PriorArtResults, Split, FETCH_HINT,
};
use patsearch_record::error_kind::{ErrorClass, ErrorKind};
use patsearch_record::PublicationNumber;

use crate::cli::PriorArtArgs;

/// Characters of a passage shown for an element.
const SHOWN_CHARS: usize = 160;

pub fn run(args: &PriorArtArgs) -> anyhow::Result<ExitCode> {
    let mut engine = Engine::open(&args.index, EngineOptions::default())?;
    if !engine.has_vectors() {
        eprintln!(
            "error: {} has no vector index (it was built with --no-embed): prior-art search needs one; build the index again with an embedding model",
            args.index.display()
        );
        return Ok(ExitCode::from(2));
    }
    let dir = crate::cli::model_dir(args.model.as_deref());
    if !dir.is_dir() {
        anyhow::bail!(
            "prior-art search embeds the claim's elements with the model the index was built with ({}), and it is not at {}: {FETCH_HINT}",
            engine.model().unwrap_or_default(),
            dir.display()
        );
    }
    engine
        .load_model(&dir, EmbedOptions::default())
        .with_context(|| format!("cannot use the embedding model {}", dir.display()))?;
    let mut request = PriorArtRequest {
        before: args.before,
        date_field: args.date_field.into(),
        filters: args.filters.to_filters(),
        limit: args.limit,
        split: args.split.into(),
        ..PriorArtRequest::default()
    };
    let outcome = if let Some(number) = &args.patent {
        let number: PublicationNumber = match number.parse() {
            Ok(n) => n,
            Err(e) => {
                eprintln!("error: `{number}` is not a publication number: {e}");
                return Ok(ExitCode::from(2));
            }
        };
        engine.prior_art_of(&number, &request)
    } else {
        request.text = match (&args.text, &args.file) {
            (Some(text), _) => text.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?,
            (None, None) => unreachable!("clap requires --text, --file or --patent"),
        };
        engine.prior_art(&request)
    };
    let results = match outcome {
        Ok(results) => results,
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::NotFound) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(crate::exit_status(e.kind())));
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        print_results(&results);
    }
    Ok(ExitCode::SUCCESS)
}

fn shorten(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(SHOWN_CHARS) {
        None => text,
        Some((end, _)) => format!("{}…", text[..end].trim_end()),
    }
}

fn print_results(results: &PriorArtResults) {
    if let Some(source) = &results.source {
        println!(
            "Prior art for {} of {}, itself excluded",
            source.basis, source.publication_number
        );
    }
    match &results.cutoff {
        Some(c) => println!("Cut-off: {} date before {}", c.date_field, c.before),
        None => println!("Cut-off: none"),
    }
    let how = match results.split {
        Split::Claim => "claim elements",
        Split::Sentences => "sentences",
    };
    println!("\nSearched {} {how}:", results.elements.len());
    for e in &results.elements {
        println!("  [{}] {}", e.label, e.text);
    }
    if results.elements_dropped > 0 {
        println!(
            "  ({} more not searched: only the first {} are)",
            results.elements_dropped,
            results.elements.len()
        );
    }
    println!(
        "\n{} documents ranked ({:.0} ms); an element counts as covered at similarity {:.2} or more",
        results.total,
        results.took.as_secs_f64() * 1e3,
        results.threshold
    );
    for hit in &results.hits {
        println!(
            "\n{:>3}. {}  {}  (covers {} of {}, score {:.3})",
            hit.rank,
            hit.publication_number,
            hit.title,
            hit.covered,
            results.elements.len(),
            hit.score
        );
        let dates: Vec<String> = [
            ("priority", hit.priority_date),
            ("filed", hit.filing_date),
            ("published", hit.publication_date),
        ]
        .iter()
        .filter_map(|(name, d)| d.map(|d| format!("{name} {d}")))
        .collect();
        if !dates.is_empty() {
            println!("     {}", dates.join(" · "));
        }
        // A passage without a quote is shown once per document.
        let mut shown_passages = Vec::new();
        for m in &hit.mapping {
            let label = &results.elements[m.element].label;
            let mark = if m.covered { '+' } else { '-' };
            let shown = match (&m.quote, &m.text) {
                (Some(q), _) => {
                    format!(": \"{}\" (sentence {:.2})", shorten(&q.text), q.similarity)
                }
                (None, Some(t)) if !shown_passages.contains(&m.passage.kind) => {
                    shown_passages.push(m.passage.kind);
                    format!(": {}", shorten(t))
                }
                _ => String::new(),
            };
            println!(
                "     [{label}] {:.2} {mark} {}{shown}",
                m.similarity, m.label
            );
        }
    }
}
