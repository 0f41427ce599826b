//! Synthetic corpora: clustered unit vectors from a seeded generator, with
//! filter fields that vary by document.

use chrono::NaiveDate;
use patsearch_record::{FilterFields, Filters, PublicationNumber};
use patsearch_vectors::{Passage, PassageKind, VectorConfig, VectorHit, VectorIndex};

pub const MODEL: &str = "synthetic-test-model";

/// xorshift64* with Box-Muller normals: small, seeded, good enough here.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }

    pub fn normal(&mut self) -> f32 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    }

    pub fn gaussian(&mut self, dim: usize) -> Vec<f32> {
        (0..dim).map(|_| self.normal()).collect()
    }
}

pub fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    for x in &mut v {
        *x /= norm;
    }
    v
}

/// `base + sigma * noise`, normalised; noise per coordinate is N(0, 1/dim).
pub fn perturb(rng: &mut Rng, base: &[f32], sigma: f32) -> Vec<f32> {
    let scale = sigma / (base.len() as f32).sqrt();
    normalise(base.iter().map(|x| x + scale * rng.normal()).collect())
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// One synthetic document.
#[derive(Debug, Clone)]
pub struct Doc {
    pub number: PublicationNumber,
    pub fields: FilterFields,
    pub passages: Vec<(Passage, Vec<f32>)>,
}

impl Doc {
    pub fn passages(&self) -> Vec<(Passage, &[f32])> {
        self.passages
            .iter()
            .map(|(p, v)| (p.clone(), v.as_slice()))
            .collect()
    }
}

pub const COUNTRIES: [&str; 3] = ["US", "EP", "JP"];
pub const CPC: [&str; 5] = [
    "G06F16/245",
    "G06N3/08",
    "H04L67/10",
    "A61B5/00",
    "B60L58/26",
];

pub fn number(i: usize) -> PublicationNumber {
    format!("{}{}A1", COUNTRIES[i % 3], 1_000_000 + i)
        .parse()
        .unwrap()
}

pub fn fields(i: usize) -> FilterFields {
    let year = 2000 + (i % 20) as i32;
    FilterFields {
        cpc: vec![CPC[i % 5].to_string(), CPC[(i / 5) % 5].to_string()],
        ipc: vec![],
        filed: NaiveDate::from_ymd_opt(year, 1 + (i % 12) as u32, 1),
        published: NaiveDate::from_ymd_opt(year + 2, 1 + (i % 12) as u32, 1),
        priority: None,
        // A few documents get a rare assignee, for very selective filters.
        assignees: vec![if i % 1499 == 5 {
            "Rare Widgets GmbH".to_string()
        } else {
            format!("Company {}", i % 50)
        }],
        country: COUNTRIES[i % 3].to_string(),
        kind: Some("A1".to_string()),
    }
}

/// `n` documents in `clusters` clusters, each with a title-abstract vector
/// and 0 to 3 claim vectors near it.
pub fn corpus(seed: u64, n: usize, dim: usize, clusters: usize) -> Vec<Doc> {
    let mut rng = Rng::new(seed);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| normalise(rng.gaussian(dim)))
        .collect();
    (0..n)
        .map(|i| {
            let centre = &centres[rng.below(clusters)];
            let ta = perturb(&mut rng, centre, 0.8);
            let mut passages = vec![(Passage::title_abstract(), ta.clone())];
            for c in 0..rng.below(4) {
                let claim = perturb(&mut rng, &ta, 0.6);
                passages.push((
                    Passage::claim(1 + 5 * c as u32).with_label(format!("claim {}", 1 + 5 * c)),
                    claim,
                ));
            }
            Doc {
                number: number(i),
                fields: fields(i),
                passages,
            }
        })
        .collect()
}

/// Queries near the corpus: perturbed copies of random documents' vectors.
pub fn queries(seed: u64, docs: &[Doc], n: usize) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let doc = &docs[rng.below(docs.len())];
            let (_, v) = &doc.passages[rng.below(doc.passages.len())];
            perturb(&mut rng, v, 0.7)
        })
        .collect()
}

/// A config that always uses the graph (no exact-search shortcut).
pub fn graph_only() -> VectorConfig {
    VectorConfig {
        max_nb_connection: 12,
        ef_construction: 100,
        ef_search: 64,
        exact_max_vectors: 0,
        ..VectorConfig::default()
    }
}

pub fn build(
    root: &std::path::Path,
    docs: &[Doc],
    dim: usize,
    config: VectorConfig,
) -> VectorIndex {
    let mut index = VectorIndex::open_or_create(root, MODEL, dim, config).unwrap();
    for doc in docs {
        index
            .upsert(&doc.number, doc.fields.clone(), &doc.passages())
            .unwrap();
    }
    index.commit().unwrap();
    index
}

/// The best `k` documents passing `filters`, computed here from scratch.
/// A document's score for `query` as the index defines it, computed from
/// scratch: `(1 - w)` times its title-and-abstract passage's similarity
/// plus `w` times its best passage's, or the best alone without a
/// title-and-abstract passage.
pub fn doc_score(doc: &Doc, query: &[f32], passage_weight: f32) -> f32 {
    let best = doc
        .passages
        .iter()
        .map(|(_, v)| dot(query, v))
        .fold(f32::MIN, f32::max);
    match doc
        .passages
        .iter()
        .find(|(p, _)| p.kind == PassageKind::TitleAbstract)
    {
        Some((_, summary)) => (1.0 - passage_weight) * dot(query, summary) + passage_weight * best,
        None => best,
    }
}

pub fn brute_force(
    docs: &[Doc],
    query: &[f32],
    k: usize,
    filters: &Filters,
    passage_weight: f32,
) -> Vec<(PublicationNumber, f32)> {
    let mut scored: Vec<(PublicationNumber, f32)> = docs
        .iter()
        .filter(|d| filters.matches(&d.fields))
        .map(|d| (d.number.clone(), doc_score(d, query, passage_weight)))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(k);
    scored
}

pub fn numbers(hits: &[VectorHit]) -> Vec<PublicationNumber> {
    hits.iter().map(|h| h.publication_number.clone()).collect()
}

/// Fraction of `truth` found in `found`.
pub fn recall(found: &[VectorHit], truth: &[VectorHit]) -> f64 {
    if truth.is_empty() {
        return 1.0;
    }
    let found = numbers(found);
    truth
        .iter()
        .filter(|t| found.contains(&t.publication_number))
        .count() as f64
        / truth.len() as f64
}
