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
    /// Search an index.
    ///
    /// Query syntax: words (any may match, ranked by BM25), AND / OR / NOT and
    /// parentheses, +required and -excluded words, "phrases", "proximity"~5,
    /// wildcards (charg*), fields (title: abstract: claims: description:
    /// assignee: inventor: cpc: ipc: pn: country: kind:), date ranges
    /// (filed:[2012-01-01 TO 2013-06-30], published:2013) and before:/after:
    /// (before:2013-01-01, after:filing:2012).
    Search(SearchArgs),
    /// Delete publications from an index.
    Delete(DeleteArgs),
}

/// Structured filters, shared by every command that searches.
#[derive(Debug, Args, Default)]
pub struct FilterArgs {
    /// CPC prefix (G06F, G06F16, G06F16/245); repeat for any of several.
    #[arg(long = "cpc", value_name = "PREFIX")]
    pub cpc: Vec<String>,
    /// IPC prefix; repeat for any of several.
    #[arg(long = "ipc", value_name = "PREFIX")]
    pub ipc: Vec<String>,
    /// Assignee name (all its words must appear); repeat for any of several.
    #[arg(long = "assignee", value_name = "NAME")]
    pub assignee: Vec<String>,
    /// Country code; repeat for any of several.
    #[arg(long = "country", value_name = "CC")]
    pub country: Vec<String>,
    /// Kind code; repeat for any of several.
    #[arg(long = "kind", value_name = "KIND")]
    pub kind: Vec<String>,
    /// Filed on or after (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub filed_from: Option<chrono::NaiveDate>,
    /// Filed on or before (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub filed_to: Option<chrono::NaiveDate>,
    /// Published on or after (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub published_from: Option<chrono::NaiveDate>,
    /// Published on or before (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub published_to: Option<chrono::NaiveDate>,
    /// Priority date on or after (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub priority_from: Option<chrono::NaiveDate>,
    /// Priority date on or before (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub priority_to: Option<chrono::NaiveDate>,
}

impl FilterArgs {
    pub fn to_filters(&self) -> patsearch_record::Filters {
        use patsearch_record::DateRange;
        patsearch_record::Filters {
            cpc: self.cpc.clone(),
            ipc: self.ipc.clone(),
            filed: DateRange {
                from: self.filed_from,
                to: self.filed_to,
            },
            published: DateRange {
                from: self.published_from,
                to: self.published_to,
            },
            priority: DateRange {
                from: self.priority_from,
                to: self.priority_to,
            },
            assignee: self.assignee.clone(),
            country: self.country.clone(),
            kind: self.kind.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The query.
    pub query: String,
    /// Hits per page.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip (for paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Require every word (default: any word, ranked).
    #[arg(long)]
    pub all_words: bool,
    /// Print facet counts (CPC subclass, assignee, year).
    #[arg(long)]
    pub facets: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filters: FilterArgs,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Publication numbers (without a kind: every kind of it).
    #[arg(required = true)]
    pub numbers: Vec<String>,
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
    /// Add the records to this index directory (created when absent);
    /// a record whose publication number is already there replaces it.
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Commit the index every N records, so an interrupted ingest keeps its work.
    #[arg(long, default_value_t = 5000, value_name = "N")]
    pub commit_every: u64,
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
        let Command::Ingest(args) = cli.command else {
            panic!("ingest")
        };
        assert_eq!(
            args.paths,
            vec![PathBuf::from("a.xml"), PathBuf::from("dir")]
        );
        assert_eq!(args.dump, Some(PathBuf::from("out.jsonl")));
        assert_eq!(args.threads, 2);
        assert!(Cli::try_parse_from(["patsearch", "ingest"]).is_err());
    }

    #[test]
    fn search_arguments_parse_into_filters() {
        let cli = Cli::try_parse_from([
            "patsearch",
            "search",
            "--index",
            "idx",
            "wireless charging",
            "--cpc",
            "H02J",
            "--cpc",
            "H01F",
            "--filed-from",
            "2013-01-01",
            "--limit",
            "5",
        ])
        .unwrap();
        let Command::Search(args) = cli.command else {
            panic!("search")
        };
        assert_eq!(args.query, "wireless charging");
        let filters = args.filters.to_filters();
        assert_eq!(filters.cpc, ["H02J", "H01F"]);
        assert_eq!(
            filters.filed.from,
            chrono::NaiveDate::from_ymd_opt(2013, 1, 1)
        );
        assert_eq!(args.limit, 5);
        assert!(Cli::try_parse_from([
            "patsearch",
            "search",
            "--index",
            "i",
            "q",
            "--filed-from",
            "2013-13-01"
        ])
        .is_err());
    }
}
