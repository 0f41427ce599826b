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
                        let written = w.upsert(*record).and_then(|()| {
                            if w.pending_changes() >= args.commit_every {
                                w.commit()
                            } else {
                                Ok(())
                            }
                        });
                        if let Err(e) = written {
                            index_error = Some(e.into());
                        }
                    }
                }
                Event::Skipped(skip) => bar.suspend(|| eprintln!("skipped: {skip}")),
                Event::NonPatent { .. } => {}
            });
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
    if let Some(w) = writer {
        let engine = w.finish_bulk().context("cannot commit the index")?;
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
    report(&summary, started.elapsed(), args);
    Ok(if summary.skipped > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// What the indexer's progress callback reports, for the ticker thread.
#[derive(Debug, Default)]
struct EmbedCounters {
    documents: AtomicU64,
    micros: AtomicU64,
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

fn report(summary: &Summary, elapsed: Duration, args: &IngestArgs) {
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
