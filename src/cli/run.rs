//! `shenbao run`: the daemon, until SIGTERM/SIGINT; `--once` drains the
//! mailbox and the outbox, prints a summary and exits.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::daemon::{self, Mode};

#[derive(Args)]
pub struct RunArgs {
    /// Take in what the mailbox holds, send what is due, print a summary and exit
    #[arg(long)]
    once: bool,
    /// How log lines (on stderr) are written
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn run(config: Option<&Path>, args: RunArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format);
    let settings = load_settings(config)?;
    let mode = if args.once { Mode::Once } else { Mode::Watch };
    let summary = runtime()?.block_on(daemon::run(
        settings,
        mode,
        Arc::new(SystemClock),
        stop_signal(),
    ))?;
    if args.once {
        print!("{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The settings the daemon needs: `--config`, else `./config/shenbao.toml`.
pub(crate) fn load_settings(config: Option<&Path>) -> anyhow::Result<Settings> {
    let path = config.map_or_else(|| PathBuf::from("config/shenbao.toml"), Path::to_path_buf);
    if !path.exists() {
        anyhow::bail!(
            "no settings file at {} (pass --config FILE or run from the folder holding config/)",
            path.display()
        );
    }
    Settings::load(&path).with_context(|| format!("reading {}", path.display()))
}

/// One thread for the async tasks, the one that called `block_on`. The async
/// tasks (IMAP, SMTP, timers) are light; the heavy work runs on blocking threads
/// (the store and check threads of the intake), and every store call goes
/// through `spawn_blocking`. A multi-threaded runtime, even with one worker,
/// leaves the socket's readiness to the worker, which then wakes the `block_on`
/// thread: two context switches per read. Measured on 10,000 mails over IMAPS:
/// ~25% fewer context switches and ~4% faster (8 of 10 interleaved runs). (A
/// second worker, before that, mostly woke up to steal work and took a core
/// from the blocking threads.)
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Logs to stderr; `RUST_LOG` overrides the level (default `info`).
pub(crate) fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours)
        .with_writer(std::io::stderr);
    // A second initialization (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => tracing::info!("SIGTERM received"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops the daemon");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
