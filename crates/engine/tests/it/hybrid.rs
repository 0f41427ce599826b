//! Hybrid search (component scores, fusion), paging, and a reloaded engine
//! giving the same answers as the one just built.

use std::collections::HashMap;

use patsearch_engine::{
    Engine, EngineOptions, Fusion, Hit, SearchMode, SearchRequest, SearchResults,
};
use patsearch_record::Filters;

use crate::common::{fixture, model_dir, numbers};

const QUERIES: &[&str] = &[
    "moving a running virtual machine to another host in the cloud",
    "search box for enterprise applications",
    "recoil",
    "wireless network device to device communication",
];

/// A request that lists every publication (each test that compares modes
/// or pages by document); collapse has its own.
fn request(query: &str, mode: SearchMode, offset: usize, limit: usize) -> SearchRequest {
    SearchRequest {
        offset,
        limit,
        collapse: false,
        ..SearchRequest::new(query, mode)
    }
}

#[test]
fn hybrid_hits_carry_both_component_scores_and_their_rrf_fusion() {
    let f = fixture();
    let query = QUERIES[0];
    let hybrid = f
        .engine
        .search(&request(query, SearchMode::Hybrid, 0, 20))
        .unwrap();
    assert_eq!(hybrid.mode, SearchMode::Hybrid);
    assert_eq!(hybrid.hits.len(), 20);
    let keyword = f
        .engine
        .search(&request(query, SearchMode::Keyword, 0, 100))
        .unwrap();
    let semantic = f
        .engine
        .search(&request(query, SearchMode::Semantic, 0, 100))
        .unwrap();
    let by_number = |r: &SearchResults| -> HashMap<String, Hit> {
        r.hits
            .iter()
            .map(|h| (h.publication_number.clone(), h.clone()))
            .collect()
    };
    let (keyword, semantic) = (by_number(&keyword), by_number(&semantic));
    let mut both = 0;
    for (i, hit) in hybrid.hits.iter().enumerate() {
        assert_eq!(hit.rank, i + 1);
        assert!(hit.keyword.is_some() || hit.semantic.is_some(), "{hit:?}");
        let mut expected = 0.0;
        if let Some(k) = &hit.keyword {
            expected += 1.0 / (60.0 + k.rank as f64);
            let alone = &keyword[&hit.publication_number];
            assert_eq!(
                k.score,
                alone.keyword.unwrap().score,
                "the BM25 score of keyword mode"
            );
        }
        if let Some(s) = &hit.semantic {
            expected += 1.0 / (60.0 + s.rank as f64);
            let alone = semantic[&hit.publication_number].semantic.clone().unwrap();
            assert_eq!(s.score, alone.score, "the cosine of semantic mode");
            assert_eq!(s.rank, alone.rank);
            assert_eq!(s.passage, alone.passage);
        }
        both += usize::from(hit.keyword.is_some() && hit.semantic.is_some());
        assert!(
            (hit.score - expected).abs() < 1e-12,
            "{}: {} vs {expected}",
            hit.publication_number,
            hit.score
        );
    }
    assert!(both >= 5, "the retrievers agree on some documents: {both}");
    for w in hybrid.hits.windows(2) {
        assert!(
            w[0].score > w[1].score
                || (w[0].score == w[1].score && w[0].publication_number < w[1].publication_number),
            "ordered by score, then number: {w:?}"
        );
    }
    // The top hit is about migrating virtual machines, and shows a snippet.
    let top = &hybrid.hits[0];
    assert!(
        top.title.to_lowercase().contains("virtual machine"),
        "{top:?}"
    );
    assert!(top.snippet.is_some());
    assert_eq!(hybrid.total, {
        let mut all: Vec<&String> = keyword.keys().chain(semantic.keys()).collect();
        all.sort();
        all.dedup();
        all.len()
    });

    // Weights move the ranking toward one side; linear fusion works too.
    let semantic_only = f
        .engine
        .search(&SearchRequest {
            fusion: Fusion::Rrf {
                k: 60.0,
                keyword_weight: 0.0,
                semantic_weight: 1.0,
            },
            ..request(query, SearchMode::Hybrid, 0, 10)
        })
        .unwrap();
    let semantic_top = f
        .engine
        .search(&request(query, SearchMode::Semantic, 0, 10))
        .unwrap();
    assert_eq!(numbers(&semantic_only), numbers(&semantic_top));
    let linear = f
        .engine
        .search(&SearchRequest {
            fusion: Fusion::linear(),
            ..request(query, SearchMode::Hybrid, 0, 10)
        })
        .unwrap();
    assert_eq!(linear.hits.len(), 10);
    assert!(linear.hits.iter().all(|h| h.score > 0.0 && h.score <= 2.0));
}

#[test]
fn pages_neither_repeat_nor_skip() {
    let f = fixture();
    for mode in [
        SearchMode::Semantic,
        SearchMode::Hybrid,
        SearchMode::Keyword,
    ] {
        for (query, collapse) in QUERIES.iter().flat_map(|q| [(q, false), (q, true)]) {
            let search = |offset, limit| {
                f.engine
                    .search(&SearchRequest {
                        collapse,
                        ..request(query, mode, offset, limit)
                    })
                    .unwrap()
            };
            let whole = search(0, 20);
            let first = search(0, 10);
            let second = search(10, 10);
            let paged: Vec<Hit> = first.hits.iter().chain(&second.hits).cloned().collect();
            assert_eq!(whole.hits.len().min(20), paged.len(), "{mode} {query}");
            assert_eq!(whole.hits, paged, "{mode} {query} collapse {collapse}");
            assert_eq!(first.total, whole.total);
            assert_eq!(second.total, whole.total);
        }
    }
    // A page past the window widens it without error.
    let deep = f
        .engine
        .search(&request(QUERIES[1], SearchMode::Semantic, 150, 10))
        .unwrap();
    assert_eq!(deep.hits.len(), 10);
    assert_eq!(deep.hits[0].rank, 151);
}

#[test]
fn a_reopened_engine_answers_exactly_like_the_one_just_built() {
    let f = fixture();
    let reopened = Engine::open(
        &f.root,
        EngineOptions {
            model_dir: Some(model_dir()),
            ..EngineOptions::default()
        },
    )
    .unwrap();
    assert_eq!(reopened.num_docs(), f.engine.num_docs());
    assert_eq!(reopened.num_vectors(), f.engine.num_vectors());
    assert_eq!(reopened.model(), f.engine.model());
    for query in QUERIES {
        for mode in [
            SearchMode::Semantic,
            SearchMode::Hybrid,
            SearchMode::Keyword,
        ] {
            let req = request(query, mode, 0, 30);
            let built = f.engine.search(&req).unwrap();
            let again = reopened.search(&req).unwrap();
            assert_eq!(built.hits, again.hits, "{mode} {query}");
            assert_eq!(built.total, again.total);
        }
    }
    let number = "US9511866".parse().unwrap();
    assert_eq!(
        f.engine
            .similar(&number, 10, &Filters::default())
            .unwrap()
            .hits,
        reopened
            .similar(&number, 10, &Filters::default())
            .unwrap()
            .hits
    );
    assert_eq!(
        f.engine.get(&number).unwrap(),
        reopened.get(&number).unwrap()
    );
    assert!(reopened.get(&number).unwrap().is_some());
}

/// Semantic and hybrid search have no boolean match: their facets count the
/// ranked window paging can reach (each family's best member when
/// collapsed), and say so in `counted`.
#[test]
fn facets_of_semantic_and_hybrid_search_count_the_ranked_window() {
    use chrono::Datelike;
    use std::collections::BTreeMap;
    let f = fixture();
    for mode in [SearchMode::Semantic, SearchMode::Hybrid] {
        for collapse in [false, true] {
            let search = |offset, limit, facets| {
                f.engine
                    .search(&SearchRequest {
                        facets,
                        collapse,
                        ..request(QUERIES[2], mode, offset, limit)
                    })
                    .unwrap()
            };
            let page = search(3, 5, true);
            let facets = page.facets.clone().expect("facets were asked for");
            assert!(page.total > 5, "{mode:?}: {}", page.total);
            assert_eq!(facets.counted, page.total as u64, "{mode:?} {collapse}");
            let window = search(0, page.total, false);
            assert_eq!(window.hits.len(), page.total);
            let mut assignee: BTreeMap<String, u64> = BTreeMap::new();
            let mut country: BTreeMap<String, u64> = BTreeMap::new();
            let mut filing_year: BTreeMap<i32, u64> = BTreeMap::new();
            for hit in &window.hits {
                let record = f
                    .engine
                    .get(&hit.publication_number.parse().unwrap())
                    .unwrap()
                    .expect("a ranked hit is stored");
                let mut names: Vec<&str> =
                    record.assignees.iter().map(|a| a.name.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                for name in names {
                    *assignee.entry(name.to_string()).or_default() += 1;
                }
                *country
                    .entry(record.country.to_ascii_uppercase())
                    .or_default() += 1;
                if let Some(d) = record.filing_date() {
                    *filing_year.entry(d.year()).or_default() += 1;
                }
            }
            let top = |counts: BTreeMap<String, u64>| {
                let mut v: Vec<(String, u64)> = counts.into_iter().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                v.truncate(10);
                v
            };
            let pairs = |v: &[patsearch_keyword::FacetCount]| -> Vec<(String, u64)> {
                v.iter().map(|c| (c.value.clone(), c.count)).collect()
            };
            assert_eq!(
                pairs(&facets.assignee),
                top(assignee),
                "{mode:?} {collapse}"
            );
            assert_eq!(pairs(&facets.country), top(country), "{mode:?} {collapse}");
            let years: Vec<(String, u64)> = filing_year
                .into_iter()
                .rev()
                .map(|(y, n)| (y.to_string(), n))
                .collect();
            assert!(!years.is_empty());
            assert_eq!(pairs(&facets.filing_year), years, "{mode:?} {collapse}");
        }
    }
}

/// The ranking an export reads is the search's: same numbers, ranks and
/// scores on every page, in every mode, collapsed or not.
#[test]
fn the_ranking_without_records_is_the_searchs() {
    let f = fixture();
    for mode in [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        for collapse in [false, true] {
            for (offset, limit) in [(0, 10), (7, 25)] {
                let request = SearchRequest {
                    collapse,
                    ..request(QUERIES[3], mode, offset, limit)
                };
                let results = f.engine.search(&request).unwrap();
                let ranking = f.engine.ranking(&request).unwrap();
                assert_eq!(ranking.mode, mode);
                assert_eq!(ranking.total, results.total, "{mode:?} {collapse}");
                let from_search: Vec<(String, usize, f64)> = results
                    .hits
                    .iter()
                    .map(|h| (h.publication_number.clone(), h.rank, h.score))
                    .collect();
                let from_ranking: Vec<(String, usize, f64)> = ranking
                    .ranked
                    .iter()
                    .map(|r| (r.publication_number.clone(), r.rank, r.score))
                    .collect();
                assert_eq!(from_ranking.len(), limit, "{mode:?} {collapse}");
                assert_eq!(from_ranking, from_search, "{mode:?} {collapse} {offset}");
            }
        }
    }
    // Briefs in the order asked, None for a number not in the index.
    let ranking = f
        .engine
        .ranking(&request(QUERIES[3], SearchMode::Keyword, 0, 3))
        .unwrap();
    let mut numbers: Vec<patsearch_record::PublicationNumber> = ranking
        .ranked
        .iter()
        .map(|r| r.publication_number.parse().unwrap())
        .collect();
    numbers.insert(1, "US1234567B1".parse().unwrap());
    let briefs = f
        .engine
        .briefs(&numbers, &patsearch_record::Cancellation::never())
        .unwrap();
    assert_eq!(briefs.len(), 4);
    assert!(briefs[1].is_none());
    for (number, brief) in numbers.iter().zip(&briefs).filter(|(_, b)| b.is_some()) {
        let brief = brief.as_ref().unwrap();
        let record = f.engine.get(number).unwrap().unwrap();
        assert_eq!(brief.publication_number, record.publication_number);
        assert_eq!(brief.title, record.title);
        assert_eq!(brief.assignees, record.assignees);
        assert_eq!(brief.filing_date(), record.filing_date());
    }
}
