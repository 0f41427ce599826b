use std::collections::HashMap;

use super::*;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn refused(settings: Settings) -> String {
    Settings {
        index: Some("i".into()),
        ..settings
    }
    .resolve()
    .unwrap_err()
    .to_string()
}

/// A value of `setting` other than its default and within its bounds: as
/// a TOML file writes it, as the environment does, and as `Config::shown`
/// shows it.
fn sample(setting: &Setting) -> (String, String, String) {
    match (setting.kind, setting.bounds) {
        ("integer", Bounds::Within(min, _)) => {
            let n = (min + 1).to_string();
            (n.clone(), n.clone(), n)
        }
        ("true or false", _) => ("true".into(), "yes".into(), "`true`".into()),
        (_, _) => {
            let text = format!("/srv/{}:1", setting.key);
            (format!("{text:?}"), text.clone(), format!("`{text}`"))
        }
    }
}

fn shown(config: &Config, key: &str) -> String {
    let shown = config.shown();
    shown.iter().find(|(k, _)| *k == key).unwrap().1.clone()
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
    // The search and embedding knobs default to what the engine does
    // without them.
    let engine = config.engine_options();
    let plain = patsearch_engine::EngineOptions::default();
    assert_eq!(engine.candidates_per_mode(), plain.candidates_per_mode());
    assert_eq!(engine.vectors, plain.vectors);
    assert_eq!(engine.embed.batch_size, plain.embed.batch_size);
    assert_eq!(engine.embed.threads, plain.embed.threads);
    assert_eq!(config.pool_limits(), crate::PoolLimits::default());
}

#[test]
fn each_variable_is_its_key_in_capitals() {
    assert_eq!(KEYS.len(), ENV_VARS.len());
    for (key, var) in KEYS.iter().zip(ENV_VARS) {
        assert_eq!(*var, format!("PATSEARCH_{}", key.to_ascii_uppercase()));
    }
}

#[test]
fn every_file_key_and_every_variable_lands() {
    let settings = table::settings();
    assert_eq!(settings.len(), KEYS.len());
    let defaults = Settings {
        index: Some("i".into()),
        ..Settings::default()
    }
    .resolve()
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("patsearch.toml");
    let text: String = settings
        .iter()
        .map(|s| format!("{} = {}\n", s.key, sample(s).0))
        .collect();
    std::fs::write(&file, &text).unwrap();
    let from_file = Config::load(Some(&file), env(&[]), Settings::default()).unwrap();
    let vars: Vec<(&str, String)> = settings.iter().map(|s| (s.env, sample(s).1)).collect();
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let from_env = Config::load(None, env(&pairs), Settings::default()).unwrap();
    for s in &settings {
        let expected = sample(s).2;
        assert_eq!(shown(&from_file, s.key), expected, "{}", s.key);
        assert_eq!(shown(&from_env, s.key), expected, "{}", s.env);
        assert_ne!(
            shown(&defaults, s.key),
            expected,
            "{}: the sample is the default",
            s.key
        );
        // Each variable on its own too.
        let alone = Config::load(
            None,
            env(&[
                ("PATSEARCH_INDEX", "i"),
                ("PATSEARCH_API_KEY", "k"),
                (s.env, &sample(s).1),
            ]),
            Settings::default(),
        )
        .unwrap();
        assert_eq!(shown(&alone, s.key), expected, "{}", s.env);
    }
    assert_eq!(from_file, from_env);
    // The knobs reach the engine's options and the read lanes.
    let engine = from_env.engine_options();
    assert_eq!(
        engine.candidates_per_mode(),
        patsearch_engine::Candidates {
            semantic: 2,
            hybrid: 2
        }
    );
    assert_eq!(engine.vectors.ef_search, 2);
    assert_eq!(engine.embed.batch_size, 2);
    assert_eq!(engine.embed.threads, 1);
    assert_eq!(from_env.pool_limits(), crate::PoolLimits::for_cores(1));
}

#[test]
fn a_bad_value_names_the_setting_and_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("patsearch.toml");
    let load_env = |var: &str, value: &str| {
        Config::load(
            None,
            env(&[("PATSEARCH_INDEX", "i"), (var, value)]),
            Settings::default(),
        )
        .unwrap_err()
        .to_string()
    };
    let load_file = |line: String| {
        std::fs::write(&file, format!("index = \"i\"\n{line}\n")).unwrap();
        Config::load(Some(&file), env(&[]), Settings::default())
            .unwrap_err()
            .to_string()
    };
    for s in table::settings() {
        let Bounds::Within(min, max) = s.bounds else {
            continue;
        };
        // Not a number.
        let err = load_env(s.env, "many");
        assert!(err.contains(s.env) && err.contains("\"many\""), "{err}");
        let err = load_file(format!("{} = \"many\"", s.key));
        assert!(
            err.contains(&format!("\"{}\"", s.key)) && err.contains("patsearch.toml"),
            "{err}"
        );
        // Out of bounds.
        let bad = if min > 0 {
            min - 1
        } else {
            max.saturating_add(1)
        };
        let err = load_env(s.env, &bad.to_string());
        assert!(
            err.contains(&format!(
                "invalid setting {} (from environment variable {}): must be",
                s.key, s.env
            )),
            "{err}"
        );
        if bad < i64::MAX as u64 {
            let err = load_file(format!("{} = {bad}", s.key));
            assert!(
                err.contains(&format!(
                    "invalid setting {} (from configuration file",
                    s.key
                )) && err.contains("patsearch.toml"),
                "{err}"
            );
        }
    }
    let err = load_env("PATSEARCH_REQUIRE_KEY_FOR_READS", "maybe");
    assert!(err.contains("PATSEARCH_REQUIRE_KEY_FOR_READS"), "{err}");
    let err = load_file("require_key_for_reads = \"maybe\"".into());
    assert!(err.contains("require_key_for_reads"), "{err}");
    let err = refused(Settings {
        addr: Some(" ".into()),
        ..Settings::default()
    });
    assert!(
        err.contains("addr") && err.contains("command-line flag"),
        "{err}"
    );
    // A blank variable is unset.
    let config = Config::load(
        None,
        env(&[("PATSEARCH_INDEX", "i"), ("PATSEARCH_ADDR", " ")]),
        Settings::default(),
    )
    .unwrap();
    assert_eq!(config.addr, DEFAULT_ADDR);
}

#[test]
fn the_readme_shows_the_table() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let table = markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's table of settings differs from the code's; it should read:\n{table}"
    );
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
    let err = Config::load(
        None,
        env(&[("PATSEARCH_MAX_LIMIT", "many")]),
        Settings::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("PATSEARCH_MAX_LIMIT"), "{err}");
    let err = Settings {
        index: Some("i".into()),
        require_key_for_reads: Some(true),
        ..Settings::default()
    }
    .resolve()
    .unwrap_err();
    assert!(err.to_string().contains("require_key_for_reads"), "{err}");
    let err = Settings::default().resolve().unwrap_err().to_string();
    assert!(
        err.contains("--index") && err.contains("PATSEARCH_INDEX"),
        "{err}"
    );
    // An empty key is no key.
    let config = Config::load(
        None,
        env(&[("PATSEARCH_API_KEY", ""), ("PATSEARCH_INDEX", "i")]),
        Settings::default(),
    )
    .unwrap();
    assert_eq!(config.api_key, None);
    // Other PATSEARCH_ variables belong to other parts of the program.
    Config::load(
        None,
        env(&[("PATSEARCH_INDEX", "i"), ("PATSEARCH_LOG", "debug")]),
        Settings::default(),
    )
    .unwrap();
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
    // Clients' keys are read trimmed, so an untrimmed key (a file's
    // trailing newline, a secret's) would enable writes nobody could make.
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
    // The same through the file and the environment; a number is a key.
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
    let config = Config::load(
        None,
        env(&[("PATSEARCH_INDEX", "i"), ("PATSEARCH_API_KEY", "12345")]),
        Settings::default(),
    )
    .unwrap();
    assert_eq!(config.api_key.as_deref(), Some("12345"));
    // The key never reaches a log through Debug.
    assert!(!format!("{config:?}").contains("12345"));
}
