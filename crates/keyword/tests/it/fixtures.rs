//! The shared test index: real documents from `../shared/data`, indexed once
//! per test binary, and the records they came from (for computing what each
//! search should return independently of the index).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use patsearch_ingest::{DocContext, Event, IngestOptions, Progress};
use patsearch_keyword::{KeywordIndex, SearchRequest, SearchResults};
use patsearch_record::{Cancellation, Filters, PatentRecord};

/// Lines of the corpus that go into the shared index.
pub const CORPUS_LINES: usize = 300;

pub fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.join("patents").is_dir() && dir.join("corpus").is_dir(),
        "real patent data not found at {}: the shared data folder (patents/ and corpus/) must sit beside the project root",
        dir.display()
    );
    dir
}

pub fn patents_dir() -> PathBuf {
    data_dir().join("patents")
}

pub fn corpus_file() -> PathBuf {
    let path = data_dir().join("corpus/patents-2013.jsonl.zst");
    assert!(path.is_file(), "corpus not found at {}", path.display());
    path
}

/// The XML fixtures of the shared index: documents with CPC/IPC codes,
/// assignees, inventors, claims and dates, from several formats.
pub fn xml_inputs() -> Vec<PathBuf> {
    let p = patents_dir();
    let inputs = vec![
        p.join("uspto-patentpublicdata-samples/xml2014"),
        p.join("uspto-go-uspto-testdata/application"),
        p.join("uspto-patent-parsing-tools-pypi/US08927386-20150106.XML"),
        p.join("uspto-patent-parsing-tools-pypi/US08613112-20131224.XML"),
        p.join("uspto-patentsview-db-fixtures/ipgxml/ipg120103.small.xml"),
        p.join("uspto-patentsview-db-fixtures/ipgxml/ipg130416.small.xml"),
        p.join("uspto-alexandria3k-ipgb"),
        p.join("epo-go-epo-eps-testdata/grant/v1-5-B1.xml"),
        p.join("epo-go-epo-eps-testdata/grant/v1-5-B2.xml"),
        p.join("epo-go-epo-eps-testdata/grant/v1-4-B1.xml"),
        p.join("epo-go-epo-eps-testdata/application/v1-5-A1.xml"),
        p.join("epo-go-epo-eps-testdata/application/v1-4-A2-1.xml"),
    ];
    for input in &inputs {
        assert!(input.exists(), "fixture missing: {}", input.display());
    }
    inputs
}

/// Every record the ingest pipeline reads from `paths`, in input order.
pub fn ingest(paths: &[PathBuf]) -> Vec<PatentRecord> {
    let mut records = Vec::new();
    patsearch_ingest::run(
        paths,
        &IngestOptions::default(),
        &Progress::default(),
        |event| {
            if let Event::Record(record) = event {
                records.push(*record);
            }
        },
    );
    records
}

/// The first `n` lines of the corpus, as text.
pub fn corpus_lines(n: usize) -> Vec<String> {
    let file = std::fs::File::open(corpus_file()).expect("open the corpus");
    let decoder = zstd::stream::read::Decoder::new(file).expect("zstd corpus");
    BufReader::new(decoder)
        .lines()
        .take(n)
        .map(|l| l.expect("read a corpus line"))
        .collect()
}

/// The first `n` corpus records, parsed as the ingest pipeline parses them.
pub fn corpus_records(n: usize) -> Vec<PatentRecord> {
    corpus_lines(n)
        .iter()
        .enumerate()
        .map(|(i, line)| {
            patsearch_ingest::parse_json_line(
                line.as_bytes(),
                DocContext {
                    file: "patents-2013.jsonl",
                    ordinal: i as u64 + 1,
                },
            )
            .unwrap_or_else(|e| panic!("corpus line {}: {e}", i + 1))
        })
        .collect()
}

/// Writes `records` to an index directory (created when absent).
pub fn write_index(dir: &Path, records: &[PatentRecord]) -> KeywordIndex {
    let index = KeywordIndex::open_or_create(dir).expect("create the index");
    let mut writer = index.writer(200_000_000).expect("index writer");
    for record in records {
        writer.upsert(record).expect("upsert");
    }
    writer.finish().expect("commit");
    index.reload().expect("reload");
    index
}

/// The shared, read-only test index and the records in it.
pub struct Shared {
    /// The index directory, kept for the whole test binary.
    _dir: tempfile::TempDir,
    pub index: KeywordIndex,
    /// The records as the index holds them: the last of each publication number.
    pub records: BTreeMap<String, PatentRecord>,
    /// The words of each record, by publication number.
    pub tokens: BTreeMap<String, Tokens>,
}

pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let mut all = ingest(&xml_inputs());
        all.extend(corpus_records(CORPUS_LINES));
        let dir = tempfile::tempdir().expect("tempdir");
        let records: BTreeMap<String, PatentRecord> = all
            .iter()
            .map(|r| (r.publication_number.to_string(), r.clone()))
            .collect();
        // Indexing and tokenizing the records for expectations overlap.
        let (index, tokens) = std::thread::scope(|scope| {
            let tokens = scope.spawn(|| {
                records
                    .iter()
                    .map(|(n, r)| (n.clone(), Tokens::of(r)))
                    .collect::<BTreeMap<_, _>>()
            });
            let index = write_index(dir.path(), &all);
            (index, tokens.join().expect("tokenize the records"))
        });
        Shared {
            _dir: dir,
            index,
            records,
            tokens,
        }
    })
}

impl Shared {
    pub fn record(&self, number: &str) -> &PatentRecord {
        self.records
            .get(number)
            .unwrap_or_else(|| panic!("{number} is not among the test records"))
    }

    /// Every hit of `query` with filters, with titles (all on one page).
    pub fn search_filtered(&self, query: &str, filters: &Filters) -> SearchResults {
        self.index
            .search(&SearchRequest {
                query,
                filters,
                limit: self.records.len() + 10,
                offset: 0,
                snippets: false,
                facets: false,
                collapse: false,
                cancel: &Cancellation::never(),
            })
            .unwrap_or_else(|e| panic!("query {query:?}: {e}"))
    }

    pub fn search(&self, query: &str) -> SearchResults {
        self.search_filtered(query, &Filters::default())
    }

    /// Every match of `query` as (number, score), best first.
    pub fn ranked(&self, query: &str, filters: &Filters) -> Vec<(String, f32)> {
        self.index
            .candidates(
                query,
                filters,
                self.records.len() + 10,
                &Cancellation::never(),
            )
            .unwrap_or_else(|e| panic!("query {query:?}: {e}"))
    }

    /// The set of publication numbers `query` finds.
    pub fn found(&self, query: &str) -> BTreeSet<String> {
        self.ranked(query, &Filters::default())
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    /// Numbers of the records for which `pred` holds.
    pub fn expected(&self, pred: impl Fn(&PatentRecord) -> bool) -> BTreeSet<String> {
        self.records
            .iter()
            .filter(|(_, r)| pred(r))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Numbers of the records whose words satisfy `pred`.
    pub fn expected_words(&self, pred: impl Fn(&Tokens) -> bool) -> BTreeSet<String> {
        self.tokens
            .iter()
            .filter(|(_, t)| pred(t))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Records with one of `forms` as a word of title, abstract, claims or description.
    pub fn with_word(&self, forms: &[&str]) -> BTreeSet<String> {
        self.expected_words(|t| t.has(&TEXT_FIELDS, forms))
    }

    /// Every distinct word starting with `prefix` in the text fields of the
    /// records: guards that a list of word forms used for an expectation
    /// holds every inflection the data has.
    pub fn vocabulary(&self, prefix: &str) -> BTreeSet<String> {
        self.tokens
            .values()
            .flat_map(|t| t.vocabulary.iter())
            .filter(|w| w.starts_with(prefix))
            .cloned()
            .collect()
    }
}

pub fn numbers(results: &SearchResults) -> BTreeSet<String> {
    results
        .hits
        .iter()
        .map(|h| h.publication_number.clone())
        .collect()
}

// ---------------------------------------------------------------------------
// Plain-text views of records, to compute expectations without the index.

/// Lower-cased alphanumeric words of a text, in order (no stemming).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The searchable text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Abstract,
    Claims,
    Description,
}

pub const TEXT_FIELDS: [Field; 4] = [
    Field::Title,
    Field::Abstract,
    Field::Claims,
    Field::Description,
];

/// The texts of a field of a record: one per value (claim, paragraph).
pub fn field_texts(r: &PatentRecord, field: Field) -> Vec<&str> {
    match field {
        Field::Title => vec![r.title.as_str()],
        Field::Abstract => vec![r.abstract_text.as_str()],
        Field::Claims => r.claims.iter().map(|c| c.text.as_str()).collect(),
        Field::Description => r.description.iter().map(|p| p.text.as_str()).collect(),
    }
}

/// The words of each value of each text field of one record.
#[derive(Debug)]
pub struct Tokens {
    fields: [Vec<Vec<String>>; 4],
    /// Every word of the text fields.
    pub vocabulary: HashSet<String>,
}

impl Tokens {
    pub fn of(r: &PatentRecord) -> Self {
        let fields = TEXT_FIELDS.map(|f| field_texts(r, f).into_iter().map(words).collect());
        let vocabulary = fields
            .iter()
            .flat_map(|values: &Vec<Vec<String>>| values.iter().flatten().cloned())
            .collect();
        Self { fields, vocabulary }
    }

    /// The words of each value of `field`.
    pub fn values(&self, field: Field) -> &[Vec<String>] {
        &self.fields[field as usize]
    }

    /// Whether one of `fields` has one of `forms` as a word.
    pub fn has(&self, fields: &[Field], forms: &[&str]) -> bool {
        if fields.len() == TEXT_FIELDS.len() {
            return forms.iter().any(|f| self.vocabulary.contains(*f));
        }
        self.any_word(fields, |w| forms.contains(&w))
    }

    /// Whether a word of one of `fields` satisfies `pred`.
    pub fn any_word(&self, fields: &[Field], pred: impl Fn(&str) -> bool) -> bool {
        fields
            .iter()
            .any(|f| self.values(*f).iter().flatten().any(|w| pred(w)))
    }

    /// Whether a value of one of `fields` has a word of `first` immediately
    /// followed by a word of `second`.
    pub fn adjacent(&self, fields: &[Field], first: &[&str], second: &[&str]) -> bool {
        fields.iter().any(|f| {
            self.values(*f).iter().any(|w| {
                w.windows(2)
                    .any(|p| first.contains(&p[0].as_str()) && second.contains(&p[1].as_str()))
            })
        })
    }
}

/// Whether `name` has `phrase` as consecutive words.
pub fn name_has_phrase(name: &str, phrase: &[&str]) -> bool {
    words(name)
        .windows(phrase.len())
        .any(|win| win.iter().zip(phrase).all(|(a, b)| a == b))
}

/// The word forms `forms` as a set, for comparing with [`Shared::vocabulary`].
pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}
