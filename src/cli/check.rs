//! `shenbao check`: the offline verdict (check-json.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::Loaded;
use crate::config::Roster;
use crate::report;
use crate::verdict::{Status, Verdict};

#[derive(Args)]
pub struct CheckArgs {
    /// One JSON object per line (the contract of check-json.md)
    #[arg(long)]
    json: bool,
    /// Replace the configured roster of eligible societies
    #[arg(long)]
    roster: Option<PathBuf>,
    /// When the message was received (RFC 3339); applies the deadline to bare workbooks
    #[arg(long, value_parser = parse_time)]
    received_at: Option<jiff::Timestamp>,
    /// Workbooks (.xlsx .xlsm .xls .ods) or messages (.eml)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

fn parse_time(s: &str) -> Result<jiff::Timestamp, String> {
    s.parse::<jiff::Timestamp>()
        .map_err(|e| format!("not an RFC 3339 time like 2020-08-20T10:15:00+08:00: {e}"))
}

pub fn run(config: Option<&Path>, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut loaded = Loaded::load(config)?;
    if let Some(roster) = &args.roster {
        loaded.checker.roster = Roster::load(roster)?;
    }
    let checker = &loaded.checker;
    // Read every file first: an unreadable path is exit 2, before any verdict is printed.
    let inputs: Vec<(String, Vec<u8>)> = args
        .paths
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            Ok((p.display().to_string(), bytes))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut all_accepted = true;
    for (source, bytes) in &inputs {
        let verdict = verdict_for(checker, source, bytes, args.received_at);
        all_accepted &= verdict.status == Status::Accepted;
        if args.json {
            println!("{}", report::json::to_line(&verdict));
        } else {
            print!("{}", report::text::render(&verdict, &checker.call));
        }
    }
    Ok(if all_accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A `.eml` is a message; anything else is taken as a workbook (sniffed by content).
fn verdict_for(
    checker: &crate::process::Checker,
    source: &str,
    bytes: &[u8],
    received_at: Option<jiff::Timestamp>,
) -> Verdict {
    let is_message = Path::new(source)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("eml"));
    if is_message {
        checker.check_message(bytes, source, received_at).verdict
    } else {
        let filename = Path::new(source)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| source.to_string());
        checker.check_workbook(bytes, &filename, source, received_at)
    }
}
