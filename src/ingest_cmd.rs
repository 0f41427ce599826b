//! `patsearch ingest`: run the ingest pipeline with a progress bar and a summary.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use patsearch_embed::{EmbedOptions, Embedder};
use patsearch_engine::{Indexer, IndexerOptions, PassageOptions, FETCH_HINT};
use patsearch_ingest::{Event, IngestOptions, Progress, Summary};
use patsearch_record::PatentRecord;

use crate::cli::IngestArgs;

/// Memory for the index writer's in-RAM segments, shared by its threads.
const WRITER_MEMORY_BYTES: usize = 512 * 1024 * 1024;

pub fn run(args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let mut dump: Option<Box<dyn Write>> = match &args.dump {
        Some(path) if path.as_os_str() == "-" => {
            Some(Box::new(BufWriter::new(io::stdout().lock())))
        }
        Some(path) => Some(Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ))),
        None => None,
    };
    let embedded = Arc::new(EmbedCounters::default());
    let mut writer = match &args.index {
        Some(dir) => {
            let embedder = if args.no_embed {
                None
            } else {
                Some(Arc::new(load_model(args)?))
            };
            let mut indexer = Indexer::open_or_create(
                dir,
                IndexerOptions {
                    embedder,
                    passages: if args.embed_description {
                        Some(PassageOptions {
                            description_paragraphs: usize::MAX,
                        })
                    } else {
                        args.description_passages.map(|n| PassageOptions {
                            description_paragraphs: n,
                        })
                    },
                    writer_memory_bytes: WRITER_MEMORY_BYTES,
                    ..IndexerOptions::default()
                },
            )
            .with_context(|| format!("cannot open the index {}", dir.display()))?;
            let counters = Arc::clone(&embedded);
            indexer.set_progress(move |p| {
                counters
                    .documents
                    .store(p.embedded_documents, Ordering::Relaxed);
                counters
                    .micros
                    .store(p.embedding_time.as_micros() as u64, Ordering::Relaxed);
                counters
                    .passages
                    .store(p.embedded_passages, Ordering::Relaxed);
            });
            Some(indexer)
        }
        None => None,
    };
    let embedding = writer.as_ref().is_some_and(Indexer::embeds);
    let mut index_error: Option<anyhow::Error> = None;
    let options = IngestOptions {
        threads: args.threads,
        ..IngestOptions::default()
    };
    let total = patsearch_ingest::total_input_bytes(&args.paths);
    let progress = Progress::default();
    let bar = progress_bar(total, args.quiet);
    let started = Instant::now();
    let mut write_error: Option<io::Error> = None;
    let mut batch: Vec<PatentRecord> = Vec::with_capacity(UPSERT_BATCH);

    let (stop_ticker, ticker_stopped) = std::sync::mpsc::channel::<()>();
    let summary = std::thread::scope(|scope| {
        let (bar_ref, progress_ref, embedded_ref) = (&bar, &progress, &embedded);
        let ticker = scope.spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                ticker_stopped.recv_timeout(Duration::from_millis(200))
            {
                let bytes = progress_ref.bytes_read.load(Ordering::Relaxed);
                let docs = progress_ref.documents.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64().max(1e-3);
                bar_ref.set_position(bytes);
                let mut message = format!(
                    "{docs} docs, {:.0} docs/s, {:.1} MB/s",
                    docs as f64 / secs,
                    bytes as f64 / secs / 1e6
                );
                if embedding {
                    let done = embedded_ref.documents.load(Ordering::Relaxed);
                    let micros = embedded_ref.micros.load(Ordering::Relaxed);
                    message.push_str(&format!(
                        "; {done} embedded, {:.1} docs/s",
                        done as f64 / (micros as f64 / 1e6).max(1e-3)
                    ));
                }
                bar_ref.set_message(message);
            }
        });
        let summary =
            patsearch_ingest::run(&args.paths, &options, &progress, |event| match event {
                Event::Record(record) => {
                    if let (Some(out), None) = (dump.as_mut(), write_error.as_ref()) {
                        let written = serde_json::to_writer(&mut *out, &record)
                            .map_err(io::Error::from)
                            .and_then(|()| out.write_all(b"\n"));
                        if let Err(e) = written {
                            write_error = Some(e);
                        }
                    }
                    if let (Some(w), None) = (writer.as_mut(), index_error.as_ref()) {
                        batch.push(*record);
                        let due = w.pending_changes() + batch.len() as u64 >= args.commit_every;
                        if batch.len() >= UPSERT_BATCH || due {
                            if let Err(e) = upsert_batch(w, &mut batch, args.commit_every) {
                                index_error = Some(e.into());
                            }
                        }
                    }
                }
                Event::Skipped(skip) => bar.suspend(|| eprintln!("skipped: {skip}")),
                Event::NonPatent { .. } => {}
            });
        if let (Some(w), None) = (writer.as_mut(), index_error.as_ref()) {
            if let Err(e) = upsert_batch(w, &mut batch, args.commit_every) {
                index_error = Some(e.into());
            }
        }
        drop(stop_ticker);
        bar.finish_and_clear();
        let _ = ticker.join();
        summary
    });
    if let Some(out) = dump.as_mut() {
        out.flush().context("cannot write the dump")?;
    }
    if let Some(e) = write_error {
        return Err(e).context("cannot write the dump");
    }
    if let Some(e) = index_error {
        return Err(e).context("cannot write the index");
    }
    let mut stages = Stages {
        parse: Duration::from_micros(progress.parse_micros.load(Ordering::Relaxed)),
        parse_threads: if args.threads == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            args.threads
        },
        ..Stages::default()
    };
    if let Some(w) = writer {
        stages.keyword = Some(w.progress().keyword_time);
        let finishing = Instant::now();
        let engine = w.finish_bulk().context("cannot commit the index")?;
        stages.finish = Some(finishing.elapsed());
        if embedding {
            stages.embedding = Some((
                embedded.documents.load(Ordering::Relaxed),
                embedded.passages.load(Ordering::Relaxed),
                Duration::from_micros(embedded.micros.load(Ordering::Relaxed)),
            ));
        }
        if let (Some(dir), false) = (&args.index, args.json) {
            match engine.num_vectors() {
                Some((_, vectors)) => eprintln!(
                    "index {}: {} documents, {vectors} vectors ({})",
                    dir.display(),
                    engine.num_docs(),
                    engine.model().unwrap_or_default()
                ),
                None => eprintln!("index {}: {} documents", dir.display(), engine.num_docs()),
            }
        }
    }
    report(&summary, &stages, started.elapsed(), args);
    Ok(if summary.skipped > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Records handed to the indexer together, whose keyword analysis it spreads
/// over the cores.
const UPSERT_BATCH: usize = 64;

/// Upserts the batch, then commits when `commit_every` changes are pending.
fn upsert_batch(
    indexer: &mut Indexer,
    batch: &mut Vec<PatentRecord>,
    commit_every: u64,
) -> Result<(), patsearch_engine::EngineError> {
    indexer.upsert_all(std::mem::take(batch))?;
    if indexer.pending_changes() >= commit_every {
        indexer.commit()?;
    }
    Ok(())
}

/// What the indexer's progress callback reports, for the ticker thread.
#[derive(Debug, Default)]
struct EmbedCounters {
    documents: AtomicU64,
    micros: AtomicU64,
    passages: AtomicU64,
}

/// Each stage's own time, for the throughput each would reach alone.
#[derive(Debug, Default)]
struct Stages {
    parse: Duration,
    parse_threads: usize,
    keyword: Option<Duration>,
    embedding: Option<(u64, u64, Duration)>,
    finish: Option<Duration>,
}

impl Stages {
    fn json(&self, documents: u64) -> serde_json::Value {
        let rate = |d: Duration| documents as f64 / d.as_secs_f64().max(1e-9);
        serde_json::json!({
            "parse_seconds": self.parse.as_secs_f64(),
            "parse_threads": self.parse_threads,
            "parse_docs_per_second": rate(self.parse) * self.parse_threads as f64,
            "keyword_seconds": self.keyword.map(|d| d.as_secs_f64()),
            "keyword_docs_per_second": self.keyword.map(rate),
            "embedding_seconds": self.embedding.map(|(_, _, d)| d.as_secs_f64()),
            "embedded_documents": self.embedding.map(|(n, _, _)| n),
            "embedded_passages": self.embedding.map(|(_, p, _)| p),
            "embedding_docs_per_second": self.embedding.map(|(n, _, d)| n as f64 / d.as_secs_f64().max(1e-9)),
            "final_commit_seconds": self.finish.map(|d| d.as_secs_f64()),
        })
    }

    fn line(&self, documents: u64) -> String {
        let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
        let mut line = format!(
            "  stages (documents/s of each stage's own time): parse {:.0} ({} threads, {:.1} s each)",
            rate(documents, self.parse) * self.parse_threads as f64,
            self.parse_threads,
            self.parse.as_secs_f64() / self.parse_threads as f64
        );
        if let Some(keyword) = self.keyword {
            line.push_str(&format!(
                ", keyword {:.0} ({:.1} s)",
                rate(documents, keyword),
                keyword.as_secs_f64()
            ));
        }
        if let Some((n, passages, d)) = self.embedding {
            line.push_str(&format!(
                ", embedding {:.1} ({:.1} s, {passages} passages)",
                rate(n, d),
                d.as_secs_f64()
            ));
        }
        if let Some(finish) = self.finish {
            line.push_str(&format!(
                ", final commit and merge {:.1} s",
                finish.as_secs_f64()
            ));
        }
        line
    }
}

/// Loads the embedding model for `ingest --index`, or says how to get it.
fn load_model(args: &IngestArgs) -> anyhow::Result<Embedder> {
    let dir = crate::cli::model_dir(args.model.as_deref());
    if !dir.is_dir() {
        anyhow::bail!(
            "the embedding model is not at {}: {FETCH_HINT}; or pass --no-embed to build a keyword-only index",
            dir.display()
        );
    }
    Embedder::load(&dir, EmbedOptions::default())
        .with_context(|| format!("cannot load the embedding model {}", dir.display()))
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {msg} [{elapsed_precise}, eta {eta}]",
        )
        .expect("progress template is valid"),
    );
    bar
}

fn report(summary: &Summary, stages: &Stages, elapsed: Duration, args: &IngestArgs) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let dumping_to_stdout = args.dump.as_deref().is_some_and(|p| p.as_os_str() == "-");
    if args.json && !dumping_to_stdout {
        let json = serde_json::json!({
            "files": summary.files,
            "ignored_files": summary.ignored_files,
            "documents_read": summary.documents_read,
            "ingested": summary.ingested,
            "non_patent": summary.non_patent,
            "skipped": summary.skipped,
            "skipped_by_reason": summary.skipped_by_reason,
            "bytes_read": summary.bytes_read,
            "seconds": secs,
            "stages": stages.json(summary.ingested),
        });
        println!("{json}");
        return;
    }
    eprintln!(
        "read {} documents from {} files ({:.1} MB in {:.2} s, {:.1} MB/s, {:.0} docs/s)",
        summary.documents_read,
        summary.files,
        summary.bytes_read as f64 / 1e6,
        secs,
        summary.bytes_read as f64 / 1e6 / secs,
        summary.documents_read as f64 / secs,
    );
    eprintln!("  ingested:   {}", summary.ingested);
    if summary.ingested > 0 {
        eprintln!("{}", stages.line(summary.ingested));
    }
    if summary.non_patent > 0 {
        eprintln!(
            "  non-patent: {} (sequence listings, reports)",
            summary.non_patent
        );
    }
    eprintln!("  skipped:    {}", summary.skipped);
    for (reason, count) in &summary.skipped_by_reason {
        eprintln!("    {reason}: {count}");
    }
    if summary.ignored_files > 0 {
        eprintln!(
            "  files without patent data, ignored: {}",
            summary.ignored_files
        );
    }
}
