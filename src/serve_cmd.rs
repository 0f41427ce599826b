//! `patsearch serve`: layers the settings (flags over `PATSEARCH_*` over
//! the TOML file over defaults) and runs the server until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use patsearch_server::{Config, Settings};

use crate::cli::ServeArgs;

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let flags = Settings {
        index: args.index.clone(),
        addr: args.addr.clone(),
        model: args.model.clone(),
        require_key_for_reads: args.require_key_for_reads.then_some(true),
        ..Settings::default()
    };
    let config = Config::load(
        args.config.as_deref(),
        |name| std::env::var(name).ok(),
        flags,
    )?;
    patsearch_server::serve(config)?;
    Ok(ExitCode::SUCCESS)
}
