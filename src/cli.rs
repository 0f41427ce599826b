//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Self-hostable semantic patent search.
#[derive(Debug, Parser)]
#[command(name = "patsearch", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read patent files (USPTO/EPO XML, JSONL; plain, .zip, .gz, .zst; files or directories).
    ///
    /// Exit status: 0 when every document was ingested, 2 when some were
    /// skipped (each is reported on stderr), 1 on a fatal error.
    Ingest(IngestArgs),
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or directories to read (directories are walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write the canonical records as JSONL to this file (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub dump: Option<PathBuf>,
    /// Parser threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the summary as JSON on stdout (when not dumping to stdout).
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_arguments_parse() {
        let cli = Cli::try_parse_from([
            "patsearch",
            "ingest",
            "a.xml",
            "dir",
            "--dump",
            "out.jsonl",
            "--threads",
            "2",
        ])
        .unwrap();
        let Command::Ingest(args) = cli.command;
        assert_eq!(
            args.paths,
            vec![PathBuf::from("a.xml"), PathBuf::from("dir")]
        );
        assert_eq!(args.dump, Some(PathBuf::from("out.jsonl")));
        assert_eq!(args.threads, 2);
        assert!(Cli::try_parse_from(["patsearch", "ingest"]).is_err());
    }
}
