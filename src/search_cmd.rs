//! `patsearch search` and `patsearch delete`.

use std::process::ExitCode;

use anyhow::Context;
use patsearch_embed::EmbedOptions;
use std::io::Write;

use patsearch_engine::{
    Engine, EngineError, EngineOptions, Hit, Indexer, IndexerOptions, Ranking, SearchMode,
    SearchRequest, SearchResults, FETCH_HINT,
};
use patsearch_keyword::{KeywordConfig, KeywordError};
use patsearch_record::error_kind::{ErrorClass, ErrorKind};
use patsearch_record::{Cancellation, PublicationNumber};
use patsearch_server::{rows_of, ExportEncoder, ExportFormat};

use crate::cli::{DeleteArgs, SearchArgs};

pub fn search(args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let mut engine = Engine::open(
        &args.index,
        EngineOptions {
            keyword: KeywordConfig {
                default_and: args.all_words,
                ..KeywordConfig::default()
            },
            candidates: args.candidates,
            ..EngineOptions::default()
        },
    )?;
    let mode = match args.mode {
        Some(mode) => mode.into(),
        None if engine.has_vectors() => SearchMode::Hybrid,
        None => SearchMode::Keyword,
    };
    // The model is loaded only when the query is to be embedded (and can
    // be: without vectors the search says so itself).
    if mode != SearchMode::Keyword && engine.has_vectors() {
        let dir = crate::cli::model_dir(args.model.as_deref());
        if !dir.is_dir() {
            anyhow::bail!(
                "{mode} search embeds the query with the model the index was built with ({}), and it is not at {}: {FETCH_HINT}; or search with --mode keyword",
                engine.model().unwrap_or_default(),
                dir.display()
            );
        }
        engine
            .load_model(&dir, EmbedOptions::default())
            .with_context(|| format!("cannot use the embedding model {}", dir.display()))?;
    }
    let request = SearchRequest {
        query: args.query.clone(),
        mode,
        filters: args.filters.to_filters(),
        limit: args.limit,
        offset: args.offset,
        fusion: args.fusion(),
        snippets: true,
        facets: args.facets,
        collapse: !args.no_collapse,
        detect_language: !args.no_language_detection,
        ..SearchRequest::default()
    };
    if let Some(format) = args.format {
        return match engine.ranking(&request) {
            Ok(ranking) => {
                write_rows(&engine, &ranking, format.into(), &args.link_base)?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => search_error(e, &args.query, mode),
        };
    }
    let results = match engine.search(&request) {
        Ok(results) => results,
        Err(e) => return search_error(e, &args.query, mode),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(ExitCode::SUCCESS);
    }
    print_results(&results, request.collapse)?;
    Ok(ExitCode::SUCCESS)
}

/// The hits of a ranking as rows of an export file on stdout, read and
/// written a batch at a time.
fn write_rows(
    engine: &Engine,
    ranking: &Ranking,
    format: ExportFormat,
    link_base: &str,
) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut encoder = ExportEncoder::new(format);
    encoder.header();
    let base = link_base.trim_end_matches('/');
    for batch in ranking.ranked.chunks(100) {
        for row in rows_of(engine, batch, base, &Cancellation::never())? {
            encoder.row(&row);
        }
        out.write_all(&encoder.take())?;
    }
    out.write_all(&encoder.take())?;
    out.flush()?;
    Ok(())
}

/// A search's error as the command line reports it: what the user can fix
/// exits 2 with the message, anything else is an error of the command.
fn search_error(error: EngineError, query: &str, mode: SearchMode) -> anyhow::Result<ExitCode> {
    let kind = error.kind();
    match error {
        EngineError::Keyword(KeywordError::Query(e)) => {
            eprintln!("error: invalid query: {}", e.message);
            eprintln!("  {query}");
            let caret: String = query
                .chars()
                .take(e.position)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            eprintln!("  {caret}^ at character {}", e.position + 1);
            if mode == SearchMode::Hybrid {
                eprintln!("  (hybrid search reads the query as keyword syntax too; --mode semantic does not)");
            }
            Ok(ExitCode::from(crate::exit_status(kind)))
        }
        EngineError::Keyword(KeywordError::Filter(e)) => {
            eprintln!("error: invalid filter: {e}");
            Ok(ExitCode::from(crate::exit_status(kind)))
        }
        e if kind == ErrorKind::InvalidInput || kind == ErrorKind::NotFound => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(crate::exit_status(kind)))
        }
        e => Err(e.into()),
    }
}

fn print_results(results: &SearchResults, collapsed: bool) -> anyhow::Result<()> {
    let what = if collapsed {
        "families (one hit each)"
    } else {
        "documents"
    };
    match results.mode {
        SearchMode::Keyword => println!("{} matching {what}", results.total),
        mode => println!(
            "{} {what} ranked ({mode} search, {:.0} ms)",
            results.total,
            results.took.as_secs_f64() * 1e3
        ),
    }
    if let Some(note) = &results.note {
        println!("note: {note}");
    }
    for hit in &results.hits {
        println!(
            "\n{:>3}. {}  {}  (score {})",
            hit.rank,
            hit.publication_number,
            hit.title,
            format_score(results.mode, hit.score)
        );
        if !hit.gist.is_empty() {
            println!("     {}", hit.gist);
        }
        if results.mode != SearchMode::Keyword {
            println!("     {}", components(hit));
        }
        if !hit.family.is_empty() {
            let unlisted = hit.family_size - 1 - hit.family.len();
            println!(
                "     family of {}: also {}{}",
                hit.family_size,
                hit.family.join(", "),
                if unlisted > 0 {
                    format!(" and {unlisted} more")
                } else {
                    String::new()
                }
            );
        }
        // In semantic mode the matched passage says more than the query's
        // words highlighted (the JSON has both).
        if let Some(snippet) = &hit.snippet {
            if results.mode != SearchMode::Semantic {
                println!(
                    "     [{}] {}",
                    serde_json::to_value(snippet.field)?.as_str().unwrap_or(""),
                    highlight_terminal(&snippet.text, &snippet.highlights)
                );
            }
        }
        if let Some(text) = hit.semantic.as_ref().and_then(|s| s.text.as_deref()) {
            let label = &hit.semantic.as_ref().expect("semantic").label;
            println!("     matched {label}: {text}");
        }
    }
    if let Some(facets) = &results.facets {
        let over = match results.mode {
            SearchMode::Keyword => "top hits by keyword score",
            SearchMode::Semantic | SearchMode::Hybrid => "ranked hits",
        };
        println!("\nfacets of the {} {over}:", facets.counted);
        for (name, counts) in [
            ("CPC subclass", &facets.cpc_subclass),
            ("assignee", &facets.assignee),
            ("country", &facets.country),
            ("kind", &facets.kind),
            ("publication year", &facets.year),
            ("filing year", &facets.filing_year),
        ] {
            if counts.is_empty() {
                continue;
            }
            let list: Vec<String> = counts
                .iter()
                .map(|c| format!("{} ({})", c.value, c.count))
                .collect();
            println!("{name}: {}", list.join(", "));
        }
    }
    Ok(())
}

fn format_score(mode: SearchMode, score: f64) -> String {
    match mode {
        SearchMode::Keyword => format!("{score:.2}"),
        SearchMode::Semantic => format!("{score:.3}"),
        SearchMode::Hybrid => format!("{score:.4}"),
    }
}

/// `keyword #3 (BM25 12.41) · semantic #1 (cosine 0.612, claim 1)`.
fn components(hit: &Hit) -> String {
    let keyword = match &hit.keyword {
        Some(k) => format!("keyword #{} (BM25 {:.2})", k.rank, k.score),
        None => "keyword: not in the top candidates".to_string(),
    };
    let semantic = match &hit.semantic {
        Some(s) => format!("semantic #{} (cosine {:.3}, {})", s.rank, s.score, s.label),
        None => "semantic: not in the top candidates".to_string(),
    };
    format!("{keyword} · {semantic}")
}

/// Marks highlights with `**` so they show in any terminal.
fn highlight_terminal(text: &str, highlights: &[(usize, usize)]) -> String {
    let mut out = String::new();
    let mut last = 0;
    for &(s, e) in highlights {
        if s < last || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        out.push_str(&text[last..s]);
        out.push_str("**");
        out.push_str(&text[s..e]);
        out.push_str("**");
        last = e;
    }
    out.push_str(&text[last..]);
    out
}

pub fn delete(args: &DeleteArgs) -> anyhow::Result<ExitCode> {
    let numbers: Vec<PublicationNumber> = args
        .numbers
        .iter()
        .map(|n| {
            n.parse()
                .with_context(|| format!("`{n}` is not a publication number"))
        })
        .collect::<anyhow::Result<_>>()?;
    // No model needed: deleting removes vectors, it computes none.
    let mut indexer = Indexer::open(
        &args.index,
        IndexerOptions {
            writer_memory_bytes: 64 * 1024 * 1024,
            ..IndexerOptions::default()
        },
    )?;
    let mut missing = 0;
    for number in &numbers {
        if !indexer.delete(number)? {
            eprintln!("not in the index: {number}");
            missing += 1;
        }
    }
    indexer.finish()?;
    eprintln!(
        "deleted {} of {} publications",
        numbers.len() - missing,
        numbers.len()
    );
    Ok(if missing > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
