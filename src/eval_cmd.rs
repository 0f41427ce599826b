//! `patsearch eval`: runs judged topics through the engine, as the API
//! searches, and scores the rankings (the metrics, formats and tables are
//! `patsearch-eval`'s).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use patsearch_embed::EmbedOptions;
use patsearch_engine::{
    Engine, EngineError, EngineOptions, SearchMode, SearchRequest, SearchResults, VectorConfig,
    FETCH_HINT,
};
use patsearch_eval::{
    evaluate, markdown_table, read_topics, text_table, EvalError, Evaluation, Judgments, Qrels,
    Retrieved, Run, Topic,
};
use patsearch_keyword::KeywordError;
use patsearch_record::{Filters, PublicationNumber};
use patsearch_vectors::VectorError;

use crate::cli::{EvalArgs, EvalModeArg, EvalTaskArg};

/// A mistake in the arguments or input files: reported with exit status 2.
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

pub(crate) fn usage(message: impl Into<String>) -> anyhow::Error {
    Usage(message.into()).into()
}

pub fn run(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    match eval(args) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if is_user_error(&e) => {
            eprintln!("error: {e:#}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e),
    }
}

/// Bad arguments, unreadable or malformed input files, an index or model
/// that cannot serve the modes asked for.
fn is_user_error(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Usage>().is_some()
        || e.downcast_ref::<EvalError>()
            .is_some_and(EvalError::is_user_error)
        || e.downcast_ref::<EngineError>()
            .is_some_and(EngineError::is_user_error)
}

fn eval(args: &EvalArgs) -> anyhow::Result<()> {
    if args.task == EvalTaskArg::Summary {
        return crate::eval_summary::eval(args);
    }
    // The input files first: a typo is reported before the index and the
    // model are loaded.
    let qrels_path = args
        .qrels
        .as_deref()
        .ok_or_else(|| usage("--qrels FILE is needed (judgments: `topic 0 docid grade` a line)"))?;
    let qrels = Qrels::read(qrels_path)?;
    let judged = qrels.evaluable_topics().count();
    if judged == 0 {
        return Err(usage(format!(
            "no topic of {} has a relevant judgment (grade above 0): nothing to evaluate",
            qrels_path.display()
        )));
    }
    let topics = match (&args.queries, args.task) {
        (Some(path), _) => read_topics(path)?,
        // Similar patents: each judged topic is the publication number to
        // start from.
        (None, EvalTaskArg::Similar) => qrels
            .topics()
            .map(|t| Topic {
                id: t.to_string(),
                text: t.to_string(),
            })
            .collect(),
        (None, EvalTaskArg::Summary) => unreachable!("summaries are evaluated by eval_summary"),
        (None, EvalTaskArg::Search) => {
            return Err(usage(
                "--task search needs --queries FILE (`topic<TAB>query text` a line)",
            ))
        }
    };
    let filters = args.filters.to_filters();
    let depth = args.depth as usize;

    let started = Instant::now();
    let mut engine = Engine::open(
        &args.index,
        EngineOptions {
            candidates: args.candidates,
            vectors: VectorConfig {
                passage_weight: args
                    .passage_weight
                    .unwrap_or(VectorConfig::default().passage_weight),
                ..VectorConfig::default()
            },
            ..EngineOptions::default()
        },
    )?;
    let modes = modes(args, &engine)?;
    if args.task == EvalTaskArg::Search
        && modes.iter().any(|&m| m != SearchMode::Keyword)
        && engine.has_vectors()
    {
        load_model(&mut engine, args.model.as_deref())?;
    }
    eprintln!(
        "index {}: {} documents; {} topics with a relevant judgment in {}; {} {}; depth {depth} ({:.1} s to open)",
        args.index.display(),
        engine.num_docs(),
        judged,
        qrels_path.display(),
        topics.len(),
        match args.task {
            EvalTaskArg::Search => "queries",
            EvalTaskArg::Similar => "similar-patent topics",
            EvalTaskArg::Summary => unreachable!("summaries are evaluated by eval_summary"),
        },
        started.elapsed().as_secs_f64()
    );
    report_coverage(&qrels, &topics);

    let mut evaluations: Vec<Evaluation> = Vec::new();
    let mut family_pages: Vec<String> = Vec::new();
    for &mode in &modes {
        let started = Instant::now();
        let (run, failures) = match args.task {
            EvalTaskArg::Search => search_run(&engine, args, mode, &filters, &topics, &qrels)?,
            EvalTaskArg::Similar => similar_run(&engine, depth, &filters, &topics, &qrels)?,
            EvalTaskArg::Summary => unreachable!("summaries are evaluated by eval_summary"),
        };
        for (topic, why) in &failures {
            let outcome = if qrels.num_relevant(topic) > 0 {
                "scores 0"
            } else {
                "is not ranked"
            };
            eprintln!("warning: {mode}: topic {topic} {outcome}: {why}");
        }
        eprintln!(
            "{mode}: {} topics ranked in {:.1} s",
            topics.len() - failures.len(),
            started.elapsed().as_secs_f64()
        );
        if let Some(path) = &args.run_out {
            let path = if args.mode == EvalModeArg::All {
                path_with_mode(path, mode)
            } else {
                path.clone()
            };
            run.write_file(&path)?;
            eprintln!("{mode}: run written to {}", path.display());
        }
        if args.task == EvalTaskArg::Search {
            let pages = pages_with_a_family_twice(&engine, &run, &topics)?;
            family_pages.push(format!("{mode} {pages}/{}", topics.len()));
        }
        if args.collapse && args.task == EvalTaskArg::Search {
            let family = family_names(&engine)?;
            let name = |doc: &str| family_name(&family, doc);
            evaluations.push(evaluate(&qrels.grouped(name), &run.grouped(name)));
        } else {
            evaluations.push(evaluate(&qrels, &run));
        }
    }

    let names: Vec<String> = modes.iter().map(ToString::to_string).collect();
    let columns: Vec<(&str, &Evaluation)> =
        names.iter().map(String::as_str).zip(&evaluations).collect();
    if args.markdown {
        print!("{}", markdown_table(&columns));
    } else {
        print!("{}", text_table(&columns));
    }
    if !family_pages.is_empty() {
        eprintln!(
            "first pages (10 hits) holding two members of one family: {}",
            family_pages.join(", ")
        );
    }
    if args.collapse && args.task == EvalTaskArg::Search {
        eprintln!("collapsed: one hit per family; each family scored with the best grade of its judged members");
    }
    Ok(())
}

/// How many topics' first ten hits hold two relatives (family members or
/// near-duplicates, as similar patents finds them): what collapsing a
/// family into one hit would change.
fn pages_with_a_family_twice(
    engine: &Engine,
    run: &Run,
    topics: &[Topic],
) -> anyhow::Result<usize> {
    let base = |number: &str| number.parse::<PublicationNumber>().ok().map(|n| n.base());
    let mut pages = 0;
    for topic in topics {
        let page: Vec<PublicationNumber> = run
            .ranking(&topic.id)
            .unwrap_or_default()
            .iter()
            .take(10)
            .filter_map(|r| r.doc.parse().ok())
            .collect();
        let bases: Vec<String> = page.iter().map(PublicationNumber::base).collect();
        let mut twice = false;
        for number in &page {
            let relatives = engine.relatives(number)?.unwrap_or_default();
            if relatives
                .iter()
                .any(|r| base(&r.publication_number).is_some_and(|b| bases.contains(&b)))
            {
                twice = true;
                break;
            }
        }
        pages += usize::from(twice);
    }
    Ok(pages)
}

/// Publication base number -> the name of its family: the base number of
/// its first member, for publications with relatives.
fn family_names(engine: &Engine) -> anyhow::Result<BTreeMap<String, String>> {
    let families = engine.families()?;
    let mut names = BTreeMap::new();
    let base = |n: &str| n.parse::<PublicationNumber>().map(|n| n.base()).ok();
    for group in families.groups() {
        let members = families.members(group);
        let Some(first) = members.iter().find_map(|m| base(m)) else {
            continue;
        };
        for member in members {
            if let Some(b) = base(member) {
                names.insert(b, first.clone());
            }
        }
    }
    Ok(names)
}

/// The family a judged or ranked document id stands for under collapse:
/// its family's name, or its own base number when it has no relatives.
fn family_name(names: &BTreeMap<String, String>, doc: &str) -> String {
    match doc.parse::<PublicationNumber>() {
        Ok(number) => {
            let base = number.base();
            names.get(&base).cloned().unwrap_or(base)
        }
        Err(_) => doc.to_string(),
    }
}

/// The modes to run: those asked for that the index and the task support.
fn modes(args: &EvalArgs, engine: &Engine) -> anyhow::Result<Vec<SearchMode>> {
    let no_vectors = || {
        usage(format!(
            "{} has no vector index (it was built with --no-embed): similar patents are ranked by vectors",
            args.index.display()
        ))
    };
    Ok(match (args.task, args.mode) {
        (EvalTaskArg::Similar, EvalModeArg::All | EvalModeArg::Semantic) => {
            if !engine.has_vectors() {
                return Err(no_vectors());
            }
            if args.mode == EvalModeArg::All {
                eprintln!("note: similar patents are ranked by vectors only (the engine has no keyword or hybrid similar-patent search): semantic only");
            }
            vec![SearchMode::Semantic]
        }
        (EvalTaskArg::Similar, mode) => {
            return Err(usage(format!(
                "--task similar ranks by vectors only: the engine has no {} similar-patent search; use --mode semantic (or all)",
                if mode == EvalModeArg::Keyword { "keyword" } else { "hybrid" }
            )))
        }
        (EvalTaskArg::Search, EvalModeArg::All) if engine.has_vectors() => {
            vec![SearchMode::Keyword, SearchMode::Semantic, SearchMode::Hybrid]
        }
        (EvalTaskArg::Search, EvalModeArg::All) => {
            eprintln!(
                "note: {} has no vector index: keyword only",
                args.index.display()
            );
            vec![SearchMode::Keyword]
        }
        (EvalTaskArg::Search, EvalModeArg::Keyword) => vec![SearchMode::Keyword],
        (EvalTaskArg::Search, EvalModeArg::Semantic) => vec![SearchMode::Semantic],
        (EvalTaskArg::Search, EvalModeArg::Hybrid) => vec![SearchMode::Hybrid],
        (EvalTaskArg::Summary, _) => Vec::new(),
    })
}

/// Loads the model that embeds the queries, from `--model` (or
/// `PATSEARCH_MODEL`), else the default directory, as `patsearch search`
/// does.
fn load_model(engine: &mut Engine, flag: Option<&Path>) -> anyhow::Result<()> {
    let dir = crate::cli::model_dir(flag);
    if !dir.is_dir() {
        return Err(usage(format!(
            "semantic and hybrid search embed the query with the model the index was built with ({}), and it is not at {}: {FETCH_HINT}; or evaluate with --mode keyword",
            engine.model().unwrap_or_default(),
            dir.display()
        )));
    }
    engine
        .load_model(&dir, EmbedOptions::default())
        .with_context(|| format!("cannot use the embedding model {}", dir.display()))
}

/// Says on stderr which judged topics have no query (they score 0) and
/// which queries are not judged (they are ranked, not counted).
fn report_coverage(qrels: &Qrels, topics: &[Topic]) {
    let asked: std::collections::BTreeSet<&str> = topics.iter().map(|t| t.id.as_str()).collect();
    let unasked: Vec<&str> = qrels
        .evaluable_topics()
        .filter(|t| !asked.contains(t))
        .collect();
    if !unasked.is_empty() {
        eprintln!(
            "warning: {} judged topics have no query and score 0: {}",
            unasked.len(),
            abbreviated(&unasked)
        );
    }
    let unjudged: Vec<&str> = topics
        .iter()
        .map(|t| t.id.as_str())
        .filter(|t| qrels.num_relevant(t) == 0)
        .collect();
    if !unjudged.is_empty() {
        eprintln!(
            "note: {} topics have no relevant judgment and are not counted: {}",
            unjudged.len(),
            abbreviated(&unjudged)
        );
    }
}

fn abbreviated(list: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut text = list
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > SHOWN {
        text.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    text
}

/// Topic id -> why it has no ranking.
type Failures = Vec<(String, String)>;

/// Every topic searched in `mode` exactly as `POST /v1/search` does: the
/// top `depth` hits from offset 0, without snippets or facets.
fn search_run(
    engine: &Engine,
    args: &EvalArgs,
    mode: SearchMode,
    filters: &Filters,
    topics: &[Topic],
    qrels: &Qrels,
) -> anyhow::Result<(Run, Failures)> {
    let mut run = Run::new(format!("patsearch-{mode}"));
    let mut failures = Vec::new();
    for topic in topics {
        let request = SearchRequest {
            query: topic.text.clone(),
            mode,
            filters: filters.clone(),
            limit: args.depth as usize,
            offset: 0,
            fusion: args.ranking.fusion(),
            snippets: false,
            facets: false,
            collapse: args.collapse,
            detect_language: !args.no_language_detection,
            ..SearchRequest::default()
        };
        match engine.search(&request) {
            Ok(results) => run.insert(
                topic.id.clone(),
                ranking(&results, qrels.judgments(&topic.id), None),
            ),
            // One topic's query may not be valid keyword syntax (keyword
            // and hybrid modes read it so): the API would refuse it too.
            Err(EngineError::Keyword(KeywordError::Query(e))) => failures.push((
                topic.id.clone(),
                format!(
                    "invalid keyword query at character {}: {}",
                    e.position + 1,
                    e.message
                ),
            )),
            Err(EngineError::InvalidRequest(e)) => failures.push((topic.id.clone(), e)),
            Err(e) => {
                return Err(anyhow::Error::from(e).context(format!("topic {}", topic.id)));
            }
        }
    }
    Ok((run, failures))
}

/// Every topic's similar patents, as `GET /v1/patents/{number}/similar`
/// ranks them: the `depth` nearest by vectors, the topic's own patent
/// excluded.
fn similar_run(
    engine: &Engine,
    depth: usize,
    filters: &Filters,
    topics: &[Topic],
    qrels: &Qrels,
) -> anyhow::Result<(Run, Failures)> {
    let mut run = Run::new(format!("patsearch-{}", SearchMode::Semantic));
    let mut failures = Vec::new();
    for topic in topics {
        let number: PublicationNumber = match topic.text.parse() {
            Ok(number) => number,
            Err(e) => {
                failures.push((topic.id.clone(), format!("{:?}: {e}", topic.text)));
                continue;
            }
        };
        match engine.similar(&number, depth, filters) {
            // The engine leaves the patent itself out; another kind of the
            // same publication, were the index to hold one, goes too.
            Ok(results) => run.insert(
                topic.id.clone(),
                ranking(&results, qrels.judgments(&topic.id), Some(&number.base())),
            ),
            Err(
                EngineError::UnknownDocument(_)
                | EngineError::Vectors(VectorError::UnknownDocument(_)),
            ) => failures.push((topic.id.clone(), format!("{number} is not in the index"))),
            Err(e) => {
                return Err(anyhow::Error::from(e).context(format!("topic {}", topic.id)));
            }
        }
    }
    Ok((run, failures))
}

/// The hits as a ranking of document ids, in the engine's order (its ties
/// are already broken by publication number). A hit whose number is judged
/// under another kind (`US8799651B2` in the index, `US8799651` in the
/// qrels, or the reverse) takes the judged spelling; hits of `exclude`
/// (a publication base number) are left out.
fn ranking(
    results: &SearchResults,
    judgments: Option<&Judgments>,
    exclude: Option<&str>,
) -> Vec<Retrieved> {
    let mut by_base: BTreeMap<String, &str> = BTreeMap::new();
    for doc in judgments.into_iter().flat_map(|j| j.keys()) {
        if let Ok(number) = doc.parse::<PublicationNumber>() {
            by_base.entry(number.base()).or_insert(doc);
        }
    }
    let mut out = Vec::with_capacity(results.hits.len());
    for hit in &results.hits {
        let number = hit.publication_number.as_str();
        let base = number.parse::<PublicationNumber>().ok().map(|n| n.base());
        if exclude.is_some() && base.as_deref() == exclude {
            continue;
        }
        let doc = if judgments.is_some_and(|j| j.contains_key(number)) {
            number
        } else {
            base.as_deref()
                .and_then(|b| by_base.get(b).copied())
                .unwrap_or(number)
        };
        out.push(Retrieved {
            doc: doc.to_string(),
            score: hit.score,
        });
    }
    out
}

/// `run.txt` -> `run.keyword.txt`; `run` -> `run.keyword`.
fn path_with_mode(path: &Path, mode: SearchMode) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.{mode}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{mode}"),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_files_of_several_modes_get_the_mode_before_the_extension() {
        assert_eq!(
            path_with_mode(Path::new("out/run.txt"), SearchMode::Keyword),
            PathBuf::from("out/run.keyword.txt")
        );
        assert_eq!(
            path_with_mode(Path::new("run"), SearchMode::Hybrid),
            PathBuf::from("run.hybrid")
        );
        assert_eq!(
            path_with_mode(Path::new("/tmp/a.b.trec"), SearchMode::Semantic),
            PathBuf::from("/tmp/a.b.semantic.trec")
        );
    }

    fn results(numbers: &[&str]) -> SearchResults {
        SearchResults {
            mode: SearchMode::Semantic,
            hits: numbers
                .iter()
                .enumerate()
                .map(|(i, n)| patsearch_engine::Hit {
                    publication_number: n.to_string(),
                    rank: i + 1,
                    score: 1.0 / (i + 1) as f64,
                    title: String::new(),
                    gist: String::new(),
                    keyword: None,
                    semantic: None,
                    snippet: None,
                    related: None,
                    family_size: 1,
                    family: Vec::new(),
                })
                .collect(),
            total: numbers.len(),
            took: std::time::Duration::ZERO,
            facets: None,
            language: None,
            note: None,
        }
    }

    #[test]
    fn hits_take_the_judged_spelling_of_their_number() {
        let judgments: Judgments = [("US8799651".to_string(), 2), ("US1000002B2".to_string(), 1)]
            .into_iter()
            .collect();
        let ranked = ranking(
            &results(&["US8799651B2", "US1000002", "US5", "US8799651"]),
            Some(&judgments),
            None,
        );
        let docs: Vec<&str> = ranked.iter().map(|r| r.doc.as_str()).collect();
        assert_eq!(docs, ["US8799651", "US1000002B2", "US5", "US8799651"]);
        assert_eq!(ranked[1].score, 0.5);
        // Without judgments, the numbers as the index has them.
        let ranked = ranking(&results(&["US8799651B2"]), None, None);
        assert_eq!(ranked[0].doc, "US8799651B2");
    }

    #[test]
    fn the_query_patent_is_left_out_of_its_similar_patents() {
        let ranked = ranking(&results(&["US1B1", "US2", "US1B2"]), None, Some("US1"));
        let docs: Vec<&str> = ranked.iter().map(|r| r.doc.as_str()).collect();
        assert_eq!(docs, ["US2"]);
    }
}
