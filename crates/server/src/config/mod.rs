//! Server settings, layered: built-in defaults, then a TOML file, then
//! `PATSEARCH_*` environment variables, then command-line flags (each layer
//! overrides the ones before it), validated once at start-up.
//!
//! Every setting is one row of the table in `table.rs`: its file key, type,
//! default, bounds, environment variable and meaning. From that row come
//! the field of [`Settings`] (one layer, every field optional: the file's
//! shape), the field of [`Config`] (what the server runs with), the
//! default, the environment mapping, the bounds check with its message and
//! the row of the README's table ([`markdown_table`]; a test keeps the
//! README equal to it).
//!
//! `figment` merges the layers and remembers where each value came from, so
//! an error names the setting and its source (the file, the environment
//! variable, a flag). The environment layer is built from the table rather
//! than with figment's `Env::prefixed`: only the table's variables are read
//! (`PATSEARCH_LOG` and the like belong to other parts of the program), a
//! variable that is empty or blank counts as unset (as `KEY=` in a compose
//! file means), and a value is read as its setting's type, never as
//! figment's value syntax (an API key `123` stays text). The file is read
//! with the workspace's `toml` for the same control over its errors.

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};

mod table;
#[cfg(test)]
mod tests;

pub use patsearch_embed::DEFAULT_MODEL_DIR;
pub use table::{Config, Settings, ENV_VARS, KEYS};

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The longest request target hyper parses at all (its own 414 above it);
/// the API's limit must stay at or below it.
pub const MAX_URI_BYTES_CEILING: usize = 65_534;

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
    /// A value of the wrong type; figment's message names the setting and
    /// where the value came from.
    #[error("invalid setting: {0}")]
    Type(String),
    #[error("invalid setting {name}{}: {message}", from_where(.origin))]
    Invalid {
        name: &'static str,
        /// Where the value came from, when known.
        origin: Option<String>,
        message: String,
    },
}

fn from_where(origin: &Option<String>) -> String {
    origin
        .as_ref()
        .map(|o| format!(" (from {o})"))
        .unwrap_or_default()
}

/// The values a setting may take beyond its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bounds {
    Any,
    NotBlank,
    /// An integer within `min..=max`.
    Within(u64, u64),
}

const fn any() -> Bounds {
    Bounds::Any
}
const fn not_blank() -> Bounds {
    Bounds::NotBlank
}
const fn at_least(min: u64) -> Bounds {
    Bounds::Within(min, u64::MAX)
}
const fn at_most(max: u64) -> Bounds {
    Bounds::Within(0, max)
}
const fn within(min: u64, max: u64) -> Bounds {
    Bounds::Within(min, max)
}

impl Bounds {
    /// Why `value` is out of bounds, or `None`.
    fn refuse_number(self, value: u64) -> Option<String> {
        match self {
            Bounds::Within(min, max) if !(min..=max).contains(&value) => {
                Some(format!("must be {}, not {value}", self.words()))
            }
            _ => None,
        }
    }

    fn words(self) -> String {
        match self {
            Bounds::Any => String::new(),
            Bounds::NotBlank => "not blank".into(),
            Bounds::Within(0, u64::MAX) => String::new(),
            Bounds::Within(min, u64::MAX) => format!("at least {min}"),
            Bounds::Within(0, max) => format!("at most {max}"),
            Bounds::Within(min, max) => format!("within {min}..={max}"),
        }
    }
}

/// The type of a setting as the layers hold it.
pub trait RawValue: Sized {
    /// What the docs call the type.
    const KIND: &'static str;
    /// An environment variable's text as a value of the layers: the
    /// type's own reading when it has one, else the text itself (which
    /// extraction then refuses, naming the variable).
    fn from_env(text: &str) -> Value;
    /// The value as the docs show it.
    fn show(&self) -> String;
    /// Why the value is out of `bounds`, or `None`.
    fn refuse(&self, bounds: Bounds) -> Option<String>;
}

macro_rules! integer_raw {
    ($($t:ty),*) => {$(
        impl RawValue for $t {
            const KIND: &'static str = "integer";
            fn from_env(text: &str) -> Value {
                match text.trim().parse::<$t>() {
                    Ok(n) => Value::from(n),
                    Err(_) => Value::from(text.to_string()),
                }
            }
            fn show(&self) -> String {
                self.to_string()
            }
            fn refuse(&self, bounds: Bounds) -> Option<String> {
                bounds.refuse_number(u64::try_from(*self).unwrap_or(u64::MAX))
            }
        }
    )*};
}
integer_raw!(usize, u64);

impl RawValue for bool {
    const KIND: &'static str = "true or false";
    fn from_env(text: &str) -> Value {
        match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::from(true),
            "0" | "false" | "no" | "off" => Value::from(false),
            _ => Value::from(text.to_string()),
        }
    }
    fn show(&self) -> String {
        format!("`{self}`")
    }
    fn refuse(&self, _: Bounds) -> Option<String> {
        None
    }
}

impl RawValue for String {
    const KIND: &'static str = "text";
    fn from_env(text: &str) -> Value {
        Value::from(text.to_string())
    }
    fn show(&self) -> String {
        format!("`{self}`")
    }
    fn refuse(&self, bounds: Bounds) -> Option<String> {
        (bounds == Bounds::NotBlank && self.trim().is_empty()).then(|| "must not be blank".into())
    }
}

impl RawValue for PathBuf {
    const KIND: &'static str = "path";
    fn from_env(text: &str) -> Value {
        Value::from(text.to_string())
    }
    fn show(&self) -> String {
        format!("`{}`", self.display())
    }
    fn refuse(&self, _: Bounds) -> Option<String> {
        None
    }
}

/// How a layer's value becomes the server's: itself, or milliseconds as a
/// [`Duration`].
pub trait FromRaw<R> {
    fn from_raw(raw: R) -> Self;
}

impl<T> FromRaw<T> for T {
    fn from_raw(raw: T) -> T {
        raw
    }
}

impl FromRaw<u64> for Duration {
    fn from_raw(millis: u64) -> Self {
        Duration::from_millis(millis)
    }
}

/// How a value the server holds is shown (as its layers hold it).
pub trait ShowField {
    fn show_field(&self) -> String;
}

impl<T: RawValue> ShowField for T {
    fn show_field(&self) -> String {
        self.show()
    }
}

impl<T: RawValue> ShowField for Option<T> {
    fn show_field(&self) -> String {
        self.as_ref().map_or_else(|| "none".into(), RawValue::show)
    }
}

impl ShowField for Duration {
    fn show_field(&self) -> String {
        self.as_millis().to_string()
    }
}

/// One row of the table, for the docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The file key (and flag-layer field).
    pub key: &'static str,
    pub env: &'static str,
    /// The type's name in the docs.
    pub kind: &'static str,
    pub bounds: Bounds,
    /// The default as the docs show it.
    pub default: String,
    pub meaning: String,
}

impl Setting {
    /// The type's name and bounds, in words.
    pub fn allowed(&self) -> String {
        match self.bounds.words() {
            w if w.is_empty() => self.kind.to_string(),
            w => format!("{}, {w}", self.kind),
        }
    }
}

/// The README's table of settings.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| file key | environment | allowed | default | |\n|---|---|---|---|---|\n");
    for s in table::settings() {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            s.key,
            s.env,
            s.allowed(),
            s.default,
            s.meaning
        ));
    }
    out
}

/// A layer of settings for figment: a dictionary and where it came from.
struct Layer {
    metadata: Metadata,
    dict: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

const ENV_LAYER: &str = "environment variable";

impl Layer {
    fn named(name: &'static str) -> Metadata {
        Metadata::named(name).interpolater(|_: &Profile, keys: &[&str]| keys.join("."))
    }

    /// Settings given in code: the defaults, or the flags.
    fn of(name: &'static str, settings: &Settings) -> Result<Self, ConfigError> {
        let dict = match Value::serialize(settings) {
            Ok(Value::Dict(_, dict)) => dict,
            Ok(_) => Dict::new(),
            Err(e) => return Err(ConfigError::Type(format!("{e} in {name}"))),
        };
        Ok(Self {
            metadata: Self::named(name),
            dict,
        })
    }

    fn file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let dict = Settings::parse_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(Self {
            metadata: Self::named("configuration file").source(Source::File(path.into())),
            dict,
        })
    }

    /// The table's variables that are set and not blank.
    fn env(get: &dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            metadata: Metadata::named(ENV_LAYER).interpolater(|_: &Profile, keys: &[&str]| {
                format!("PATSEARCH_{}", keys.join("_").to_ascii_uppercase())
            }),
            dict: table::env_layer(&|name| get(name).filter(|v| !v.trim().is_empty())),
        }
    }
}

/// Where the value of `key` came from, in words.
fn origin(figment: &Figment, key: &str) -> Option<String> {
    let metadata = figment.find_metadata(key)?;
    Some(match &metadata.source {
        Some(Source::File(path)) => format!("{} {}", metadata.name, path.display()),
        _ if metadata.name == ENV_LAYER => format!(
            "{} {}",
            metadata.name,
            metadata.interpolate(&Profile::Default, &[key])
        ),
        _ => metadata.name.to_string(),
    })
}

impl Settings {
    /// Reads the text of a TOML file of settings.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        Self::parse_toml(text)?;
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    /// The file's settings as a layer, unknown keys refused by name.
    fn parse_toml(text: &str) -> Result<Dict, String> {
        let dict: Dict = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
        if let Some(unknown) = dict.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!(
                "unknown setting `{unknown}`; the settings are {}",
                KEYS.join(", ")
            ));
        }
        Ok(dict)
    }

    /// The settings over the defaults, validated (no file, no environment).
    pub fn resolve(self) -> Result<Config, ConfigError> {
        let figment = Figment::new()
            .merge(Layer::of("built-in default", &table::defaults())?)
            .merge(Layer::of("command-line flag", &self)?);
        Config::from_figment(&figment)
    }
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
        let mut figment = Figment::new().merge(Layer::of("built-in default", &table::defaults())?);
        if let Some(path) = &file {
            figment = figment.merge(Layer::file(path)?);
        }
        let figment = figment
            .merge(Layer::env(&env))
            .merge(Layer::of("command-line flag", &flags)?);
        Config::from_figment(&figment)
    }

    fn from_figment(figment: &Figment) -> Result<Config, ConfigError> {
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Type(e.to_string()))?;
        let origin = |key: &str| origin(figment, key);
        let mut config = table::resolve(settings, &origin)?;
        config.api_key = api_key(config.api_key.take(), origin("api_key"))?;
        if config.require_key_for_reads && config.api_key.is_none() {
            return Err(ConfigError::Invalid {
                name: "require_key_for_reads",
                origin: origin("require_key_for_reads"),
                message: "requires an API key (api_key, or PATSEARCH_API_KEY)".into(),
            });
        }
        Ok(config)
    }

    /// How the engine opens and searches with these settings (the model
    /// directory is the caller's to decide).
    pub fn engine_options(&self) -> patsearch_engine::EngineOptions {
        use patsearch_embed::EmbedOptions;
        use patsearch_engine::{EngineOptions, VectorConfig};
        EngineOptions {
            embed: EmbedOptions {
                batch_size: self.embed_batch_size,
                threads: self.embed_threads,
                ..EmbedOptions::default()
            },
            candidates: self.candidates,
            semantic_candidates: self.semantic_candidates,
            hybrid_candidates: self.hybrid_candidates,
            vectors: VectorConfig {
                ef_search: self.ef_search,
                ..VectorConfig::default()
            },
            ..EngineOptions::default()
        }
    }

    /// The sizes of the read lanes: `query_threads` light slots (0: one
    /// per core) and half as many heavy ones.
    pub fn pool_limits(&self) -> crate::PoolLimits {
        match self.query_threads {
            0 => crate::PoolLimits::for_this_machine(),
            n => crate::PoolLimits::for_cores(n),
        }
    }
}

/// The configured key as clients can present it. Clients' keys are read
/// trimmed and must be a valid header value (visible ASCII and inner
/// spaces), so a key with surrounding whitespace would never match: it is
/// trimmed. An empty key means no key (writes disabled); one that is only
/// whitespace, or has characters no header can carry, is refused rather
/// than announced as enabling writes that nobody could make.
fn api_key(key: Option<String>, origin: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    let refuse = |message: String| ConfigError::Invalid {
        name: "api_key",
        origin: origin.clone(),
        message,
    };
    let trimmed = key.trim();
    if trimmed.is_empty() {
        return Err(refuse(
            "is only whitespace; leave it unset (or empty) to disable writes".into(),
        ));
    }
    if let Some(c) = trimmed
        .chars()
        .find(|&c| !(c == ' ' || c.is_ascii_graphic()))
    {
        return Err(refuse(format!(
            "contains {c:?}: a key is sent in an HTTP header, so it may only have visible ASCII characters and inner spaces"
        )));
    }
    Ok(Some(trimmed.to_string()))
}
