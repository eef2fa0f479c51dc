//! `shenbao config check`: validate every configuration file, print what is in force.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use super::Loaded;
use crate::config::AmountRule;

#[derive(Subcommand)]
pub enum ConfigAction {
    /// Validate the settings, the call and the roster; print the effective settings
    Check,
}

pub fn run(config: Option<&Path>, action: ConfigAction) -> anyhow::Result<ExitCode> {
    match action {
        ConfigAction::Check => check(config),
    }
}

fn check(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::load(config)?;
    let call = &loaded.checker.call;
    match &loaded.settings {
        Some(s) => {
            println!("settings: {}", s.file.display());
            println!("call:     {}", s.call.display());
            println!("roster:   {}", s.roster.display());
        }
        None => println!("settings: (built-in defaults: the 2020 call and the sample roster)"),
    }
    println!("call {} — {}", call.id, call.title);
    println!(
        "  deadline {}  period {} .. {}",
        call.deadline.to_zoned(call.time_zone.clone()),
        call.period_start,
        call.period_end
    );
    for c in &call.categories {
        let amount = match c.amount {
            AmountRule::NoAmount => "no amount".to_string(),
            AmountRule::Range { min, max } if min == max => format!("{min} yuan"),
            AmountRule::Range { min, max } => format!("{min}..{max} yuan"),
        };
        let subs: Vec<&str> = c.subcategories.iter().map(|s| s.key.as_str()).collect();
        println!(
            "  {} {} {}: {amount}, quota {}{}",
            c.number,
            c.key,
            c.name,
            c.quota.map(|q| q.to_string()).unwrap_or_else(|| "-".into()),
            if subs.is_empty() {
                String::new()
            } else {
                format!(", sub-categories {}", subs.join(" "))
            }
        );
    }
    println!(
        "roster: {} societies",
        loaded.checker.roster.societies.len()
    );
    println!("limits: {:?}", loaded.checker.limits);
    Ok(ExitCode::SUCCESS)
}
