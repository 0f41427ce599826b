//! `patsearch eval`: runs judged topics through the engine, as the API
//! searches, and scores the rankings (the metrics, formats and tables are
//! `patsearch-eval`'s).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use patsearch_embed::EmbedOptions;
use patsearch_engine::{
    Engine, EngineError, EngineOptions, SearchMode, SearchRequest, SearchResults, VectorConfig,
    FETCH_HINT,
};
use patsearch_eval::{
    abbreviated, evaluate, markdown_table, pages_with_relatives_twice, path_for_system,
    read_topics, text_table, Answer, Coverage, EvalError, Evaluation, Failure, FamilyNames, Qrels,
    Retrieved, Runner, Topic,
};
use patsearch_keyword::KeywordError;
use patsearch_record::error_kind::ErrorClass;
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
        Err(e) => match exit_status(&e) {
            Some(status) => {
                eprintln!("error: {e:#}");
                Ok(ExitCode::from(status))
            }
            None => Err(e),
        },
    }
}

/// 2 for bad arguments and unreadable or malformed input files; an engine
/// error exits as it does from every other command (`crate::exit_status`);
/// `None` leaves the error to `main`.
fn exit_status(e: &anyhow::Error) -> Option<u8> {
    if e.downcast_ref::<Usage>().is_some()
        || e.downcast_ref::<EvalError>()
            .is_some_and(EvalError::is_user_error)
    {
        return Some(2);
    }
    e.downcast_ref::<EngineError>()
        .map(|e| crate::exit_status(e.kind()))
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

    let runner = Runner::new(&qrels, publication);
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let mut family_pages: Vec<String> = Vec::new();
    for &mode in &modes {
        let started = Instant::now();
        let tag = format!("patsearch-{mode}");
        let (run, failures) = match args.task {
            EvalTaskArg::Search => runner.run(tag, &topics, |topic| {
                search(&engine, args, mode, &filters, topic)
            })?,
            EvalTaskArg::Similar => runner.topic_is_document().run(tag, &topics, |topic| {
                similar(&engine, depth, &filters, topic)
            })?,
            EvalTaskArg::Summary => unreachable!("summaries are evaluated by eval_summary"),
        };
        for Failure { topic, why } in &failures {
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
                path_for_system(path, &mode.to_string())
            } else {
                path.clone()
            };
            run.write_file(&path)?;
            eprintln!("{mode}: run written to {}", path.display());
        }
        if args.task == EvalTaskArg::Search {
            let pages = pages_with_relatives_twice(&run, &topics, publication, |doc| {
                relatives(&engine, doc)
            })?;
            family_pages.push(format!("{mode} {pages}/{}", topics.len()));
        }
        if args.collapse && args.task == EvalTaskArg::Search {
            let families = engine.families()?;
            let names =
                FamilyNames::new(families.groups().map(|g| families.members(g)), publication);
            let name = |doc: &str| names.name(doc);
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

/// A publication number's identity across kinds (`US8799651B2` and
/// `US8799651` are one publication): how hits meet judgments.
fn publication(doc: &str) -> Option<String> {
    doc.parse::<PublicationNumber>().ok().map(|n| n.base())
}

/// A ranked publication's relatives (family members, near-duplicates).
fn relatives(engine: &Engine, doc: &str) -> anyhow::Result<Vec<String>> {
    let number: PublicationNumber = doc.parse()?;
    Ok(engine
        .relatives(&number)?
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.publication_number)
        .collect())
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
    let Coverage { unasked, unjudged } = Coverage::of(qrels, topics);
    if !unasked.is_empty() {
        eprintln!(
            "warning: {} judged topics have no query and score 0: {}",
            unasked.len(),
            abbreviated(&unasked)
        );
    }
    if !unjudged.is_empty() {
        eprintln!(
            "note: {} topics have no relevant judgment and are not counted: {}",
            unjudged.len(),
            abbreviated(&unjudged)
        );
    }
}

/// One topic searched in `mode` exactly as `POST /v1/search` does: the
/// top `depth` hits from offset 0, without snippets or facets.
fn search(
    engine: &Engine,
    args: &EvalArgs,
    mode: SearchMode,
    filters: &Filters,
    topic: &Topic,
) -> anyhow::Result<Answer> {
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
        Ok(results) => Ok(Ok(hits(results))),
        // One topic's query may not be valid keyword syntax (keyword and
        // hybrid modes read it so): the API would refuse it too.
        Err(EngineError::Keyword(KeywordError::Query(e))) => Ok(Err(format!(
            "invalid keyword query at character {}: {}",
            e.position + 1,
            e.message
        ))),
        Err(EngineError::InvalidRequest(e)) => Ok(Err(e)),
        Err(e) => Err(anyhow::Error::from(e).context(format!("topic {}", topic.id))),
    }
}

/// One topic's similar patents, as `GET /v1/patents/{number}/similar`
/// ranks them: the `depth` nearest by vectors (the runner leaves out the
/// topic's own publication under any kind).
fn similar(
    engine: &Engine,
    depth: usize,
    filters: &Filters,
    topic: &Topic,
) -> anyhow::Result<Answer> {
    let number: PublicationNumber = match topic.text.parse() {
        Ok(number) => number,
        Err(e) => return Ok(Err(format!("{:?}: {e}", topic.text))),
    };
    match engine.similar(&number, depth, filters) {
        Ok(results) => Ok(Ok(hits(results))),
        Err(
            EngineError::UnknownDocument(_) | EngineError::Vectors(VectorError::UnknownDocument(_)),
        ) => Ok(Err(format!("{number} is not in the index"))),
        Err(e) => Err(anyhow::Error::from(e).context(format!("topic {}", topic.id))),
    }
}

/// The hits in the engine's order (its ties are already broken by
/// publication number).
fn hits(results: SearchResults) -> Vec<Retrieved> {
    results
        .hits
        .into_iter()
        .map(|hit| Retrieved {
            doc: hit.publication_number,
            score: hit.score,
        })
        .collect()
}
