//! Queries in Chinese, German and Spanish against English patents: with
//! multilingual-e5-small (`models/fetch.sh multilingual-e5-small`) they find
//! what the English query finds, and hybrid search ranks them by the
//! semantic side alone, saying so. Fails, never skips, without the model.

use std::sync::{Arc, OnceLock};

use patsearch_embed::{EmbedOptions, Embedder};
use patsearch_engine::{
    Engine, Indexer, IndexerOptions, PassageOptions, SearchMode, SearchRequest,
};

use crate::common::{corpus_records, fixture, numbers, project_root, DOCS};

/// English queries on subjects of the shared index's documents, with
/// translations written for this test.
const QUERIES: &[(&str, [&str; 3])] = &[
    (
        "moving a running virtual machine to another host in the cloud",
        [
            "将正在运行的虚拟机迁移到云中的另一台主机",
            "eine laufende virtuelle Maschine in der Cloud auf einen anderen Host verschieben",
            "mover una máquina virtual en ejecución a otro servidor en la nube",
        ],
    ),
    (
        "wireless network device to device communication",
        [
            "无线网络中设备与设备之间的直接通信",
            "direkte Kommunikation zwischen Geräten in einem drahtlosen Netzwerk",
            "comunicación directa entre dispositivos en una red inalámbrica",
        ],
    ),
];

struct E5Index {
    _tmp: tempfile::TempDir,
    engine: Engine,
}

/// The shared index's documents (title + abstract passages only, to keep
/// the 12-layer model's work small) embedded with multilingual-e5-small.
fn e5_index() -> &'static E5Index {
    static INDEX: OnceLock<E5Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = project_root().join("models/multilingual-e5-small");
        assert!(
            dir.join("model.safetensors").is_file(),
            "multilingual-e5-small is missing at {}: run `bash models/fetch.sh multilingual-e5-small` from the project root",
            dir.display()
        );
        let embedder = Arc::new(Embedder::load(&dir, EmbedOptions::default()).unwrap());
        let tmp = tempfile::tempdir().unwrap();
        let mut indexer = Indexer::open_or_create(
            tmp.path().join("index"),
            IndexerOptions {
                embedder: Some(embedder),
                passages: Some(PassageOptions::summary_only()),
                ..IndexerOptions::default()
            },
        )
        .unwrap();
        for record in corpus_records(DOCS) {
            indexer.upsert(record).unwrap();
        }
        E5Index {
            _tmp: tmp,
            engine: indexer.finish().unwrap(),
        }
    })
}

fn search(engine: &Engine, query: &str, mode: SearchMode, limit: usize) -> Vec<String> {
    let request = SearchRequest {
        limit,
        collapse: false,
        ..SearchRequest::new(query, mode)
    };
    numbers(&engine.search(&request).unwrap())
}

#[test]
fn translated_queries_find_what_the_english_query_finds() {
    let engine = &e5_index().engine;
    for (english, translations) in QUERIES {
        let top = search(engine, english, SearchMode::Semantic, 3);
        for translated in translations {
            let found = search(engine, translated, SearchMode::Hybrid, 10);
            let shared = top.iter().filter(|n| found.contains(n)).count();
            assert!(
                shared >= 2,
                "{translated:?} finds {shared} of the English query's top 3 {top:?} in its top 10 {found:?}"
            );
        }
    }
}

#[test]
fn hybrid_ranks_a_foreign_query_by_the_semantic_side_and_says_so() {
    let engine = &e5_index().engine;
    for (_, translations) in QUERIES {
        for translated in translations {
            let request = SearchRequest {
                limit: 20,
                collapse: false,
                ..SearchRequest::new(*translated, SearchMode::Hybrid)
            };
            let hybrid = engine.search(&request).unwrap();
            let language = hybrid.language.clone().expect("a detected language");
            assert!(!language.keyword_applies, "{translated:?}: {language:?}");
            let note = hybrid.note.clone().expect("a note");
            assert!(note.contains(language.name), "{note}");
            assert!(hybrid.hits.iter().all(|h| h.keyword.is_none()));
            assert_eq!(
                numbers(&hybrid),
                search(engine, translated, SearchMode::Semantic, 20),
                "{translated:?}: hybrid follows the semantic ranking"
            );
            // Asked not to, hybrid keeps the keyword side.
            let kept = engine
                .search(&SearchRequest {
                    detect_language: false,
                    ..request.clone()
                })
                .unwrap();
            assert!(kept.note.is_none() && kept.language.is_none());
        }
    }
}

#[test]
fn english_queries_keep_both_sides_and_odd_queries_do_not_fail() {
    let f = fixture();
    let results = f
        .engine
        .search(&SearchRequest::new(QUERIES[0].0, SearchMode::Hybrid))
        .unwrap();
    assert_eq!(results.language.as_ref().map(|l| l.code), Some("eng"));
    assert!(results.note.is_none());
    assert!(results.hits.iter().any(|h| h.keyword.is_some()));
    let engine = &e5_index().engine;
    for query in [
        "🔋⚡🔌",
        "锂电池 USB-C 快速充电",
        "電池 battery Batterie batería",
        "𠀀𠀀",
    ] {
        for mode in [
            SearchMode::Hybrid,
            SearchMode::Semantic,
            SearchMode::Keyword,
        ] {
            let results = engine.search(&SearchRequest::new(query, mode));
            match (mode, results) {
                (_, Ok(r)) => assert!(r.hits.len() <= 10),
                // Keyword syntax may find no term to search for.
                (SearchMode::Keyword, Err(e)) => assert!(e.is_user_error(), "{query:?}: {e}"),
                (_, Err(e)) => panic!("{query:?} in {mode:?}: {e}"),
            }
        }
    }
}
