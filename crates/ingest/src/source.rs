//! Inputs as streams: files, directories, zip/gzip/zstd containers, and the
//! split of each stream into documents.
//!
//! Nothing here holds more than one document in memory: archives are
//! decompressed as they are read, weekly files of concatenated XML are cut at
//! each `<?xml` declaration, JSONL at each newline.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use regex::bytes::Regex;

use crate::DocError;

/// Formats we recognise but do not parse; each document in them is reported by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnsupportedFormat {
    /// USPTO "Green Book" APS fixed-field text (1976-2001 grants).
    ApsText,
    /// USPTO BRS/CSS tagged text dumps.
    BrsText,
    /// USPTO SGML grants (v2.4, 2001) that are not also well-formed XML
    /// (those that are, are parsed).
    Sgml,
    /// EPO full-text for text analytics, tab-separated.
    EpoTsv,
    /// USPTO XML4IP file-wrapper documents (claims, specification, abstract of an application).
    Xml4Ip,
    /// EPO Open Patent Services (OPS) REST responses.
    EpoOps,
}

impl fmt::Display for UnsupportedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnsupportedFormat::ApsText => "USPTO APS Green Book text",
            UnsupportedFormat::BrsText => "USPTO BRS tagged text",
            UnsupportedFormat::Sgml => "USPTO SGML (ST.32 v2.4)",
            UnsupportedFormat::EpoTsv => "EPO full-text TSV",
            UnsupportedFormat::Xml4Ip => "USPTO XML4IP file-wrapper document",
            UnsupportedFormat::EpoOps => "EPO OPS response",
        })
    }
}

/// What a stream holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamKind {
    Xml,
    Jsonl,
    Unsupported(UnsupportedFormat),
    /// Not patent data (an HTML report, a list of numbers, an image).
    Other,
}

pub(crate) fn sniff(head: &[u8]) -> StreamKind {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let trimmed = &head[start..];
    let contains = |needle: &[u8]| memchr::memmem::find(trimmed, needle).is_some();
    if trimmed.starts_with(b"{") {
        return StreamKind::Jsonl;
    }
    if trimmed.starts_with(b"PATN") || trimmed.starts_with(b"HHHHHT") {
        return StreamKind::Unsupported(UnsupportedFormat::ApsText);
    }
    if contains(b"*** BRS DOCUMENT BOUNDARY ***") {
        return StreamKind::Unsupported(UnsupportedFormat::BrsText);
    }
    if trimmed.starts_with(b"EP\t") {
        return StreamKind::Unsupported(UnsupportedFormat::EpoTsv);
    }
    if trimmed.starts_with(b"<") {
        let lower: Vec<u8> = trimmed[..trimmed.len().min(512)]
            .iter()
            .map(u8::to_ascii_lowercase)
            .collect();
        if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
            return StreamKind::Other;
        }
        return StreamKind::Xml;
    }
    StreamKind::Other
}

/// Counts documents in an unsupported stream by its record markers.
pub(crate) fn count_unsupported(format: UnsupportedFormat, reader: &mut dyn BufRead) -> u64 {
    let mut count = 0;
    let mut line = Vec::new();
    let mut epo_numbers = std::collections::HashSet::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        count += match format {
            UnsupportedFormat::ApsText => u64::from(line.starts_with(b"PATN")),
            UnsupportedFormat::BrsText => {
                u64::from(memchr::memmem::find(&line, b"*** BRS DOCUMENT BOUNDARY ***").is_some())
            }
            UnsupportedFormat::Sgml => u64::from(memchr::memmem::find(&line, b"<PATDOC").is_some()),
            // Recognised per XML document, never as a whole stream.
            UnsupportedFormat::Xml4Ip | UnsupportedFormat::EpoOps => 0,
            UnsupportedFormat::EpoTsv => {
                let mut fields = line.split(|&b| b == b'\t');
                let key = (fields.next(), fields.next(), fields.next());
                match key {
                    (Some(b"EP"), Some(n), Some(k)) => {
                        u64::from(epo_numbers.insert([n, k].concat()))
                    }
                    _ => 0,
                }
            }
        };
    }
    count.max(1)
}

/// A reader that counts the bytes taken from the underlying file.
pub(crate) struct Counting<'a, R> {
    inner: R,
    counter: &'a AtomicU64,
}

impl<'a, R> Counting<'a, R> {
    pub(crate) fn new(inner: R, counter: &'a AtomicU64) -> Self {
        Self { inner, counter }
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: io::Seek> io::Seek for Counting<'_, R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Every file under `paths`, directories walked recursively in name order.
///
/// Each file and directory is taken once, however many symlinks (or hard
/// links, or repeated arguments) reach it: the first path met in walk order
/// names it. A directory that leads back to one being walked (`ln -s . loop`)
/// is reported, not followed: followed, the walk would never end.
pub(crate) fn expand_paths(paths: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, DocError)>> {
    let mut walk = Walk::default();
    for path in paths {
        walk.visit(path);
    }
    walk.out
}

/// Identity of a file on disk, the same through every path that reaches it.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(unix)]
fn file_id(_path: &Path, meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

/// Without inode numbers the resolved path stands in: it sees through
/// symlinks, though not hard links.
#[cfg(not(unix))]
fn file_id(path: &Path, _meta: &std::fs::Metadata) -> Option<FileId> {
    std::fs::canonicalize(path).ok()
}

#[derive(Default)]
struct Walk {
    out: Vec<Result<PathBuf, (PathBuf, DocError)>>,
    /// Every file and directory taken so far.
    seen: HashSet<FileId>,
    /// The directories being walked, outermost first. An explicit stack
    /// rather than recursion: a deep tree cannot exhaust the thread's stack.
    open: Vec<OpenDir>,
}

struct OpenDir {
    id: Option<FileId>,
    /// The path the directory was entered by, to name it when a loop comes back.
    path: PathBuf,
    /// Entries still to visit, last name first.
    pending: Vec<PathBuf>,
}

impl Walk {
    fn visit(&mut self, path: &Path) {
        self.enter(path);
        while let Some(dir) = self.open.last_mut() {
            match dir.pending.pop() {
                Some(child) => self.enter(&child),
                None => {
                    self.open.pop();
                }
            }
        }
    }

    /// Takes a file, or opens a directory for [`Walk::visit`] to go through.
    fn enter(&mut self, path: &Path) {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) => return self.fail(path, DocError::Io(e.to_string())),
        };
        let id = file_id(path, &meta);
        if let Some(id) = &id {
            if let Some(dir) = self.open.iter().find(|d| d.id.as_ref() == Some(id)) {
                let error = DocError::DirectoryLoop(dir.path.display().to_string());
                return self.fail(path, error);
            }
            // A clone only where `FileId` is a path; on unix it is Copy.
            #[cfg_attr(unix, allow(clippy::clone_on_copy))]
            let first_time = self.seen.insert(id.clone());
            if !first_time {
                tracing::debug!(path = %path.display(), "already read by another path, skipped");
                return;
            }
        }
        if !meta.is_dir() {
            return self.out.push(Ok(path.to_path_buf()));
        }
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(e) => return self.fail(path, DocError::Io(e.to_string())),
        };
        let mut pending: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        pending.sort_by(|a, b| b.cmp(a));
        self.open.push(OpenDir {
            id,
            path: path.to_path_buf(),
            pending,
        });
    }

    fn fail(&mut self, path: &Path, error: DocError) {
        self.out.push(Err((path.to_path_buf(), error)));
    }
}

/// Total size on disk of the files under `paths` (for progress and MB/s).
pub fn total_input_bytes(paths: &[PathBuf]) -> u64 {
    expand_paths(paths)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Files that describe a patent collection rather than hold one; skipped quietly.
pub(crate) fn is_documentation(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.rsplit(['/', '!']).next().unwrap_or(&lower);
    base.ends_with(".md")
        || base.ends_with(".pdf")
        || base.ends_with(".tif")
        || base.ends_with(".tiff")
        || base.ends_with(".png")
        || base.ends_with(".jpg")
        || base.ends_with(".dtd")
        || base.ends_with(".ent")
        || base.ends_with(".p")
        || base.ends_with(".tsv")
        || base.ends_with(".csv")
}

/// How a named stream must be unwrapped before it can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    Zip,
    Gzip,
    Zstd,
    Plain,
}

pub(crate) fn container_of(name: &str, head: &[u8]) -> Container {
    let lower = name.to_ascii_lowercase();
    if head.starts_with(b"PK\x03\x04") || lower.ends_with(".zip") && head.starts_with(b"PK") {
        Container::Zip
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Container::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Container::Zstd
    } else {
        Container::Plain
    }
}

/// Splits a stream of concatenated XML documents at each `<?xml` declaration.
/// A declaration can only open a document (the target `xml` is reserved), so
/// one met anywhere after content starts the next document, even when a
/// truncated document leaves it mid-line. Works on whole buffers (memchr
/// search), not lines: USPTO files put every element on its own short line.
pub(crate) struct XmlSplitter<R> {
    reader: R,
    /// Bytes read but not yet handed out; starts with the current document.
    buffer: Vec<u8>,
    /// Where to resume the search for the next declaration in `buffer`.
    searched: usize,
    max_document_bytes: usize,
    /// The current document outgrew the limit; its bytes are being discarded.
    discarding: bool,
    /// A read error ended the stream; reported after what was read before it.
    failed: Option<io::Error>,
    done: bool,
}

/// One piece cut from a stream.
pub(crate) enum Piece {
    Document(Vec<u8>),
    TooLarge,
    /// The stream broke (truncated archive, read error) inside this document.
    Truncated(Vec<u8>, io::Error),
}

const DECLARATION: &[u8] = b"<?xml";

impl<R: BufRead> XmlSplitter<R> {
    pub(crate) fn new(reader: R, max_document_bytes: usize) -> Self {
        Self {
            reader,
            buffer: Vec::new(),
            searched: 0,
            max_document_bytes,
            discarding: false,
            failed: None,
            done: false,
        }
    }

    pub(crate) fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        loop {
            if let Some(at) = self.next_boundary() {
                let rest = self.buffer.split_off(at);
                let doc = std::mem::replace(&mut self.buffer, rest);
                self.searched = 1;
                if std::mem::take(&mut self.discarding) || doc.len() > self.max_document_bytes {
                    return Ok(Some(Piece::TooLarge));
                }
                if has_content(&doc) {
                    return Ok(Some(Piece::Document(doc)));
                }
                continue;
            }
            if self.done {
                let doc = std::mem::take(&mut self.buffer);
                self.searched = 0;
                if let Some(error) = self.failed.take() {
                    if std::mem::take(&mut self.discarding) || !has_content(&doc) {
                        return Err(error);
                    }
                    return Ok(Some(Piece::Truncated(doc, error)));
                }
                if std::mem::take(&mut self.discarding) || doc.len() > self.max_document_bytes {
                    return Ok(Some(Piece::TooLarge));
                }
                return Ok(has_content(&doc).then_some(Piece::Document(doc)));
            }
            // Nothing more to find in what we hold: read on.
            self.searched = self.buffer.len().saturating_sub(DECLARATION.len());
            if self.buffer.len() > self.max_document_bytes {
                // Keep only a tail long enough to catch a declaration cut in two.
                let keep = self.buffer.len() - self.searched;
                self.buffer.drain(..self.buffer.len() - keep);
                self.searched = 0;
                self.discarding = true;
            }
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.failed = Some(e);
                    self.done = true;
                    continue;
                }
            };
            if chunk.is_empty() {
                self.done = true;
                continue;
            }
            let n = chunk.len();
            self.buffer.extend_from_slice(chunk);
            self.reader.consume(n);
        }
    }

    /// The offset of the next declaration that starts a line and follows some
    /// content, if `buffer` holds one.
    fn next_boundary(&mut self) -> Option<usize> {
        let finder = memchr::memmem::Finder::new(DECLARATION);
        while let Some(pos) = finder.find(&self.buffer[self.searched..]) {
            let at = self.searched + pos;
            self.searched = at + 1;
            // `<?xml-stylesheet` and friends are not declarations.
            match self.buffer.get(at + DECLARATION.len()) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'?') => {}
                Some(_) => continue,
                None if !self.done => {
                    // Cut at the end of what we hold: look again after reading on.
                    self.searched = at;
                    return None;
                }
                None => {}
            }
            if at == 0 {
                continue;
            }
            let before = &self.buffer[..at];
            if self.discarding || has_content(before) {
                // Hand-assembled files indent the declaration: cut before the
                // indentation so the next document starts clean.
                let cut = before
                    .iter()
                    .rposition(|b| !matches!(b, b' ' | b'\t'))
                    .map_or(0, |i| i + 1);
                let line_start = cut == 0 || matches!(before[cut - 1], b'\n' | b'\r');
                return Some(if line_start { cut } else { at });
            }
        }
        None
    }
}

fn has_content(doc: &[u8]) -> bool {
    doc.iter().any(|b| !b.is_ascii_whitespace())
}

static NUMBER_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // USPTO v4 and EPO: the first doc-number under the publication reference.
        r"(?s)<publication-reference[^>]*>.*?<country>\s*([A-Z]{2})\s*</country>\s*<doc-number>\s*([A-Z0-9]+)\s*</doc-number>\s*<kind>\s*([A-Z0-9]+)\s*</kind>",
        // EPO root attributes.
        r#"<ep-patent-document[^>]*\bdoc-number="([0-9]+)"[^>]*\bkind="([A-Z0-9]+)""#,
        // ST.32: <B110><DNUM><PDAT>06336130</PDAT>
        r"<B110>\s*<DNUM>\s*<PDAT>\s*([A-Z0-9]+)\s*</PDAT>",
        // pap v1.x
        r"<document-id>\s*<doc-number>\s*([0-9]+)\s*</doc-number>\s*<kind-code>\s*([A-Z0-9]+)\s*</kind-code>",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("number patterns are valid"))
    .collect()
});

pub(crate) fn sniff_publication_number(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let caps = |i: usize| NUMBER_PATTERNS[i].captures(head);
    let s = |m: Option<regex::bytes::Match<'_>>| {
        m.map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    };
    if let Some(c) = caps(0) {
        let country = s(c.get(1))?;
        let number = s(c.get(2))?;
        return Some(
            patsearch_record::PublicationNumber::from_parts(
                &country,
                &number,
                s(c.get(3)).as_deref(),
            )
            .map(|n| n.to_string())
            .unwrap_or(format!("{country}{number}")),
        );
    }
    if let Some(c) = caps(1) {
        return Some(format!("EP{}{}", s(c.get(1))?, s(c.get(2))?));
    }
    if let Some(c) = caps(2) {
        let number = s(c.get(1))?;
        return patsearch_record::PublicationNumber::from_parts("US", &number, None)
            .ok()
            .map(|n| n.to_string());
    }
    if let Some(c) = caps(3) {
        return Some(format!("US{}{}", s(c.get(1))?, s(c.get(2))?));
    }
    None
}

/// Opens a file for streaming with a large buffer.
pub(crate) fn open_file(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// Wraps `reader` in a buffered reader of a size suited to bulk files.
pub(crate) fn buffered<R: Read>(reader: R) -> BufReader<R> {
    BufReader::with_capacity(256 * 1024, reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_concatenated_documents() {
        let input = b"<?xml version=\"1.0\"?>\n<a>1</a>\n<?xml version=\"1.0\"?>\n<!DOCTYPE b>\n<b>2</b>\n\n<?xml version=\"1.0\"?>\n<c/>";
        let mut splitter = XmlSplitter::new(&input[..], 1 << 20);
        let mut docs = Vec::new();
        while let Some(piece) = splitter.next_piece().unwrap() {
            match piece {
                Piece::Document(d) => docs.push(String::from_utf8(d).unwrap()),
                Piece::TooLarge | Piece::Truncated(..) => panic!("unexpected"),
            }
        }
        assert_eq!(docs.len(), 3);
        assert!(docs[1].contains("<b>2</b>"));
        assert!(docs[2].ends_with("<c/>"));
    }

    #[test]
    fn a_declaration_mid_line_after_a_truncated_document_still_splits() {
        let input = b"<?xml version=\"1.0\"?>\n<a>cut off here<?xml version=\"1.0\"?>\n<b/>\n";
        let mut splitter = XmlSplitter::new(&input[..], 1 << 20);
        let Some(Piece::Document(first)) = splitter.next_piece().unwrap() else {
            panic!("first piece")
        };
        assert!(first.ends_with(b"cut off here"));
        let Some(Piece::Document(second)) = splitter.next_piece().unwrap() else {
            panic!("second piece")
        };
        assert!(second.starts_with(b"<?xml"));
        assert!(splitter.next_piece().unwrap().is_none());
    }

    #[test]
    fn a_read_error_inside_a_document_yields_what_was_read() {
        struct Failing(bool);
        impl io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated"));
                }
                let data = b"<?xml version=\"1.0\"?>\n<a>partial";
                buf[..data.len()].copy_from_slice(data);
                Ok(data.len())
            }
        }
        let mut splitter = XmlSplitter::new(BufReader::new(Failing(false)), 1 << 20);
        match splitter.next_piece() {
            Ok(Some(Piece::Truncated(bytes, e))) => {
                assert!(bytes.ends_with(b"partial"));
                assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
            }
            _ => panic!("expected a truncated piece"),
        }
        assert!(splitter.next_piece().unwrap().is_none());
    }

    #[test]
    fn oversized_documents_are_cut_out_and_the_next_survives() {
        let big = format!(
            "<?xml version=\"1.0\"?>\n<a>{}</a>\n<?xml version=\"1.0\"?>\n<b/>\n",
            "x\n".repeat(1000)
        );
        let mut splitter = XmlSplitter::new(big.as_bytes(), 100);
        assert!(matches!(
            splitter.next_piece().unwrap(),
            Some(Piece::TooLarge)
        ));
        assert!(matches!(
            splitter.next_piece().unwrap(),
            Some(Piece::Document(_))
        ));
        assert!(splitter.next_piece().unwrap().is_none());
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"  {\"a\":1}"), StreamKind::Jsonl);
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><x/>"), StreamKind::Xml);
        assert_eq!(sniff(b"<!DOCTYPE html><html>"), StreamKind::Other);
        assert_eq!(
            sniff(b"PATN\nWKU  039327098\n"),
            StreamKind::Unsupported(UnsupportedFormat::ApsText)
        );
        assert_eq!(sniff(b"11477944\n11477945\n"), StreamKind::Other);
    }

    #[test]
    fn sniffs_numbers_of_broken_documents() {
        let doc = b"<us-patent-grant><us-bibliographic-data-grant><publication-reference><document-id><country>US</country><doc-number>07057742</doc-number><kind>B2</kind>";
        assert_eq!(
            sniff_publication_number(doc).as_deref(),
            Some("US7057742B2")
        );
        assert_eq!(sniff_publication_number(b"<x/>"), None);
    }
}
