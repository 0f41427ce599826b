//! A deterministic generator of large patent corpora for the scale
//! benchmarks, built by recombining the real benchmark corpus (6,940 US
//! patents with full descriptions) and the claims and classifications of the
//! real fixture records under new numbers.
//!
//! Record `i` of seed `s` depends on `(s, i)` only (a ChaCha stream per
//! record), so any range can be generated on its own and in parallel, and the
//! first 100,000 records of a 1,000,000-record corpus are the 100,000-record
//! corpus: a "weekly update" is the range after the loaded one.
//!
//! What a record is made of (the distributions, stated once here; see
//! benches/scale-corpus/README.md for what this does and does not model):
//!
//! - A primary donor, uniform over the real corpus. Its paragraph count and
//!   headings are kept, so description lengths follow the real corpus. Each
//!   paragraph's text is the donor's with probability 0.5, a paragraph of a
//!   topic neighbour (a real patent sharing the donor's most specific title
//!   word) with 0.35, and a paragraph of any real patent with 0.15.
//!   Cross-reference paragraphs of donors are dropped (they would make
//!   every record of a donor one family).
//! - Title of the donor; abstract sentences of the donor, each replaced by the
//!   neighbour's sentence at the same position with probability 0.3;
//!   assignee of the donor (0.85) or of the neighbour.
//! - A family structure: with probability [`FAMILY_SHARE`] a record is a
//!   continuation (0.7), division (0.15) or continuation-in-part (0.15) of a
//!   record among the [`FAMILY_WINDOW`] before it, and then shares its
//!   family root's title, description (a CIP adds paragraphs) and abstract,
//!   with its own claims, dates and number, as refiled US specifications do.
//! - Claims: the claim set of a real fixture record, uniform over the
//!   fixture records with English claims (not about the description).
//! - CPC: a main symbol fixed per topic (drawn from the fixtures' symbols,
//!   weighted by how often they occur), then as many further symbols as a
//!   fixture record drawn at random has, each drawn the same way; IPC repeats
//!   the CPC symbols (most CPC symbols are IPC symbols).
//! - Half grants (`US` + 20,000,000 + i, kind B2, or B1 for one in five),
//!   half applications (`US` + year + 7-digit serial i, kind A1); filing
//!   dates uniform over 2000-2024, grants published 1-4 years later,
//!   applications 18 months later.

pub mod structured;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate};
use patsearch_ingest::{Event, IngestOptions, Progress};
use patsearch_record::{
    Claim, Classification, DocumentRef, Paragraph, Party, PatentRecord, PublicationNumber,
    RelatedDocument, Relation, SourceRef,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Share of records that continue an earlier record's family.
pub const FAMILY_SHARE: f64 = 0.3;
/// How far back a continuation's parent may be, in records.
pub const FAMILY_WINDOW: u64 = 5_000;
/// Serials of the application numbers have seven digits.
pub const MAX_RECORDS: u64 = 10_000_000;

const GRANT_BASE: u64 = 20_000_000;
const APPLICATION_BASE: u64 = 30_000_000;

/// One real patent whose parts records are built from.
#[derive(Debug)]
struct Donor {
    title: String,
    abstract_sentences: Vec<String>,
    paragraphs: Vec<Paragraph>,
    assignee: Option<Party>,
    topic: usize,
}

/// What records are recombined from.
#[derive(Debug)]
pub struct Sources {
    donors: Vec<Donor>,
    /// Donor indexes per topic.
    topics: Vec<Vec<usize>>,
    claim_sets: Vec<Vec<Claim>>,
    /// Every CPC symbol of the fixtures, once per occurrence.
    cpc_occurrences: Vec<String>,
    /// CPC symbols per fixture record that has any.
    cpc_counts: Vec<usize>,
}

impl Sources {
    /// Reads the real corpus (`patents-2013.jsonl.zst`) and the fixture
    /// folder (`data/patents`).
    pub fn load(corpus: &Path, fixtures: &Path) -> anyhow::Result<Self> {
        for path in [corpus, fixtures] {
            if !path.exists() {
                anyhow::bail!(
                    "{} is absent: the generator reads the shared data beside the project root (../shared)",
                    path.display()
                );
            }
        }
        let corpus = read_records(corpus.to_path_buf())
            .with_context(|| format!("cannot read {}", corpus.display()))?;
        let fixtures = read_records(fixtures.to_path_buf())
            .with_context(|| format!("cannot read {}", fixtures.display()))?;
        Self::from_records(corpus, fixtures)
    }

    /// Sources from records already read: `corpus` gives titles, abstracts,
    /// descriptions and assignees, `fixtures` claims and classifications.
    pub fn from_records(
        corpus: Vec<PatentRecord>,
        fixtures: Vec<PatentRecord>,
    ) -> anyhow::Result<Self> {
        let donors: Vec<Donor> = corpus
            .into_iter()
            .filter(|r| !r.title.trim().is_empty() && !r.description.is_empty())
            .map(|r| {
                let has_cross_reference =
                    !r.related_documents.is_empty() || !r.priority_claims.is_empty();
                let paragraphs = r
                    .description
                    .into_iter()
                    .enumerate()
                    .filter(|(k, p)| {
                        !(is_cross_reference_heading(p.heading.as_deref())
                            || (*k == 0 && has_cross_reference))
                    })
                    .map(|(_, p)| p)
                    .collect();
                Donor {
                    abstract_sentences: sentences(&r.abstract_text),
                    title: r.title,
                    paragraphs,
                    assignee: r.assignees.into_iter().next(),
                    topic: 0,
                }
            })
            .filter(|d| !d.paragraphs.is_empty())
            .collect();
        let claim_sets: Vec<Vec<Claim>> = fixtures
            .iter()
            .filter(|r| !r.claims.is_empty() && r.claims_lang.as_deref().is_none_or(|l| l == "en"))
            .map(|r| r.claims.clone())
            .collect();
        let cpc_occurrences: Vec<String> = fixtures
            .iter()
            .flat_map(|r| r.cpc.iter().map(|c| c.code.clone()))
            .collect();
        let cpc_counts: Vec<usize> = fixtures
            .iter()
            .map(|r| r.cpc.len())
            .filter(|&n| n > 0)
            .collect();
        if donors.is_empty() || claim_sets.is_empty() || cpc_occurrences.is_empty() {
            anyhow::bail!(
                "the sources hold {} patents with descriptions, {} English claim sets and {} CPC symbols: each must be at least one",
                donors.len(),
                claim_sets.len(),
                cpc_occurrences.len()
            );
        }
        let mut sources = Self {
            donors,
            topics: Vec::new(),
            claim_sets,
            cpc_occurrences,
            cpc_counts,
        };
        sources.assign_topics();
        Ok(sources)
    }

    /// Groups donors by their most specific title word shared with another
    /// donor (lowest document frequency above one); a donor with none is a
    /// topic of its own.
    fn assign_topics(&mut self) {
        let words: Vec<Vec<String>> = self.donors.iter().map(|d| title_words(&d.title)).collect();
        let mut frequency: HashMap<&str, usize> = HashMap::new();
        for w in &words {
            for word in w {
                *frequency.entry(word.as_str()).or_default() += 1;
            }
        }
        let mut topic_ids: HashMap<String, usize> = HashMap::new();
        let mut topics: Vec<Vec<usize>> = Vec::new();
        for (d, w) in words.iter().enumerate() {
            let key = w
                .iter()
                .filter(|word| frequency[word.as_str()] > 1)
                .min_by_key(|word| (frequency[word.as_str()], word.as_str()))
                .cloned()
                .unwrap_or_else(|| format!("#{d}"));
            let next = topics.len();
            let topic = *topic_ids.entry(key).or_insert(next);
            if topic == next {
                topics.push(Vec::new());
            }
            topics[topic].push(d);
            self.donors[d].topic = topic;
        }
        self.topics = topics;
    }

    /// Real patents records are built from.
    pub fn donors(&self) -> usize {
        self.donors.len()
    }

    /// Claim sets records draw from.
    pub fn claim_sets(&self) -> usize {
        self.claim_sets.len()
    }

    /// Topic groups of the donors.
    pub fn topics(&self) -> usize {
        self.topics.len()
    }
}

/// The shared data folder beside the project root.
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Reads every record an ingest of `path` delivers.
pub fn read_records(path: PathBuf) -> anyhow::Result<Vec<PatentRecord>> {
    let mut records = Vec::new();
    let summary = patsearch_ingest::run(
        &[path],
        &IngestOptions::default(),
        &Progress::default(),
        |event| {
            if let Event::Record(r) = event {
                records.push(*r);
            }
        },
    );
    if summary.ingested == 0 {
        anyhow::bail!("no patent record could be read");
    }
    Ok(records)
}

fn is_cross_reference_heading(heading: Option<&str>) -> bool {
    heading.is_some_and(|h| {
        let h = h.to_ascii_uppercase();
        h.contains("CROSS") || h.contains("RELATED APPLICATION") || h.contains("PRIORITY")
    })
}

fn title_words(title: &str) -> Vec<String> {
    let mut words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 4 && w.chars().all(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect();
    words.sort();
    words.dedup();
    words
}

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some(at) = rest.find(". ") {
        out.push(rest[..=at].to_string());
        rest = rest[at + 2..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// Generates records of one seed.
#[derive(Debug)]
pub struct Generator<'a> {
    sources: &'a Sources,
    seed: u64,
}

/// The description, title, abstract, assignee and topic a family shares.
struct Specification {
    title: String,
    abstract_text: String,
    description: Vec<Paragraph>,
    assignee: Option<Party>,
    topic: usize,
}

/// How record `i` relates to its family root.
struct Lineage {
    root: u64,
    parent: Option<(u64, Relation)>,
}

impl<'a> Generator<'a> {
    pub fn new(sources: &'a Sources, seed: u64) -> Self {
        Self { sources, seed }
    }

    /// The random stream of record `i` for one purpose: purposes never share
    /// draws, so a change to one part leaves the others' draws as they were.
    fn stream(&self, i: u64, purpose: u64) -> ChaCha8Rng {
        let mut rng =
            ChaCha8Rng::seed_from_u64(self.seed ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.set_stream(i);
        rng
    }

    fn lineage(&self, i: u64) -> Lineage {
        let mut rng = self.stream(i, 1);
        if i == 0 || !rng.random_bool(FAMILY_SHARE) {
            return Lineage {
                root: i,
                parent: None,
            };
        }
        let parent = i - 1 - rng.random_range(0..i.min(FAMILY_WINDOW));
        let relation = match rng.random_range(0..100) {
            0..70 => Relation::Continuation,
            70..85 => Relation::Division,
            _ => Relation::ContinuationInPart,
        };
        Lineage {
            root: self.lineage(parent).root,
            parent: Some((parent, relation)),
        }
    }

    /// The specification a family root `i` starts.
    fn specification(&self, i: u64) -> Specification {
        let sources = self.sources;
        let mut rng = self.stream(i, 2);
        let donor = &sources.donors[rng.random_range(0..sources.donors.len())];
        let topic = &sources.topics[donor.topic];
        let neighbour = &sources.donors[topic[rng.random_range(0..topic.len())]];
        let description = donor
            .paragraphs
            .iter()
            .map(|p| {
                let roll: f64 = rng.random();
                let text = if roll < 0.5 {
                    p.text.clone()
                } else if roll < 0.85 {
                    pick(&mut rng, &neighbour.paragraphs).text.clone()
                } else {
                    let any = &sources.donors[rng.random_range(0..sources.donors.len())];
                    pick(&mut rng, &any.paragraphs).text.clone()
                };
                Paragraph {
                    number: None,
                    heading: p.heading.clone(),
                    text,
                }
            })
            .collect();
        let abstract_text = donor
            .abstract_sentences
            .iter()
            .enumerate()
            .map(|(k, s)| match neighbour.abstract_sentences.get(k) {
                Some(other) if rng.random_bool(0.3) => other.as_str(),
                _ => s.as_str(),
            })
            .collect::<Vec<_>>()
            .join(" ");
        let assignee = if rng.random_bool(0.85) {
            donor.assignee.clone()
        } else {
            neighbour.assignee.clone()
        };
        Specification {
            title: donor.title.clone(),
            abstract_text,
            description,
            assignee,
            topic: donor.topic,
        }
    }

    /// Filing date of record `i`; a continuation is filed after its parent.
    fn filing_date(&self, i: u64) -> NaiveDate {
        let mut rng = self.stream(i, 3);
        let start = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
        let own = start + Days::new(rng.random_range(0..25 * 365));
        match self.lineage(i).parent {
            Some((parent, _)) => self.filing_date(parent) + Days::new(rng.random_range(30..900)),
            None => own,
        }
    }

    fn application_number(i: u64) -> String {
        format!("{}", APPLICATION_BASE + i)
    }

    /// Record `i` of this seed.
    pub fn record(&self, i: u64) -> PatentRecord {
        assert!(
            i < MAX_RECORDS,
            "record {i} is past the generator's {MAX_RECORDS}"
        );
        let sources = self.sources;
        let lineage = self.lineage(i);
        let mut spec = self.specification(lineage.root);
        let mut rng = self.stream(i, 4);
        let filed = self.filing_date(i);
        let grant = rng.random_bool(0.5);
        let (number, kind, published) = if grant {
            let kind = if rng.random_bool(0.2) { "B1" } else { "B2" };
            let published = filed + Days::new(rng.random_range(365..4 * 365));
            (format!("US{}{kind}", GRANT_BASE + i), kind, published)
        } else {
            let published = filed + Days::new(548);
            (format!("US{}{:07}A1", published.year(), i), "A1", published)
        };
        if let Some((_, Relation::ContinuationInPart)) = lineage.parent {
            let added = 1 + spec.description.len() / 10;
            for _ in 0..added {
                let any = &sources.donors[rng.random_range(0..sources.donors.len())];
                spec.description
                    .push(pick(&mut rng, &any.paragraphs).clone());
            }
        }
        let claims = sources.claim_sets[rng.random_range(0..sources.claim_sets.len())].clone();
        let cpc = self.classifications(&mut rng, spec.topic);
        let mut record = PatentRecord::new(
            PublicationNumber::parse_with_default(&number, "US")
                .expect("generated numbers are valid publication numbers"),
        );
        record.country = "US".into();
        record.kind = Some(kind.into());
        record.lang = Some("en".into());
        record.publication_date = Some(published);
        record.application = Some(DocumentRef {
            country: Some("US".into()),
            number: Self::application_number(i),
            kind: None,
            date: Some(filed),
        });
        if let Some((parent, relation)) = lineage.parent {
            record.related_documents.push(RelatedDocument {
                relation,
                document: DocumentRef {
                    country: Some("US".into()),
                    number: Self::application_number(parent),
                    kind: None,
                    date: Some(self.filing_date(parent)),
                },
            });
        }
        record.title = spec.title;
        record.abstract_text = spec.abstract_text;
        record.claims = claims;
        record.claims_lang = Some("en".into());
        record.description = spec.description;
        record.ipc = cpc
            .iter()
            .map(|c| Classification {
                code: c.code.clone(),
                main: c.main,
            })
            .collect();
        record.cpc = cpc;
        record.assignees = spec.assignee.into_iter().collect();
        record.source = Some(SourceRef {
            file: format!("scale-corpus seed {}", self.seed),
            ordinal: i,
            format: Some("scale-corpus".into()),
        });
        record
    }

    fn classifications(&self, rng: &mut ChaCha8Rng, topic: usize) -> Vec<Classification> {
        let sources = self.sources;
        let occurrences = &sources.cpc_occurrences;
        let mut topic_rng = self.stream(topic as u64, 5);
        let main = occurrences[topic_rng.random_range(0..occurrences.len())].clone();
        let count = if sources.cpc_counts.is_empty() {
            1
        } else {
            sources.cpc_counts[rng.random_range(0..sources.cpc_counts.len())]
        };
        let mut codes = vec![main];
        for _ in 1..count {
            let code = &occurrences[rng.random_range(0..occurrences.len())];
            if !codes.contains(code) {
                codes.push(code.clone());
            }
        }
        codes
            .into_iter()
            .enumerate()
            .map(|(k, code)| Classification {
                code,
                main: Some(k == 0),
            })
            .collect()
    }
}

fn pick<'p, T>(rng: &mut ChaCha8Rng, items: &'p [T]) -> &'p T {
    &items[rng.random_range(0..items.len())]
}

/// Records generated per compressed frame (each a zstd frame of its own, so
/// frames compress in parallel; readers see one stream).
pub const RECORDS_PER_FRAME: u64 = 512;

/// What [`write_corpus`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub records: u64,
    pub json_bytes: u64,
    pub compressed_bytes: u64,
}

/// Writes records `start..start + count` as zstd-compressed JSON lines to
/// `out`. Refuses a path that exists (the generator never replaces a file);
/// writes `out` + `.partial` and renames it when complete, so an interrupted
/// run leaves no file under the final name.
pub fn write_corpus(
    generator: &Generator<'_>,
    start: u64,
    count: u64,
    out: &Path,
    level: i32,
    mut on_frame: impl FnMut(&Written),
) -> anyhow::Result<Written> {
    use rayon::prelude::*;
    use std::io::Write;

    let end = start
        .checked_add(count)
        .filter(|&e| e <= MAX_RECORDS)
        .with_context(|| format!("the generator makes records 0..{MAX_RECORDS}"))?;
    if out.exists() {
        anyhow::bail!(
            "{} exists: the generator does not overwrite files; remove it or choose another name",
            out.display()
        );
    }
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .with_context(|| {
            format!(
                "cannot create {} (a leftover of an interrupted run? remove it)",
                partial.display()
            )
        })?;
    let mut file = std::io::BufWriter::new(file);
    let mut written = Written::default();
    let frames: Vec<u64> = (start..end).step_by(RECORDS_PER_FRAME as usize).collect();
    let in_flight = 2 * rayon::current_num_threads().max(1);
    for group in frames.chunks(in_flight) {
        let compressed: Vec<anyhow::Result<(u64, u64, Vec<u8>)>> = group
            .par_iter()
            .map(|&first| {
                let last = (first + RECORDS_PER_FRAME).min(end);
                let mut json = Vec::new();
                for i in first..last {
                    serde_json::to_writer(&mut json, &generator.record(i))?;
                    json.push(b'\n');
                }
                let frame = zstd::bulk::compress(&json, level)?;
                Ok((last - first, json.len() as u64, frame))
            })
            .collect();
        for frame in compressed {
            let (records, json_bytes, bytes) = frame?;
            file.write_all(&bytes)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            written.records += records;
            written.json_bytes += json_bytes;
            written.compressed_bytes += bytes.len() as u64;
            on_frame(&written);
        }
    }
    file.flush()
        .and_then(|()| file.get_ref().sync_all())
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), out.display()))?;
    Ok(written)
}
