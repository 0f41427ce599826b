//! `patsearch search` and `patsearch delete`.

use std::process::ExitCode;

use anyhow::Context;
use patsearch_keyword::{KeywordConfig, KeywordError, KeywordIndex, SearchRequest};
use patsearch_record::PublicationNumber;

use crate::cli::{DeleteArgs, SearchArgs};

pub fn search(args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let index = KeywordIndex::open(&args.index)?.with_config(KeywordConfig {
        default_and: args.all_words,
        ..KeywordConfig::default()
    });
    let filters = args.filters.to_filters();
    let request = SearchRequest {
        query: &args.query,
        filters: &filters,
        limit: args.limit,
        offset: args.offset,
        snippets: true,
        facets: args.facets,
    };
    let results = match index.search(&request) {
        Ok(results) => results,
        Err(KeywordError::Query(e)) => {
            eprintln!("error: invalid query: {}", e.message);
            eprintln!("  {}", args.query);
            let caret: String = args
                .query
                .chars()
                .take(e.position)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            eprintln!("  {caret}^ at character {}", e.position + 1);
            return Ok(ExitCode::from(2));
        }
        Err(KeywordError::Filter(e)) => {
            eprintln!("error: invalid filter: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{} matching documents", results.total);
    for hit in &results.hits {
        println!(
            "\n{:>3}. {}  {}  (score {:.2})",
            hit.rank, hit.publication_number, hit.title, hit.score
        );
        if let Some(snippet) = &hit.snippet {
            println!(
                "     [{}] {}",
                serde_json::to_value(snippet.field)?.as_str().unwrap_or(""),
                highlight_terminal(&snippet.text, &snippet.highlights)
            );
        }
    }
    if let Some(facets) = &results.facets {
        for (name, counts) in [
            ("CPC subclass", &facets.cpc_subclass),
            ("assignee", &facets.assignee),
            ("year", &facets.year),
        ] {
            if counts.is_empty() {
                continue;
            }
            let list: Vec<String> = counts
                .iter()
                .map(|c| format!("{} ({})", c.value, c.count))
                .collect();
            println!("\n{name}: {}", list.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
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
    let index = KeywordIndex::open(&args.index)?;
    let numbers: Vec<PublicationNumber> = args
        .numbers
        .iter()
        .map(|n| {
            n.parse()
                .with_context(|| format!("`{n}` is not a publication number"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut missing = 0;
    let mut writer = index.writer(64 * 1024 * 1024)?;
    for number in &numbers {
        if index.get(number)?.is_none() {
            eprintln!("not in the index: {number}");
            missing += 1;
        }
        writer.delete(number);
    }
    writer.finish()?;
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
