//! The ingest pipeline: one thread reads and splits the inputs, worker threads
//! parse documents, and the caller receives every outcome in input order.
//!
//! Channels between the stages are bounded, so memory stays flat however large
//! the input: at most a few batches of raw documents are in flight at once.

use std::collections::BTreeMap;
use std::io::{self, BufRead};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver, Sender};
use patsearch_record::PatentRecord;

use crate::source::{
    self, buffered, container_of, count_unsupported, sniff, Container, Counting, Piece, StreamKind,
    XmlSplitter,
};
use crate::{parse_json_line, parse_xml_document_within, DocContext, DocError, Parsed, Skip};

/// How an ingest runs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Parser threads; 0 means one per available core.
    pub threads: usize,
    /// Documents larger than this are skipped (a guard against corrupt input
    /// swallowing memory); the largest real grants are a few tens of MB.
    pub max_document_bytes: usize,
}

/// The default [`IngestOptions::max_document_bytes`], which also bounds the
/// text a document's entities expand to.
pub(crate) const DEFAULT_MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;

/// How many containers may wrap one another (a zip in a gzip in a zip ...).
/// Real files use two at most; a gzip or zip quine decompresses to itself
/// forever, and each level holds a decoder and a buffer.
const MAX_CONTAINER_DEPTH: usize = 8;

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            threads: 0,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        }
    }
}

/// Live counters for a progress display; read them from another thread.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes read from disk (compressed bytes for archives).
    pub bytes_read: AtomicU64,
    /// Documents whose outcome has been delivered.
    pub documents: AtomicU64,
    /// Time the parser threads spent parsing, summed over the threads, in
    /// microseconds.
    pub parse_micros: AtomicU64,
}

/// One outcome, delivered in input order.
#[derive(Debug)]
pub enum Event {
    Record(Box<PatentRecord>),
    Skipped(Skip),
    /// A document that is not a patent (sequence listing, report): counted, not an error.
    NonPatent {
        file: String,
        ordinal: u64,
        what: String,
    },
}

/// What an ingest did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Files opened (archive members count separately).
    pub files: u64,
    /// Files that hold no patent data (README, HTML reports, number lists).
    pub ignored_files: u64,
    /// Documents found: ingested + skipped + non-patent.
    pub documents_read: u64,
    pub ingested: u64,
    pub non_patent: u64,
    pub skipped: u64,
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Bytes read from disk.
    pub bytes_read: u64,
}

impl Summary {
    fn count(&mut self, event: &Event) {
        match event {
            Event::Record(_) => {
                self.ingested += 1;
                self.documents_read += 1;
            }
            Event::NonPatent { .. } => {
                self.non_patent += 1;
                self.documents_read += 1;
            }
            Event::Skipped(skip) => {
                self.skipped += 1;
                if skip.ordinal > 0 {
                    self.documents_read += 1;
                }
                *self
                    .skipped_by_reason
                    .entry(skip.error.reason().to_string())
                    .or_default() += 1;
            }
        }
    }
}

enum Work {
    Xml {
        file: Arc<str>,
        ordinal: u64,
        bytes: Vec<u8>,
    },
    Json {
        file: Arc<str>,
        ordinal: u64,
        line: Vec<u8>,
    },
    Ready(Event),
}

struct Batch {
    seq: u64,
    items: Vec<Work>,
}

const BATCH_BYTES: usize = 1024 * 1024;
const BATCH_ITEMS: usize = 256;

/// Reads every document under `paths` and hands each outcome to `on_event`,
/// in input order. Never panics on bad input: every failure becomes a
/// [`Event::Skipped`].
pub fn run(
    paths: &[PathBuf],
    options: &IngestOptions,
    progress: &Progress,
    mut on_event: impl FnMut(Event),
) -> Summary {
    let workers = if options.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        options.threads
    };
    let (work_tx, work_rx) = bounded::<Batch>(workers * 2);
    let (done_tx, done_rx) = bounded::<(u64, Vec<Event>)>(workers * 2);
    let mut summary = Summary::default();

    let (files, ignored) = std::thread::scope(|scope| {
        let producer = scope.spawn(|| {
            let mut reader = Producer::new(work_tx, options.max_document_bytes, progress);
            for entry in source::expand_paths(paths) {
                match entry {
                    Ok(path) => reader.visit_file(path),
                    Err((path, error)) => reader.skip(&path.display().to_string(), 0, error),
                }
            }
            reader.finish()
        });
        for _ in 0..workers {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            let limit = options.max_document_bytes;
            let parse_micros = &progress.parse_micros;
            scope.spawn(move || parse_batches(&rx, &tx, limit, parse_micros));
        }
        drop(work_rx);
        drop(done_tx);

        let mut pending: BTreeMap<u64, Vec<Event>> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, events) in done_rx.iter() {
            pending.insert(seq, events);
            while let Some(events) = pending.remove(&next) {
                for event in events {
                    summary.count(&event);
                    progress.documents.fetch_add(1, Ordering::Relaxed);
                    on_event(event);
                }
                next += 1;
            }
        }
        producer.join().unwrap_or_default()
    });
    summary.files = files;
    summary.ignored_files = ignored;
    summary.bytes_read = progress.bytes_read.load(Ordering::Relaxed);
    summary
}

fn parse_batches(
    rx: &Receiver<Batch>,
    tx: &Sender<(u64, Vec<Event>)>,
    limit: usize,
    parse_micros: &AtomicU64,
) {
    for batch in rx.iter() {
        let started = std::time::Instant::now();
        let events: Vec<Event> = batch
            .items
            .into_iter()
            .map(|work| parse_work(work, limit))
            .collect();
        parse_micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        if tx.send((batch.seq, events)).is_err() {
            return;
        }
    }
}

/// Turns one piece of work into its event; `limit` bounds entity expansion.
fn parse_work(work: Work, limit: usize) -> Event {
    match work {
        Work::Ready(event) => event,
        Work::Xml {
            file,
            ordinal,
            bytes,
        } => {
            let ctx = DocContext {
                file: &file,
                ordinal,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                parse_xml_document_within(&bytes, ctx, limit)
            }))
            .unwrap_or_else(|panic| Err(DocError::Internal(panic_message(&panic))));
            match outcome {
                Ok(Parsed::Record(record)) => Event::Record(record),
                Ok(Parsed::NonPatent(np)) => Event::NonPatent {
                    file: file.to_string(),
                    ordinal,
                    what: np.what,
                },
                Err(error) => Event::Skipped(Skip {
                    file: file.to_string(),
                    ordinal,
                    publication_number: source::sniff_publication_number(&bytes),
                    error,
                }),
            }
        }
        Work::Json {
            file,
            ordinal,
            line,
        } => {
            let ctx = DocContext {
                file: &file,
                ordinal,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| parse_json_line(&line, ctx)))
                .unwrap_or_else(|panic| Err(DocError::Internal(panic_message(&panic))));
            match outcome {
                Ok(record) => Event::Record(Box::new(record)),
                Err(error) => Event::Skipped(Skip {
                    file: file.to_string(),
                    ordinal,
                    publication_number: json_number(&line),
                    error,
                }),
            }
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

fn json_number(line: &[u8]) -> Option<String> {
    let at = memchr::memmem::find(line, b"\"publication_number\"")?;
    let rest = &line[at + 20..];
    let start = memchr::memchr(b'"', rest)? + 1;
    let len = memchr::memchr(b'"', &rest[start..])?;
    Some(String::from_utf8_lossy(&rest[start..start + len]).into_owned())
}

/// The reading side: walks inputs, unwraps containers, cuts documents, batches them.
struct Producer<'p> {
    tx: Sender<Batch>,
    batch: Vec<Work>,
    batch_bytes: usize,
    seq: u64,
    max_document_bytes: usize,
    progress: &'p Progress,
    files: u64,
    ignored: u64,
    stopped: bool,
}

impl<'p> Producer<'p> {
    fn new(tx: Sender<Batch>, max_document_bytes: usize, progress: &'p Progress) -> Self {
        Self {
            tx,
            batch: Vec::new(),
            batch_bytes: 0,
            seq: 0,
            max_document_bytes,
            progress,
            files: 0,
            ignored: 0,
            stopped: false,
        }
    }

    fn push(&mut self, work: Work, bytes: usize) {
        self.batch.push(work);
        self.batch_bytes += bytes;
        if self.batch_bytes >= BATCH_BYTES || self.batch.len() >= BATCH_ITEMS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.batch.is_empty() || self.stopped {
            return;
        }
        let items = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        if self
            .tx
            .send(Batch {
                seq: self.seq,
                items,
            })
            .is_err()
        {
            self.stopped = true;
        }
        self.seq += 1;
    }

    fn finish(mut self) -> (u64, u64) {
        self.flush();
        (self.files, self.ignored)
    }

    fn skip(&mut self, file: &str, ordinal: u64, error: DocError) {
        self.push(
            Work::Ready(Event::Skipped(Skip {
                file: file.to_string(),
                ordinal,
                publication_number: None,
                error,
            })),
            0,
        );
    }

    fn file_error(&mut self, file: &str, error: &io::Error) {
        self.skip(file, 0, DocError::Io(error.to_string()));
    }

    fn visit_file(&mut self, path: PathBuf) {
        let name = path.display().to_string();
        if source::is_documentation(&name) {
            self.ignored += 1;
            return;
        }
        let file = match source::open_file(&path) {
            Ok(f) => f,
            Err(e) => return self.file_error(&name, &e),
        };
        let counted = Counting::new(file, &self.progress.bytes_read);
        let mut reader = buffered(counted);
        let head = match reader.fill_buf() {
            Ok(head) => head.to_vec(),
            Err(e) => return self.file_error(&name, &e),
        };
        if container_of(&name, &head) == Container::Zip {
            // A zip on disk is read through its central directory, which needs seeking.
            let inner = reader.into_inner();
            match zip::ZipArchive::new(inner) {
                Ok(mut archive) => {
                    for i in 0..archive.len() {
                        match archive.by_index(i) {
                            Ok(member) if member.is_dir() => {}
                            Ok(member) => {
                                let member_name = format!("{name}!{}", member.name());
                                let mut member_reader = buffered(member);
                                self.visit_stream(&member_name, &mut member_reader, 1);
                            }
                            Err(e) => self.skip(&name, 0, DocError::Io(e.to_string())),
                        }
                    }
                }
                Err(e) => self.skip(&name, 0, DocError::Io(format!("bad zip archive: {e}"))),
            }
            return;
        }
        self.visit_stream(&name, &mut reader, 0);
    }

    /// Reads one stream; `depth` counts the containers already unwrapped to reach it.
    fn visit_stream(&mut self, name: &str, reader: &mut dyn BufRead, depth: usize) {
        if source::is_documentation(name) {
            self.ignored += 1;
            return;
        }
        let head = match reader.fill_buf() {
            Ok(head) => head.to_vec(),
            Err(e) => return self.file_error(name, &e),
        };
        let container = container_of(name, &head);
        if container != Container::Plain && depth >= MAX_CONTAINER_DEPTH {
            let error = DocError::TooDeep {
                what: "containers",
                limit: MAX_CONTAINER_DEPTH,
            };
            return self.skip(name, 0, error);
        }
        match container {
            Container::Gzip => {
                let mut inner = buffered(flate2::bufread::MultiGzDecoder::new(reader));
                self.visit_stream(name, &mut inner, depth + 1);
            }
            Container::Zstd => match zstd::stream::read::Decoder::with_buffer(reader) {
                Ok(mut decoder) => {
                    // Allow the long windows `zstd --long` writes.
                    let _ = decoder.window_log_max(31);
                    let mut inner = buffered(decoder);
                    self.visit_stream(name, &mut inner, depth + 1);
                }
                Err(e) => self.file_error(name, &e),
            },
            Container::Zip => {
                // A zip inside another container can only be read front to back.
                let mut stream = &mut *reader;
                self.visit_zip_stream(name, &mut stream, depth + 1);
            }
            Container::Plain => self.read_documents(name, reader, &head),
        }
    }

    fn visit_zip_stream<R: io::Read>(&mut self, name: &str, stream: &mut R, depth: usize) {
        loop {
            match zip::read::read_zipfile_from_stream(stream) {
                Ok(Some(member)) => {
                    if member.is_dir() {
                        continue;
                    }
                    let member_name = format!("{name}!{}", member.name());
                    let mut member_reader = buffered(member);
                    self.visit_stream(&member_name, &mut member_reader, depth);
                }
                Ok(None) => break,
                Err(e) => {
                    self.skip(name, 0, DocError::Io(format!("bad zip stream: {e}")));
                    break;
                }
            }
        }
    }

    fn read_documents(&mut self, name: &str, reader: &mut dyn BufRead, head: &[u8]) {
        let kind = sniff(head);
        if kind == StreamKind::Other {
            self.ignored += 1;
            tracing::debug!(file = name, "not patent data, ignored");
            return;
        }
        self.files += 1;
        let file: Arc<str> = Arc::from(name);
        match kind {
            StreamKind::Xml => {
                let mut splitter = XmlSplitter::new(reader, self.max_document_bytes);
                let mut ordinal = 0;
                loop {
                    match splitter.next_piece() {
                        Ok(Some(Piece::Document(bytes))) => {
                            ordinal += 1;
                            let len = bytes.len();
                            self.push(
                                Work::Xml {
                                    file: file.clone(),
                                    ordinal,
                                    bytes,
                                },
                                len,
                            );
                        }
                        Ok(Some(Piece::Truncated(bytes, error))) => {
                            ordinal += 1;
                            self.push(
                                Work::Ready(Event::Skipped(Skip {
                                    file: name.to_string(),
                                    ordinal,
                                    publication_number: source::sniff_publication_number(&bytes),
                                    error: DocError::Io(format!(
                                        "input ends inside this document: {error}"
                                    )),
                                })),
                                0,
                            );
                        }
                        Ok(Some(Piece::TooLarge)) => {
                            ordinal += 1;
                            let limit = self.max_document_bytes;
                            self.skip(name, ordinal, DocError::TooLarge { limit });
                        }
                        Ok(None) => break,
                        Err(e) => {
                            self.skip(name, ordinal + 1, DocError::Io(e.to_string()));
                            break;
                        }
                    }
                }
            }
            StreamKind::Jsonl => {
                let mut ordinal = 0;
                loop {
                    let mut line = Vec::new();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) => {
                            self.skip(name, ordinal + 1, DocError::Io(e.to_string()));
                            break;
                        }
                    }
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    ordinal += 1;
                    let len = line.len();
                    self.push(
                        Work::Json {
                            file: file.clone(),
                            ordinal,
                            line,
                        },
                        len,
                    );
                }
            }
            StreamKind::Unsupported(format) => {
                let count = count_unsupported(format, reader);
                for ordinal in 1..=count {
                    self.skip(name, ordinal, DocError::Unsupported(format));
                }
            }
            StreamKind::Other => {}
        }
    }
}
