//! `scale-vectors`: gives a keyword-only index of the scale benchmarks a
//! vector side, one title-and-abstract vector per document, so that
//! semantic and hybrid search can be measured at a million documents. The
//! real corpus's records are embedded with the model; every other record
//! gets a structured vector around the real vector of the corpus patent
//! whose title it carries (`patsearch_scale_corpus::structured`), or is
//! embedded when no corpus patent has its title. The vectors are committed
//! paired with the keyword index, as an ingest with the model would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Parser;
use patsearch_embed::{EmbedOptions, Embedder};
use patsearch_engine::{commit_vectors_paired, passages, PassageOptions};
use patsearch_keyword::KeywordIndex;
use patsearch_manifest::IndexDir;
use patsearch_record::{FilterFields, PatentRecord, PublicationNumber};
use patsearch_scale_corpus::structured::{noisy_copy, DEFAULT_SIGMA};
use patsearch_scale_corpus::{read_records, shared_dir};
use patsearch_vectors::{Passage, PassageKind, VectorConfig, VectorIndex};
use rayon::prelude::*;

#[derive(Debug, Parser)]
#[command(name = "scale-vectors")]
struct Args {
    /// A keyword-only index made by benches/scale.sh or
    /// benches/scale-load.sh (their marker must be beside it).
    #[arg(long)]
    index: PathBuf,
    /// The embedding model directory.
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: PathBuf,
    /// The real corpus the index holds and the generator drew from.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Noise scale of the structured vectors.
    #[arg(long, default_value_t = DEFAULT_SIGMA)]
    sigma: f32,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scale-vectors: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// One document's vector-side entry.
struct Entry {
    number: PublicationNumber,
    fields: FilterFields,
    vector: Option<Vec<f32>>,
    /// Title and abstract as the model reads them, for a record that gets
    /// no structured vector.
    text: Option<String>,
}

fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let marker = PathBuf::from(format!("{}.created-by-scale-bench", args.index.display()));
    if !marker.is_file() {
        bail!(
            "{} has no {} beside it: scale-vectors only writes into an index the scale benchmarks created",
            args.index.display(),
            marker.display()
        );
    }
    let (_, manifest) = IndexDir::open(&args.index)?;
    if manifest.vectors.is_some() {
        bail!("{} has a vector index already", args.index.display());
    }
    let embedder = Embedder::load(&args.model, EmbedOptions::default())
        .with_context(|| format!("cannot load the model {}", args.model.display()))?;
    let corpus = args
        .corpus
        .clone()
        .unwrap_or_else(|| shared_dir().join("data/corpus/patents-2013.jsonl.zst"));
    let real = read_records(corpus.clone())
        .with_context(|| format!("cannot read {}", corpus.display()))?;
    // Every corpus record has a title (the generator's donors too).
    let real: Vec<(PatentRecord, String)> = real
        .into_iter()
        .filter_map(|r| passage_input(&embedder, &r).map(|text| (r, text)))
        .collect();
    let real_vectors = embed_all(&embedder, real.iter().map(|(_, text)| text.as_str()))?;
    let mut by_number: HashMap<&PublicationNumber, usize> = HashMap::new();
    let mut by_title: HashMap<&str, usize> = HashMap::new();
    for (i, (record, _)) in real.iter().enumerate() {
        by_number.insert(&record.publication_number, i);
        by_title.entry(record.title.trim()).or_insert(i);
    }
    eprintln!(
        "embedded the {} corpus records: {:.1} s",
        real.len(),
        started.elapsed().as_secs_f64()
    );

    let read_started = Instant::now();
    let keyword = KeywordIndex::open(&args.index)?;
    let numbers = keyword.numbers()?;
    let entries: Vec<Entry> = numbers
        .par_iter()
        .map(|number| -> anyhow::Result<Entry> {
            let record = keyword
                .get(number)?
                .with_context(|| format!("{number} is listed but not stored"))?;
            let fields = FilterFields::of(&record);
            if let Some(&i) = by_number.get(number) {
                return Ok(Entry {
                    number: number.clone(),
                    fields,
                    vector: Some(real_vectors[i].clone()),
                    text: None,
                });
            }
            let text = passage_input(&embedder, &record);
            let vector = match (by_title.get(record.title.trim()), &text) {
                (Some(&i), Some(text)) => {
                    Some(noisy_copy(&real_vectors[i], args.sigma, args.seed, text))
                }
                _ => None,
            };
            Ok(Entry {
                number: number.clone(),
                text: if vector.is_none() { text } else { None },
                fields,
                vector,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let of_corpus = entries
        .iter()
        .filter(|e| by_number.contains_key(&e.number))
        .count();
    let structured = entries.iter().filter(|e| e.vector.is_some()).count() - of_corpus;
    eprintln!(
        "read {} documents, {} structured vectors: {:.1} s",
        entries.len(),
        structured,
        read_started.elapsed().as_secs_f64()
    );

    let unmatched: Vec<(&PublicationNumber, &str)> = entries
        .iter()
        .filter_map(|e| match (&e.vector, &e.text) {
            (None, Some(text)) => Some((&e.number, text.as_str())),
            _ => None,
        })
        .collect();
    let embedded = embed_all(&embedder, unmatched.iter().map(|&(_, text)| text))?;
    let extra: HashMap<&PublicationNumber, Vec<f32>> = unmatched
        .iter()
        .map(|&(number, _)| number)
        .zip(embedded)
        .collect();

    let build_started = Instant::now();
    let mut vectors = VectorIndex::open_or_create(
        &args.index,
        embedder.model_id(),
        embedder.dimension(),
        VectorConfig::default(),
    )?;
    let mut without_text = 0usize;
    for entry in &entries {
        let Some(vector) = entry.vector.as_ref().or_else(|| extra.get(&entry.number)) else {
            without_text += 1;
            continue;
        };
        vectors.upsert(
            &entry.number,
            entry.fields.clone(),
            &[(Passage::title_abstract(), vector)],
        )?;
    }
    commit_vectors_paired(&args.index, &mut vectors)?;
    eprintln!(
        "graph and commit: {:.1} s",
        build_started.elapsed().as_secs_f64()
    );
    println!(
        "{}: {} documents, {} with a vector ({} of the corpus, embedded; {} structured around them with sigma {}; {} embedded for want of a corpus title; {} without title or abstract); {:.1} s",
        args.index.display(),
        entries.len(),
        vectors.num_docs(),
        of_corpus,
        structured,
        args.sigma,
        unmatched.len(),
        without_text,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The title-and-abstract passage of `record` as the model reads it.
fn passage_input(embedder: &Embedder, record: &PatentRecord) -> Option<String> {
    passages(record, &PassageOptions::summary_only())
        .into_iter()
        .find(|(p, _)| p.kind == PassageKind::TitleAbstract)
        .map(|(_, text)| format!("{}{text}", embedder.prompts().passage))
}

fn embed_all<'t>(
    embedder: &Embedder,
    texts: impl Iterator<Item = &'t str>,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let texts: Vec<&str> = texts.collect();
    Ok(embedder.embed(&texts)?)
}
