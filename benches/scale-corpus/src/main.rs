//! `scale-corpus`: writes a deterministic corpus of N patent records for the
//! scale benchmarks (see the library's documentation for what a record is).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use patsearch_scale_corpus::{shared_dir, write_corpus, Generator, Sources};

/// Writes records START..START+DOCS of SEED as zstd-compressed JSON lines
/// that `patsearch ingest` reads.
#[derive(Debug, Parser)]
#[command(name = "scale-corpus")]
struct Args {
    /// Records to write.
    #[arg(long)]
    docs: u64,
    /// First record (a weekly update is the range after a loaded corpus).
    #[arg(long, default_value_t = 0)]
    start: u64,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// The output file (`.jsonl.zst`); never overwritten.
    #[arg(long)]
    out: PathBuf,
    /// The real corpus records are recombined from.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// The fixture folder claims and classifications are drawn from.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// zstd level.
    #[arg(long, default_value_t = 3)]
    level: i32,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scale-corpus: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let corpus = args
        .corpus
        .clone()
        .unwrap_or_else(|| shared_dir().join("data/corpus/patents-2013.jsonl.zst"));
    let fixtures = args
        .fixtures
        .clone()
        .unwrap_or_else(|| shared_dir().join("data/patents"));
    let sources = Sources::load(&corpus, &fixtures)?;
    eprintln!(
        "sources: {} patents in {} topics, {} claim sets ({:.1} s)",
        sources.donors(),
        sources.topics(),
        sources.claim_sets(),
        started.elapsed().as_secs_f64()
    );
    let generator = Generator::new(&sources, args.seed);
    let mut reported = 0;
    let written = write_corpus(
        &generator,
        args.start,
        args.docs,
        &args.out,
        args.level,
        |w| {
            if w.records >= reported + 50_000 {
                reported = w.records;
                eprintln!(
                    "{} records, {:.0} MB of JSON, {:.0} s",
                    w.records,
                    w.json_bytes as f64 / 1e6,
                    started.elapsed().as_secs_f64()
                );
            }
        },
    )?;
    eprintln!(
        "wrote {} records ({} to {}) of seed {} to {}: {:.0} MB of JSON, {:.0} MB compressed, {:.1} s",
        written.records,
        args.start,
        args.start + written.records,
        args.seed,
        args.out.display(),
        written.json_bytes as f64 / 1e6,
        written.compressed_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
