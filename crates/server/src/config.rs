//! Server settings, layered: built-in defaults, then a TOML file, then
//! `PATSEARCH_*` environment variables, then command-line flags (each layer
//! overrides the ones before it), validated once at start-up.
//!
//! Every setting has the same name in each layer: `max_limit` in the file
//! is `PATSEARCH_MAX_LIMIT` in the environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use patsearch_embed::DEFAULT_MODEL_DIR;
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The longest request target hyper parses at all (its own 414 above it);
/// the API's limit must stay at or below it.
pub const MAX_URI_BYTES_CEILING: usize = 65_534;

/// The settings the server runs with.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// The index directory to serve.
    pub index: PathBuf,
    /// Address to listen on (`host:port`; port 0 picks a free port).
    pub addr: String,
    /// The embedding model directory (loaded when the index has vectors).
    pub model: PathBuf,
    /// The key that writes (and with `require_key_for_reads`, reads) need.
    /// `None`: writes are disabled.
    pub api_key: Option<String>,
    /// Whether searches and lookups need the API key too.
    pub require_key_for_reads: bool,
    /// Largest request body accepted by `POST /v1/documents`, in bytes.
    pub max_body_bytes: usize,
    /// Largest request body of every other endpoint, in bytes.
    pub max_search_body_bytes: usize,
    /// Longest query accepted, in characters.
    pub max_query_chars: usize,
    /// Largest `limit` (hits per page).
    pub max_limit: usize,
    /// Largest `offset`.
    pub max_offset: usize,
    /// Most hits one `GET /v1/export` writes (its default `limit`).
    pub max_export_hits: usize,
    /// Time a read request may take before it is answered with `timeout`.
    pub request_timeout: Duration,
    /// Time a write request may take before it is answered with `timeout`
    /// (the write itself still completes).
    pub write_timeout: Duration,
    /// Candidates each retriever contributes in semantic and hybrid search.
    pub candidates: usize,
    /// Time a client has to send a request's head (request line and
    /// headers), from the connection opening or the previous response;
    /// the connection is closed after it. Also how long an idle keep-alive
    /// connection stays open.
    pub header_read_timeout: Duration,
    /// Longest request target (path and query string) accepted, in bytes.
    pub max_uri_bytes: usize,
    /// Largest total size of a request's header fields, in bytes.
    pub max_header_bytes: usize,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// CPC subclass titles for the facets (see `cpc_titles`): the CPC Title
    /// List's folder, or a file of `SYMBOL<TAB>TITLE` lines.
    pub cpc_titles: Option<PathBuf>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("index", &self.index)
            .field("addr", &self.addr)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("require_key_for_reads", &self.require_key_for_reads)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_search_body_bytes", &self.max_search_body_bytes)
            .field("max_query_chars", &self.max_query_chars)
            .field("max_limit", &self.max_limit)
            .field("max_offset", &self.max_offset)
            .field("max_export_hits", &self.max_export_hits)
            .field("request_timeout", &self.request_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("candidates", &self.candidates)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_uri_bytes", &self.max_uri_bytes)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("max_connections", &self.max_connections)
            .field("cpc_titles", &self.cpc_titles)
            .finish()
    }
}

/// One layer of settings: every field optional. The TOML file's shape, and
/// what the environment and the flags fill in.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub index: Option<PathBuf>,
    pub addr: Option<String>,
    pub model: Option<PathBuf>,
    pub api_key: Option<String>,
    pub require_key_for_reads: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub max_search_body_bytes: Option<usize>,
    pub max_query_chars: Option<usize>,
    pub max_limit: Option<usize>,
    pub max_offset: Option<usize>,
    pub max_export_hits: Option<usize>,
    pub request_timeout_ms: Option<u64>,
    pub write_timeout_ms: Option<u64>,
    pub candidates: Option<usize>,
    pub header_read_timeout_ms: Option<u64>,
    pub max_uri_bytes: Option<usize>,
    pub max_header_bytes: Option<usize>,
    pub max_connections: Option<usize>,
    pub cpc_titles: Option<PathBuf>,
}

/// The environment variable of each setting.
pub const ENV_VARS: [&str; 19] = [
    "PATSEARCH_INDEX",
    "PATSEARCH_ADDR",
    "PATSEARCH_MODEL",
    "PATSEARCH_API_KEY",
    "PATSEARCH_REQUIRE_KEY_FOR_READS",
    "PATSEARCH_MAX_BODY_BYTES",
    "PATSEARCH_MAX_SEARCH_BODY_BYTES",
    "PATSEARCH_MAX_QUERY_CHARS",
    "PATSEARCH_MAX_LIMIT",
    "PATSEARCH_MAX_OFFSET",
    "PATSEARCH_MAX_EXPORT_HITS",
    "PATSEARCH_REQUEST_TIMEOUT_MS",
    "PATSEARCH_WRITE_TIMEOUT_MS",
    "PATSEARCH_CANDIDATES",
    "PATSEARCH_HEADER_READ_TIMEOUT_MS",
    "PATSEARCH_MAX_URI_BYTES",
    "PATSEARCH_MAX_HEADER_BYTES",
    "PATSEARCH_MAX_CONNECTIONS",
    "PATSEARCH_CPC_TITLES",
];

/// The environment variable naming a configuration file (when `--config`
/// does not).
pub const CONFIG_ENV: &str = "PATSEARCH_CONFIG";

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}={value:?}: {message}")]
    Env {
        name: String,
        value: String,
        message: String,
    },
    #[error("invalid setting {name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl Settings {
    /// Reads a TOML file of settings.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    /// Reads the `PATSEARCH_*` variables through `get` (`std::env::var`
    /// in the binary; a map in tests). Empty values count as unset.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        fn parse<T: std::str::FromStr>(name: &str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.to_string(),
                message: e.to_string(),
                value,
            })
        }
        let number = |name: &str| var(name).map(|v| parse::<usize>(name, v)).transpose();
        let millis = |name: &str| var(name).map(|v| parse::<u64>(name, v)).transpose();
        let require_key_for_reads = match var("PATSEARCH_REQUIRE_KEY_FOR_READS") {
            None => None,
            Some(v) => Some(match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(ConfigError::Env {
                        name: "PATSEARCH_REQUIRE_KEY_FOR_READS".into(),
                        value: v,
                        message: "expected true or false".into(),
                    })
                }
            }),
        };
        Ok(Self {
            index: var("PATSEARCH_INDEX").map(PathBuf::from),
            addr: var("PATSEARCH_ADDR"),
            model: var("PATSEARCH_MODEL").map(PathBuf::from),
            api_key: var("PATSEARCH_API_KEY"),
            require_key_for_reads,
            max_body_bytes: number("PATSEARCH_MAX_BODY_BYTES")?,
            max_search_body_bytes: number("PATSEARCH_MAX_SEARCH_BODY_BYTES")?,
            max_query_chars: number("PATSEARCH_MAX_QUERY_CHARS")?,
            max_limit: number("PATSEARCH_MAX_LIMIT")?,
            max_offset: number("PATSEARCH_MAX_OFFSET")?,
            max_export_hits: number("PATSEARCH_MAX_EXPORT_HITS")?,
            request_timeout_ms: millis("PATSEARCH_REQUEST_TIMEOUT_MS")?,
            write_timeout_ms: millis("PATSEARCH_WRITE_TIMEOUT_MS")?,
            candidates: number("PATSEARCH_CANDIDATES")?,
            header_read_timeout_ms: millis("PATSEARCH_HEADER_READ_TIMEOUT_MS")?,
            max_uri_bytes: number("PATSEARCH_MAX_URI_BYTES")?,
            max_header_bytes: number("PATSEARCH_MAX_HEADER_BYTES")?,
            max_connections: number("PATSEARCH_MAX_CONNECTIONS")?,
            cpc_titles: var("PATSEARCH_CPC_TITLES").map(PathBuf::from),
        })
    }

    /// `self` with every setting `over` has replaced.
    pub fn overridden_by(self, over: Settings) -> Settings {
        Settings {
            index: over.index.or(self.index),
            addr: over.addr.or(self.addr),
            model: over.model.or(self.model),
            api_key: over.api_key.or(self.api_key),
            require_key_for_reads: over.require_key_for_reads.or(self.require_key_for_reads),
            max_body_bytes: over.max_body_bytes.or(self.max_body_bytes),
            max_search_body_bytes: over.max_search_body_bytes.or(self.max_search_body_bytes),
            max_query_chars: over.max_query_chars.or(self.max_query_chars),
            max_limit: over.max_limit.or(self.max_limit),
            max_offset: over.max_offset.or(self.max_offset),
            max_export_hits: over.max_export_hits.or(self.max_export_hits),
            request_timeout_ms: over.request_timeout_ms.or(self.request_timeout_ms),
            write_timeout_ms: over.write_timeout_ms.or(self.write_timeout_ms),
            candidates: over.candidates.or(self.candidates),
            header_read_timeout_ms: over.header_read_timeout_ms.or(self.header_read_timeout_ms),
            max_uri_bytes: over.max_uri_bytes.or(self.max_uri_bytes),
            max_header_bytes: over.max_header_bytes.or(self.max_header_bytes),
            max_connections: over.max_connections.or(self.max_connections),
            cpc_titles: over.cpc_titles.or(self.cpc_titles),
        }
    }

    /// The settings with defaults filled in, validated.
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let index = self.index.ok_or(ConfigError::Invalid {
            name: "index",
            message: "no index directory given: pass --index DIR, set PATSEARCH_INDEX, or set `index` in the configuration file".into(),
        })?;
        let api_key = api_key(self.api_key)?;
        let config = Config {
            index,
            addr: self.addr.unwrap_or_else(|| DEFAULT_ADDR.to_string()),
            model: self
                .model
                .unwrap_or_else(|| PathBuf::from(DEFAULT_MODEL_DIR)),
            require_key_for_reads: self.require_key_for_reads.unwrap_or(false),
            api_key,
            max_body_bytes: self.max_body_bytes.unwrap_or(10 * 1024 * 1024),
            max_search_body_bytes: self.max_search_body_bytes.unwrap_or(64 * 1024),
            max_query_chars: self.max_query_chars.unwrap_or(2_000),
            max_limit: self.max_limit.unwrap_or(100),
            max_offset: self.max_offset.unwrap_or(1_000),
            max_export_hits: self.max_export_hits.unwrap_or(1_000),
            request_timeout: Duration::from_millis(self.request_timeout_ms.unwrap_or(10_000)),
            write_timeout: Duration::from_millis(self.write_timeout_ms.unwrap_or(300_000)),
            candidates: self
                .candidates
                .unwrap_or(patsearch_engine::DEFAULT_CANDIDATES),
            header_read_timeout: Duration::from_millis(
                // Also how long an idle keep-alive connection is kept: HTTP
                // client pools reuse idle connections for up to 15 s (ureq)
                // or more, and a server closing one first races with the
                // client's next request, which then fails without a
                // response (a POST is not retried).
                self.header_read_timeout_ms.unwrap_or(30_000),
            ),
            // A 2000-character query of non-ASCII text, percent-encoded, in
            // the query string of a summary or prior-art GET fits.
            max_uri_bytes: self.max_uri_bytes.unwrap_or(32 * 1024),
            max_header_bytes: self.max_header_bytes.unwrap_or(32 * 1024),
            max_connections: self.max_connections.unwrap_or(1024),
            cpc_titles: self.cpc_titles,
        };
        config.validate()?;
        Ok(config)
    }
}

/// The configured key as clients can present it. Clients' keys are read
/// trimmed and must be a valid header value (visible ASCII and inner
/// spaces), so a key with surrounding whitespace would never match: it is
/// trimmed. An empty key means no key (writes disabled); one that is only
/// whitespace, or has characters no header can carry, is refused rather
/// than announced as enabling writes that nobody could make.
fn api_key(key: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    let trimmed = key.trim();
    if trimmed.is_empty() {
        return Err(ConfigError::Invalid {
            name: "api_key",
            message: "is only whitespace; leave it unset (or empty) to disable writes".into(),
        });
    }
    if let Some(c) = trimmed
        .chars()
        .find(|&c| !(c == ' ' || c.is_ascii_graphic()))
    {
        return Err(ConfigError::Invalid {
            name: "api_key",
            message: format!(
                "contains {c:?}: a key is sent in an HTTP header, so it may only have visible ASCII characters and inner spaces"
            ),
        });
    }
    Ok(Some(trimmed.to_string()))
}

impl Config {
    /// Layers the settings: defaults < `file` (the `--config` flag, else
    /// `PATSEARCH_CONFIG`) < environment (read through `env`) < `flags`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: Settings,
    ) -> Result<Config, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| env(CONFIG_ENV).filter(|v| !v.is_empty()).map(PathBuf::from));
        let from_file = match &file {
            Some(path) => Settings::from_file(path)?,
            None => Settings::default(),
        };
        from_file
            .overridden_by(Settings::from_env(&env)?)
            .overridden_by(flags)
            .resolve()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |name, message: &str| {
            Err(ConfigError::Invalid {
                name,
                message: message.to_string(),
            })
        };
        if self.addr.trim().is_empty() {
            return invalid("addr", "empty address");
        }
        if self.require_key_for_reads && self.api_key.is_none() {
            return invalid(
                "require_key_for_reads",
                "requires an API key (api_key, or PATSEARCH_API_KEY)",
            );
        }
        if self.max_body_bytes < 1024 || self.max_search_body_bytes < 1024 {
            return invalid("max_body_bytes", "body limits must be at least 1024 bytes");
        }
        if self.max_query_chars == 0 {
            return invalid("max_query_chars", "must be at least 1");
        }
        if !(1..=10_000).contains(&self.max_limit) {
            return invalid("max_limit", "must be within 1..=10000");
        }
        if self.max_offset > 1_000_000 {
            return invalid("max_offset", "must be at most 1000000");
        }
        if !(1..=100_000).contains(&self.max_export_hits) {
            return invalid("max_export_hits", "must be within 1..=100000");
        }
        if self.request_timeout.is_zero() || self.write_timeout.is_zero() {
            return invalid("request_timeout_ms", "timeouts must be positive");
        }
        if self.candidates == 0 {
            return invalid("candidates", "must be at least 1");
        }
        if self.header_read_timeout.is_zero() {
            return invalid("header_read_timeout_ms", "must be positive");
        }
        if !(256..=MAX_URI_BYTES_CEILING).contains(&self.max_uri_bytes) {
            return invalid("max_uri_bytes", "must be within 256..=65534");
        }
        if !(1024..=1024 * 1024).contains(&self.max_header_bytes) {
            return invalid("max_header_bytes", "must be within 1024..=1048576");
        }
        if self.max_connections == 0 {
            return invalid("max_connections", "must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_defaults_parse_and_validate() {
        let config = Config::load(
            None,
            env(&[]),
            Settings {
                index: Some("idx".into()),
                ..Settings::default()
            },
        )
        .unwrap();
        assert_eq!(config.addr, DEFAULT_ADDR);
        assert_eq!(config.model, PathBuf::from(DEFAULT_MODEL_DIR));
        assert_eq!(config.api_key, None);
        assert!(!config.require_key_for_reads);
        assert_eq!(config.max_limit, 100);
        assert_eq!(config.max_query_chars, 2_000);
        assert_eq!(config.max_body_bytes, 10 * 1024 * 1024);
        assert_eq!(config.candidates, 100);
        assert_eq!(config.header_read_timeout, Duration::from_secs(30));
        assert_eq!(config.max_uri_bytes, 32 * 1024);
        assert_eq!(config.max_header_bytes, 32 * 1024);
        assert_eq!(config.max_connections, 1024);
    }

    #[test]
    fn the_example_file_in_the_readme_parses() {
        let settings = Settings::from_toml(
            r#"
            index = "index"
            addr = "0.0.0.0:8080"
            model = "models/all-MiniLM-L6-v2"
            api_key = "change-me"
            require_key_for_reads = false
            max_body_bytes = 10485760
            max_search_body_bytes = 65536
            max_query_chars = 2000
            max_limit = 100
            max_offset = 1000
            request_timeout_ms = 10000
            write_timeout_ms = 300000
            candidates = 100
            header_read_timeout_ms = 10000
            max_uri_bytes = 32768
            max_header_bytes = 32768
            max_connections = 1024
            "#,
        )
        .unwrap();
        let config = settings.resolve().unwrap();
        assert_eq!(config.addr, "0.0.0.0:8080");
        assert_eq!(config.api_key.as_deref(), Some("change-me"));
    }

    #[test]
    fn flags_override_the_environment_which_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("patsearch.toml");
        std::fs::write(
            &file,
            "index = \"from-file\"\naddr = \"127.0.0.1:1\"\nmax_limit = 50\napi_key = \"file-key\"\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&file),
            env(&[
                ("PATSEARCH_ADDR", "127.0.0.1:2"),
                ("PATSEARCH_INDEX", "from-env"),
                ("PATSEARCH_REQUIRE_KEY_FOR_READS", "true"),
            ]),
            Settings {
                index: Some("from-flag".into()),
                ..Settings::default()
            },
        )
        .unwrap();
        assert_eq!(config.index, PathBuf::from("from-flag"));
        assert_eq!(config.addr, "127.0.0.1:2");
        assert_eq!(config.max_limit, 50);
        assert_eq!(config.api_key.as_deref(), Some("file-key"));
        assert!(config.require_key_for_reads);
        // PATSEARCH_CONFIG names the file when no flag does.
        let config = Config::load(
            None,
            env(&[("PATSEARCH_CONFIG", file.to_str().unwrap())]),
            Settings::default(),
        )
        .unwrap();
        assert_eq!(config.index, PathBuf::from("from-file"));
    }

    #[test]
    fn bad_settings_are_refused_with_their_name() {
        let err = Settings::from_toml("idnex = \"x\"").unwrap_err();
        assert!(err.contains("idnex"), "{err}");
        let err = Settings::from_env(env(&[("PATSEARCH_MAX_LIMIT", "many")])).unwrap_err();
        assert!(err.to_string().contains("PATSEARCH_MAX_LIMIT"), "{err}");
        let err = Settings {
            index: Some("i".into()),
            require_key_for_reads: Some(true),
            ..Settings::default()
        }
        .resolve()
        .unwrap_err();
        assert!(err.to_string().contains("require_key_for_reads"), "{err}");
        assert!(Settings::default().resolve().is_err(), "no index");
        // An empty key is no key.
        let config = Config::load(
            None,
            env(&[("PATSEARCH_API_KEY", ""), ("PATSEARCH_INDEX", "i")]),
            Settings::default(),
        )
        .unwrap();
        assert_eq!(config.api_key, None);
    }

    #[test]
    fn the_http_limits_layer_like_the_other_settings() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("patsearch.toml");
        std::fs::write(
            &file,
            "index = \"i\"\nheader_read_timeout_ms = 2500\nmax_uri_bytes = 4096\nmax_connections = 8\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&file),
            env(&[
                ("PATSEARCH_MAX_URI_BYTES", "8192"),
                ("PATSEARCH_MAX_HEADER_BYTES", "16384"),
            ]),
            Settings {
                max_connections: Some(16),
                ..Settings::default()
            },
        )
        .unwrap();
        assert_eq!(config.header_read_timeout, Duration::from_millis(2500));
        assert_eq!(config.max_uri_bytes, 8192);
        assert_eq!(config.max_header_bytes, 16384);
        assert_eq!(config.max_connections, 16);
        let refused = |settings: Settings| {
            Settings {
                index: Some("i".into()),
                ..settings
            }
            .resolve()
            .unwrap_err()
            .to_string()
        };
        let err = refused(Settings {
            header_read_timeout_ms: Some(0),
            ..Settings::default()
        });
        assert!(err.contains("header_read_timeout_ms"), "{err}");
        // hyper itself answers above 65534 bytes of URI.
        let err = refused(Settings {
            max_uri_bytes: Some(100_000),
            ..Settings::default()
        });
        assert!(err.contains("max_uri_bytes"), "{err}");
        let err = refused(Settings {
            max_header_bytes: Some(10),
            ..Settings::default()
        });
        assert!(err.contains("max_header_bytes"), "{err}");
        let err = refused(Settings {
            max_connections: Some(0),
            ..Settings::default()
        });
        assert!(err.contains("max_connections"), "{err}");
        let err = Settings::from_env(env(&[("PATSEARCH_HEADER_READ_TIMEOUT_MS", "soon")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("PATSEARCH_HEADER_READ_TIMEOUT_MS"), "{err}");
    }

    #[test]
    fn api_keys_are_trimmed_and_unusable_ones_refused() {
        let key = |k: &str| {
            Settings {
                index: Some("i".into()),
                api_key: Some(k.to_string()),
                ..Settings::default()
            }
            .resolve()
        };
        // Clients' keys are read trimmed: a key with a trailing newline (a
        // file's, a secret's) used to enable writes nobody could make.
        assert_eq!(
            key("  s3cret\n").unwrap().api_key.as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            key("two words").unwrap().api_key.as_deref(),
            Some("two words")
        );
        assert_eq!(key("").unwrap().api_key, None);
        let err = key(" \t ").unwrap_err().to_string();
        assert!(
            err.contains("api_key") && err.contains("whitespace"),
            "{err}"
        );
        let err = key("clé").unwrap_err().to_string();
        assert!(err.contains("api_key") && err.contains("ASCII"), "{err}");
        // The same through the file and the environment.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("patsearch.toml");
        std::fs::write(&file, "index = \"i\"\napi_key = \"file-key \"\n").unwrap();
        let config = Config::load(Some(&file), env(&[]), Settings::default()).unwrap();
        assert_eq!(config.api_key.as_deref(), Some("file-key"));
        let config = Config::load(
            None,
            env(&[
                ("PATSEARCH_INDEX", "i"),
                ("PATSEARCH_API_KEY", " env-key\r\n"),
            ]),
            Settings::default(),
        )
        .unwrap();
        assert_eq!(config.api_key.as_deref(), Some("env-key"));
    }
}
