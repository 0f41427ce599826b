//! The vector index on disk, in the index directory's `vectors/`.
//!
//! One commit writes one generation `G` of files:
//! - `vectors-G.f32`: every stored vector (tombstones included, so ids match
//!   the graph), row after row, `dimension` little-endian f32 each;
//! - `table-G.json`: the documents (number, filter fields, live) and, per
//!   vector, its document slot and passage, plus the tombstoned ids;
//! - `graph-G.hnsw.graph` and `graph-G.hnsw.data`: the hnsw_rs dump;
//! - then `meta.json`, which names the generation's files and their sizes.
//!
//! Each file is written under a `.tmp` name, synced and renamed; `meta.json`
//! goes last, the same way, so until it is renamed the previous generation is
//! what opens: a process killed mid-commit leaves stray files, never a broken
//! index. Files no `meta.json` names are removed at the next commit, and
//! those of a commit that fails are removed before it returns its error.
//!
//! A commit paired with another store's (the search engine commits the
//! keyword index after the vectors, see `VectorIndex::stage`) keeps the
//! generation before it: `meta.json` names it as `previous`, its files stay,
//! and until the pair is settled either generation can be loaded (the
//! other store's commit says which) or put back. Older builds ignore the
//! `previous` field and load the current generation.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use patsearch_record::{FilterFields, PublicationNumber};
use serde::{Deserialize, Serialize};

use crate::graph::{Graph, GraphParams};
use crate::store::{Passage, PassageKind, Store};
use crate::VectorError;

/// The layout of `vectors/` this build writes and reads.
pub const VECTORS_FORMAT: u32 = 1;

pub(crate) const META_FILE: &str = "meta.json";

/// What `meta.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Meta {
    pub format: u32,
    pub generation: u64,
    pub model: String,
    pub dimension: usize,
    pub num_vectors: usize,
    pub vectors_file: String,
    pub table_file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph: Option<GraphMeta>,
    /// The generation before this one, kept until the commit is settled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Box<Meta>>,
}

impl Meta {
    /// The files of this generation (not of its previous one).
    fn files(&self) -> Vec<String> {
        let mut files = vec![self.vectors_file.clone(), self.table_file.clone()];
        if let Some(g) = &self.graph {
            files.push(format!("{}.hnsw.graph", g.basename));
            files.push(format!("{}.hnsw.data", g.basename));
        }
        files
    }

    /// This generation alone, without its previous one.
    pub fn alone(&self) -> Meta {
        Meta {
            previous: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct GraphMeta {
    /// Files `{basename}.hnsw.graph` and `{basename}.hnsw.data`.
    pub basename: String,
    pub graph_bytes: u64,
    pub data_bytes: u64,
    /// The graph holds vectors `0..covers`.
    pub covers: usize,
    pub max_nb_connection: usize,
    pub ef_construction: usize,
}

#[derive(Serialize, Deserialize)]
struct Table {
    docs: Vec<DocRow>,
    /// Per vector id: document slot, passage kind, passage index, label.
    vectors: Vec<(u32, u8, u32, Option<String>)>,
    dead: Vec<u32>,
}

#[derive(Serialize, Deserialize)]
struct DocRow {
    number: PublicationNumber,
    fields: FilterFields,
    live: bool,
}

fn encode_kind(kind: PassageKind) -> (u8, u32) {
    match kind {
        PassageKind::TitleAbstract => (0, 0),
        PassageKind::Claim(n) => (1, n),
        PassageKind::Description(i) => (2, i),
    }
}

fn decode_kind(tag: u8, index: u32) -> Option<PassageKind> {
    match tag {
        0 => Some(PassageKind::TitleAbstract),
        1 => Some(PassageKind::Claim(index)),
        2 => Some(PassageKind::Description(index)),
        _ => None,
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> VectorError + '_ {
    move |source| VectorError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn corrupt(path: &Path, message: impl Into<String>) -> VectorError {
    VectorError::Corrupt {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

pub(crate) fn read_meta(dir: &Path) -> Result<Option<Meta>, VectorError> {
    let path = dir.join(META_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path)(e)),
    };
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| corrupt(&path, e.to_string()))?;
    if meta.format != VECTORS_FORMAT {
        return Err(corrupt(
            &path,
            format!(
                "vector index format {}, this build reads {VECTORS_FORMAT}: rebuild the index",
                meta.format
            ),
        ));
    }
    Ok(Some(meta))
}

/// What loading found.
pub(crate) struct Loaded {
    pub store: Store,
    pub graph: Graph,
    /// Why the dumped graph was not used, when it was rebuilt instead.
    pub rebuilt_because: Option<String>,
}

/// Loads the generation `meta` names. The graph comes from its dump; if the
/// dump is missing or unreadable it is rebuilt from the stored vectors.
pub(crate) fn load(dir: &Path, meta: &Meta, params: GraphParams) -> Result<Loaded, VectorError> {
    let dim = meta.dimension;
    let vectors_path = dir.join(&meta.vectors_file);
    let data = read_vectors(&vectors_path, dim, meta.num_vectors)?;
    let table_path = dir.join(&meta.table_file);
    let file = File::open(&table_path).map_err(io_err(&table_path))?;
    let table: Table = serde_json::from_reader(BufReader::new(file))
        .map_err(|e| corrupt(&table_path, e.to_string()))?;
    if table.vectors.len() != meta.num_vectors {
        return Err(corrupt(
            &table_path,
            format!(
                "{} passages for {} vectors",
                table.vectors.len(),
                meta.num_vectors
            ),
        ));
    }
    let mut rows = Vec::with_capacity(table.vectors.len());
    for (id, (slot, tag, index, label)) in table.vectors.into_iter().enumerate() {
        let kind = decode_kind(tag, index)
            .ok_or_else(|| corrupt(&table_path, format!("vector {id}: passage kind {tag}")))?;
        rows.push((slot, Passage { kind, label }));
    }
    let docs = table
        .docs
        .into_iter()
        .map(|d| (d.number, d.fields, d.live))
        .collect();
    let store = Store::from_parts(dim, data, rows, &table.dead, docs)
        .map_err(|message| corrupt(&table_path, message))?;

    let (graph, rebuilt_because) = match &meta.graph {
        None if meta.num_vectors == 0 => (Graph::new(params, dim, 0), None),
        None => (
            Graph::build(params, dim, store.data()),
            Some("no graph was saved".to_string()),
        ),
        Some(g) => match load_graph(dir, g, dim, store.data()) {
            Ok(mut graph) => {
                // Normally the graph covers every stored vector; insert any rest.
                graph.extend(store.data());
                graph.refresh();
                (graph, None)
            }
            Err(why) => (Graph::build(params, dim, store.data()), Some(why)),
        },
    };
    Ok(Loaded {
        store,
        graph,
        rebuilt_because,
    })
}

fn load_graph(dir: &Path, g: &GraphMeta, dim: usize, vectors: &[f32]) -> Result<Graph, String> {
    if g.covers * dim > vectors.len() {
        return Err(format!(
            "graph of {} vectors, {} stored",
            g.covers,
            vectors.len() / dim
        ));
    }
    // hnsw_rs reads truncated or foreign files badly (asserts, and one path
    // exits the process), so check the files are the ones written first.
    for (suffix, expected) in [("graph", g.graph_bytes), ("data", g.data_bytes)] {
        let path = dir.join(format!("{}.hnsw.{suffix}", g.basename));
        let found = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        if found != expected {
            return Err(format!(
                "{}: {found} bytes, expected {expected}",
                path.display()
            ));
        }
    }
    let params = GraphParams {
        max_nb_connection: g.max_nb_connection,
        ef_construction: g.ef_construction,
    };
    Graph::load(dir, &g.basename, params, dim, &vectors[..g.covers * dim])
}

fn read_vectors(path: &Path, dim: usize, count: usize) -> Result<Vec<f32>, VectorError> {
    let file = File::open(path).map_err(io_err(path))?;
    let expected = (count * dim * 4) as u64;
    let len = file.metadata().map_err(io_err(path))?.len();
    if len != expected {
        return Err(corrupt(
            path,
            format!("{len} bytes, expected {expected} ({count} vectors of dimension {dim})"),
        ));
    }
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut data = Vec::with_capacity(count * dim);
    // Searches rescore their candidates here, at random rows.
    crate::hint::advise_huge_pages(&data);
    let mut buf = vec![0u8; 1 << 20];
    let mut remaining = expected as usize;
    while remaining > 0 {
        let n = remaining.min(buf.len());
        reader.read_exact(&mut buf[..n]).map_err(io_err(path))?;
        data.extend(
            buf[..n]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        remaining -= n;
    }
    Ok(data)
}

/// Writes a file under a temporary name, syncs it and renames it into place.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), VectorError> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(io_err(path))
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

fn sync_file(path: &Path) -> Result<(), VectorError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io_err(path))
}

fn sync_dir(dir: &Path) {
    // Best effort: not every platform can open a directory to sync it.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes generation `generation` and switches `meta.json` to it, keeping
/// `previous` (the generation on disk now) as its previous one when given.
/// A failure removes whatever of the new generation was written (temporary
/// files included) and leaves `meta.json` as it was.
pub(crate) fn save(
    dir: &Path,
    model: &str,
    generation: u64,
    store: &Store,
    graph: &Graph,
    previous: Option<&Meta>,
) -> Result<Meta, VectorError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    remove_temporaries(dir);
    let saved = save_files(dir, model, generation, store, graph, previous);
    match &saved {
        Ok(meta) => remove_unreferenced(dir, meta),
        Err(_) => match read_meta(dir) {
            // The old meta.json is still the one in place (the new one is
            // renamed last): keep its files, drop the rest of ours.
            Ok(Some(on_disk)) => remove_unreferenced(dir, &on_disk),
            Ok(None) => remove_all_ours(dir),
            Err(_) => remove_temporaries(dir),
        },
    }
    saved
}

fn save_files(
    dir: &Path,
    model: &str,
    generation: u64,
    store: &Store,
    graph: &Graph,
    previous: Option<&Meta>,
) -> Result<Meta, VectorError> {
    let vectors_file = format!("vectors-{generation:06}.f32");
    write_atomically(&dir.join(&vectors_file), |out| {
        for x in store.data() {
            out.write_all(&x.to_le_bytes())?;
        }
        Ok(())
    })?;

    let table_file = format!("table-{generation:06}.json");
    let table = Table {
        docs: store
            .docs()
            .iter()
            .map(|d| DocRow {
                number: d.number.clone(),
                fields: d.fields.clone(),
                live: d.live,
            })
            .collect(),
        vectors: (0..store.total_vectors() as u32)
            .map(|id| {
                let passage = store.passage(id);
                let (tag, index) = encode_kind(passage.kind);
                (store.owner(id), tag, index, passage.label.clone())
            })
            .collect(),
        dead: store.dead_ids(),
    };
    write_atomically(&dir.join(&table_file), |out| {
        serde_json::to_writer(&mut *out, &table).map_err(std::io::Error::other)
    })?;

    let graph_meta = if graph.covers() > 0 {
        Some(save_graph(dir, generation, graph)?)
    } else {
        None
    };
    let meta = Meta {
        format: VECTORS_FORMAT,
        generation,
        model: model.to_string(),
        dimension: store.dim(),
        num_vectors: store.total_vectors(),
        vectors_file,
        table_file,
        graph: graph_meta,
        previous: previous.map(|p| Box::new(p.alone())),
    };
    sync_dir(dir);
    write_meta(dir, &meta)?;
    Ok(meta)
}

fn write_meta(dir: &Path, meta: &Meta) -> Result<(), VectorError> {
    let written = write_atomically(&dir.join(META_FILE), |out| {
        serde_json::to_writer_pretty(&mut *out, meta).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    });
    if written.is_err() {
        let _ = std::fs::remove_file(tmp_path(&dir.join(META_FILE)));
    }
    written?;
    sync_dir(dir);
    Ok(())
}

/// Makes `meta` (a generation whose files are on disk) the one `meta.json`
/// names, alone, and removes every other generation's files: settles a
/// paired commit (`meta` the current generation) or takes one back (`meta`
/// its previous one).
pub(crate) fn switch_to(dir: &Path, meta: &Meta) -> Result<(), VectorError> {
    let meta = meta.alone();
    write_meta(dir, &meta)?;
    remove_unreferenced(dir, &meta);
    Ok(())
}

fn save_graph(dir: &Path, generation: u64, graph: &Graph) -> Result<GraphMeta, VectorError> {
    let basename = format!("graph-{generation:06}");
    let tmp_basename = format!("{basename}.tmp");
    let used = graph
        .dump(dir, &tmp_basename)
        .map_err(|message| VectorError::Graph(format!("{}: {message}", dir.display())))?;
    let mut sizes = [0u64; 2];
    for (i, suffix) in ["graph", "data"].iter().enumerate() {
        let from = dir.join(format!("{used}.hnsw.{suffix}"));
        let to = dir.join(format!("{basename}.hnsw.{suffix}"));
        sync_file(&from)?;
        sizes[i] = std::fs::metadata(&from).map_err(io_err(&from))?.len();
        std::fs::rename(&from, &to).map_err(io_err(&to))?;
    }
    let params = graph.params();
    Ok(GraphMeta {
        basename,
        graph_bytes: sizes[0],
        data_bytes: sizes[1],
        covers: graph.covers(),
        max_nb_connection: params.max_nb_connection,
        ef_construction: params.ef_construction,
    })
}

/// Whether a file name is one of ours that a commit may have left behind.
fn is_temporary(name: &str) -> bool {
    name.ends_with(".tmp") || name.contains(".tmp.") || name.contains(".tmp-")
}

fn remove_temporaries(dir: &Path) {
    for name in file_names(dir) {
        if is_temporary(&name) {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
}

fn is_ours(name: &str) -> bool {
    name.starts_with("vectors-")
        || name.starts_with("table-")
        || name.starts_with("graph-")
        || is_temporary(name)
}

/// Removes other generations' files and temporaries once `meta` is in
/// place (the files of its previous generation, when it names one, stay).
fn remove_unreferenced(dir: &Path, meta: &Meta) {
    let mut keep = vec![META_FILE.to_string()];
    keep.extend(meta.files());
    if let Some(previous) = &meta.previous {
        keep.extend(previous.files());
    }
    for name in file_names(dir) {
        if is_ours(&name) && !keep.contains(&name) {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
}

/// Removes `meta.json` and every generation: takes back a first commit.
pub(crate) fn clear(dir: &Path) -> Result<(), VectorError> {
    let meta = dir.join(META_FILE);
    match std::fs::remove_file(&meta) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&meta)(e)),
    }
    sync_dir(dir);
    remove_all_ours(dir);
    Ok(())
}

/// Removes every file of ours: a first commit that failed.
fn remove_all_ours(dir: &Path) {
    for name in file_names(dir) {
        if is_ours(&name) {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
}

fn file_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passage_kinds_round_trip_through_their_codes() {
        for kind in [
            PassageKind::TitleAbstract,
            PassageKind::Claim(7),
            PassageKind::Description(0),
        ] {
            let (tag, index) = encode_kind(kind);
            assert_eq!(decode_kind(tag, index), Some(kind));
        }
        assert_eq!(decode_kind(9, 0), None);
    }

    #[test]
    fn temporaries_are_recognised() {
        for name in [
            "meta.json.tmp",
            "vectors-000002.f32.tmp",
            "graph-000002.tmp.hnsw.graph",
            "graph-000002.tmp-1234.hnsw.data",
        ] {
            assert!(is_temporary(name), "{name}");
        }
        for name in ["meta.json", "vectors-000002.f32", "graph-000002.hnsw.graph"] {
            assert!(!is_temporary(name), "{name}");
        }
    }
}
