//! The table of settings: one row per setting, and what the rows make.
//!
//! A row is `/// meaning`, then `key: Type = default, bounds, env "NAME";`
//! (`= required` or `= unset("shown as")` for a setting without a default;
//! `=> field: Type` at the end when the server holds the value under
//! another name and type, milliseconds as a `Duration`). The meaning is the
//! field's doc and the README's cell; the default, bounds and variable are
//! the only ones in the program.

use std::path::PathBuf;
use std::time::Duration;

use figment::value::Dict;
use patsearch_engine::{VectorConfig, DEFAULT_CANDIDATES};
use serde::{Deserialize, Serialize};

use super::{
    any, at_least, at_most, not_blank, within, ConfigError, FromRaw, RawValue, Setting,
    DEFAULT_ADDR, DEFAULT_MODEL_DIR, MAX_URI_BYTES_CEILING,
};

/// Normalises each row to
/// `{ [docs] key raw, field type, env, one|opt, (default), (bounds), (shown) }`,
/// then emits the items.
macro_rules! settings {
    (@rows [$($done:tt)*]) => { settings!(@emit $($done)*); };
    (@rows [$($done:tt)*] $(#[doc = $doc:literal])+
        $key:ident : $raw:ty = required, env $env:literal; $($rest:tt)*) => {
        settings!(@rows [$($done)* { [$($doc)+] $key $raw, $key $raw, $env, one,
            (None::<$raw>), (any()), ("(required)".to_string()) }] $($rest)*);
    };
    (@rows [$($done:tt)*] $(#[doc = $doc:literal])+
        $key:ident : $raw:ty = unset($shown:literal), $bounds:expr, env $env:literal;
        $($rest:tt)*) => {
        settings!(@rows [$($done)* { [$($doc)+] $key $raw, $key Option<$raw>, $env, opt,
            (None::<$raw>), ($bounds), ($shown.to_string()) }] $($rest)*);
    };
    (@rows [$($done:tt)*] $(#[doc = $doc:literal])+
        $key:ident : $raw:ty = $default:expr, $bounds:expr, env $env:literal
        => $field:ident : $fty:ty; $($rest:tt)*) => {
        settings!(@rows [$($done)* { [$($doc)+] $key $raw, $field $fty, $env, one,
            (Some::<$raw>($default)), ($bounds), (<$raw as RawValue>::show(&$default)) }]
            $($rest)*);
    };
    (@rows [$($done:tt)*] $(#[doc = $doc:literal])+
        $key:ident : $raw:ty = $default:expr, $bounds:expr, env $env:literal; $($rest:tt)*) => {
        settings!(@rows [$($done)* { [$($doc)+] $key $raw, $key $raw, $env, one,
            (Some::<$raw>($default)), ($bounds), (<$raw as RawValue>::show(&$default)) }]
            $($rest)*);
    };
    (@emit $({ [$($doc:literal)+] $key:ident $raw:ty, $field:ident $fty:ty, $env:literal,
        $kind:ident, ($default:expr), ($bounds:expr), ($shown:expr) })*) => {
        /// One layer of settings, every field optional: the TOML file's
        /// shape, and what the environment and the flags fill in.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Settings {
            $($(#[doc = $doc])+
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub $key: Option<$raw>,)*
        }

        /// The settings the server runs with.
        #[derive(Clone, PartialEq)]
        pub struct Config {
            $($(#[doc = $doc])+ pub $field: $fty,)*
        }

        impl std::fmt::Debug for Config {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut out = f.debug_struct("Config");
                $(if stringify!($field) == "api_key" {
                    out.field("api_key", &self.api_key.as_ref().map(|_| "<set>"));
                } else {
                    out.field(stringify!($field), &self.$field);
                })*
                out.finish()
            }
        }

        #[cfg(test)]
        impl Config {
            /// Each setting's value as its layers hold it.
            pub(super) fn shown(&self) -> Vec<(&'static str, String)> {
                vec![$((stringify!($key), super::ShowField::show_field(&self.$field)),)*]
            }
        }

        /// The file key of each setting.
        pub const KEYS: &[&str] = &[$(stringify!($key)),*];

        /// The environment variable of each setting.
        pub const ENV_VARS: &[&str] = &[$($env),*];

        pub(super) fn defaults() -> Settings {
            Settings { $($key: $default,)* }
        }

        pub(super) fn settings() -> Vec<Setting> {
            vec![$(Setting {
                key: stringify!($key),
                env: $env,
                kind: <$raw as RawValue>::KIND,
                bounds: $bounds,
                default: $shown,
                meaning: concat!($($doc),+).trim().to_string(),
            },)*]
        }

        /// The variables `get` finds, each read as its setting's type.
        pub(super) fn env_layer(get: &dyn Fn(&str) -> Option<String>) -> Dict {
            let mut dict = Dict::new();
            $(if let Some(text) = get($env) {
                dict.insert(stringify!($key).into(), <$raw as RawValue>::from_env(&text));
            })*
            dict
        }

        /// The layered settings checked against their bounds.
        pub(super) fn resolve(
            settings: Settings,
            origin: &dyn Fn(&str) -> Option<String>,
        ) -> Result<Config, ConfigError> {
            $(let $field: $fty =
                take!($kind, $raw, $fty, $key, $env, settings.$key, $bounds, origin);)*
            Ok(Config { $($field,)* })
        }
    };
    ($($rows:tt)*) => { settings!(@rows [] $($rows)*); };
}

/// One setting's value from the layers, checked and converted.
macro_rules! take {
    (one, $raw:ty, $fty:ty, $key:ident, $env:literal, $value:expr, $bounds:expr, $origin:ident) => {{
        let Some(value): Option<$raw> = $value else {
            return Err(ConfigError::Invalid {
                name: stringify!($key),
                origin: None,
                message: format!(
                    "not set: give --{}, {} or `{}` in the configuration file",
                    stringify!($key).replace('_', "-"),
                    $env,
                    stringify!($key)
                ),
            });
        };
        if let Some(message) = value.refuse($bounds) {
            return Err(ConfigError::Invalid {
                name: stringify!($key),
                origin: $origin(stringify!($key)),
                message,
            });
        }
        <$fty as FromRaw<$raw>>::from_raw(value)
    }};
    (opt, $raw:ty, $fty:ty, $key:ident, $env:literal, $value:expr, $bounds:expr, $origin:ident) => {{
        let value: Option<$raw> = $value;
        if let Some(message) = value.as_ref().and_then(|v| v.refuse($bounds)) {
            return Err(ConfigError::Invalid {
                name: stringify!($key),
                origin: $origin(stringify!($key)),
                message,
            });
        }
        value
    }};
}

settings! {
    /// The index directory to serve (`--index`).
    index: PathBuf = required, env "PATSEARCH_INDEX";
    /// Where to listen, `host:port`; port 0 picks a free port (`--addr`).
    addr: String = DEFAULT_ADDR.to_string(), not_blank(), env "PATSEARCH_ADDR";
    /// The embedding model directory, loaded when the index has vectors
    /// (`--model`).
    model: PathBuf = PathBuf::from(DEFAULT_MODEL_DIR), any(), env "PATSEARCH_MODEL";
    /// The key writes need (and reads, with `require_key_for_reads`);
    /// trimmed; unset or empty: writes are disabled.
    api_key: String = unset("none: writes disabled"), any(), env "PATSEARCH_API_KEY";
    /// Reads need the API key too (`--require-key-for-reads`).
    require_key_for_reads: bool = false, any(), env "PATSEARCH_REQUIRE_KEY_FOR_READS";
    /// Largest `POST /v1/documents` body, in bytes.
    max_body_bytes: usize = 10 * 1024 * 1024, at_least(1024), env "PATSEARCH_MAX_BODY_BYTES";
    /// Largest body of the other endpoints, in bytes.
    max_search_body_bytes: usize = 64 * 1024, at_least(1024),
        env "PATSEARCH_MAX_SEARCH_BODY_BYTES";
    /// Longest query, in characters.
    max_query_chars: usize = 2_000, at_least(1), env "PATSEARCH_MAX_QUERY_CHARS";
    /// Largest `limit` (hits per page).
    max_limit: usize = 100, within(1, 10_000), env "PATSEARCH_MAX_LIMIT";
    /// Largest `offset`.
    max_offset: usize = 1_000, at_most(1_000_000), env "PATSEARCH_MAX_OFFSET";
    /// Most hits one `GET /v1/export` writes (its default `limit`).
    max_export_hits: usize = 1_000, within(1, 100_000), env "PATSEARCH_MAX_EXPORT_HITS";
    /// CPC subclass titles for the facets (`title` beside each
    /// `cpc_subclass` count): the folder of the CPC Title List the EPO and
    /// USPTO publish (`cpc-section-*.txt`, lines `SYMBOL<TAB>LEVEL<TAB>TITLE`),
    /// or a file of `SYMBOL<TAB>TITLE` lines. Not shipped: no package
    /// registry carries the scheme, and its terms are the offices'. A path
    /// that does not load stops the server.
    cpc_titles: PathBuf = unset("none"), any(), env "PATSEARCH_CPC_TITLES";
    /// Time a read may take, in milliseconds (then 503 `timeout`).
    request_timeout_ms: u64 = 10_000, at_least(1), env "PATSEARCH_REQUEST_TIMEOUT_MS"
        => request_timeout: Duration;
    /// Time a write may take, in milliseconds, before the answer is 503
    /// `timeout` (the write still completes).
    write_timeout_ms: u64 = 300_000, at_least(1), env "PATSEARCH_WRITE_TIMEOUT_MS"
        => write_timeout: Duration;
    // Also how long an idle keep-alive connection is kept: HTTP client
    // pools reuse idle connections for up to 15 s (ureq) or more, and a
    // server closing one first races with the client's next request, which
    // then fails without a response (a POST is not retried).
    /// Time a client has to send a request's head (request line and
    /// headers), in milliseconds, from the connection opening or the
    /// previous response; also how long an idle keep-alive connection stays
    /// open.
    header_read_timeout_ms: u64 = 30_000, at_least(1), env "PATSEARCH_HEADER_READ_TIMEOUT_MS"
        => header_read_timeout: Duration;
    // A 2000-character query of non-ASCII text, percent-encoded, in the
    // query string of a summary or prior-art GET fits the default.
    /// Longest request target (path and query string), in bytes (then 414).
    max_uri_bytes: usize = 32 * 1024, within(256, MAX_URI_BYTES_CEILING as u64),
        env "PATSEARCH_MAX_URI_BYTES";
    /// Largest total size of a request's header fields, in bytes (then 431).
    max_header_bytes: usize = 32 * 1024, within(1024, 1024 * 1024),
        env "PATSEARCH_MAX_HEADER_BYTES";
    /// Connections served at once; further ones wait in the listen backlog.
    max_connections: usize = 1024, at_least(1), env "PATSEARCH_MAX_CONNECTIONS";
    /// Candidates per retriever in semantic and hybrid search.
    candidates: usize = DEFAULT_CANDIDATES, at_least(1), env "PATSEARCH_CANDIDATES";
    /// Candidates of semantic search; unset: `candidates`.
    semantic_candidates: usize = unset("`candidates`"), within(1, 100_000),
        env "PATSEARCH_SEMANTIC_CANDIDATES";
    /// Candidates per retriever in hybrid search; unset: `candidates`.
    hybrid_candidates: usize = unset("`candidates`"), within(1, 100_000),
        env "PATSEARCH_HYBRID_CANDIDATES";
    /// Candidates the HNSW graph walk of a vector search keeps (raised to
    /// the candidates asked for): higher finds more true neighbours, slower.
    ef_search: usize = VectorConfig::default().ef_search, within(1, 10_000),
        env "PATSEARCH_EF_SEARCH";
    /// How many light reads (searches without wildcards, similar patents)
    /// run at once; heavy ones (wildcards, summaries, prior art) get half as
    /// many; 0: one per core.
    query_threads: usize = 0, at_most(1024), env "PATSEARCH_QUERY_THREADS";
    /// Threads of the embedding model (written documents, summaries, a
    /// query split between threads); 0: one per core.
    embed_threads: usize = 0, at_most(1024), env "PATSEARCH_EMBED_THREADS";
    /// Texts per forward pass of the embedding model (sorted by length, so
    /// a batch pads only to its own longest text).
    embed_batch_size: usize = patsearch_embed::EmbedOptions::default().batch_size,
        within(1, 1024), env "PATSEARCH_EMBED_BATCH_SIZE";
}
