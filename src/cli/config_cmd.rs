//! `shenbao config check`: validate every configuration file, print what is in force.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use super::Loaded;
use crate::config::{AmountRule, Settings};
use crate::mailbox::MailboxConfig;
use crate::transport::TransportConfig;

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
            print_daemon_settings(s);
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
        loaded.checker.roster.societies().len()
    );
    println!("limits: {:?}", loaded.checker.limits);
    Ok(ExitCode::SUCCESS)
}

/// The daemon's part of the settings. Secrets are never printed: only where they come from.
fn print_daemon_settings(settings: &Settings) {
    println!("data_dir: {}", settings.data_dir.display());
    println!("receipts: {}{{call}}-NNNN", settings.receipt_prefix);
    match &settings.mailbox {
        MailboxConfig::Maildir(maildir) => println!(
            "mailbox:  maildir {} (after filing: {:?}, batch {})",
            maildir.path.display(),
            maildir.after_filing,
            maildir.batch_size
        ),
        MailboxConfig::Imap(imap) => {
            println!(
                "mailbox:  imap {}:{} {:?} user {} folder {} ({}, after filing: {:?}, batch {})",
                imap.host,
                imap.effective_port(),
                imap.tls,
                imap.user,
                imap.mailbox,
                if imap.idle {
                    "IDLE".to_string()
                } else {
                    format!("polling every {} s", imap.poll_seconds)
                },
                imap.after_filing,
                imap.batch_size
            );
            println!(
                "          password {}",
                secret_source(imap.password_env.as_deref(), imap.password_file.as_deref())
            );
            if let Some(ca) = &imap.ca_file {
                println!("          CA {}", ca.display());
            }
        }
    }
    match &settings.transport {
        TransportConfig::Directory(directory) => println!(
            "transport: directory {} from {}",
            directory.path.display(),
            directory.from
        ),
        TransportConfig::Smtp(smtp) => {
            println!(
                "transport: smtp {}:{} {:?} user {} from {}",
                smtp.host,
                smtp.port(),
                smtp.tls,
                smtp.user.as_deref().unwrap_or("(no login)"),
                smtp.from
            );
            if smtp.user.is_some() {
                println!(
                    "          password {}",
                    secret_source(smtp.password_env.as_deref(), smtp.password_file.as_deref())
                );
            }
            if let Some(ca) = &smtp.ca_file {
                println!("          CA {}", ca.display());
            }
        }
    }
    let answers = &settings.answers;
    println!(
        "answers:  from \"{}\" <{}>, signed {} ({}, {}), templates {}",
        answers.from_name,
        settings.from_address(),
        answers.organization,
        answers.phone,
        answers.reply_address,
        answers.templates.display()
    );
    println!(
        "          at most {} per sender per hour; never to {}",
        answers.max_per_sender_per_hour,
        answers.own_addresses.join(", ")
    );
    println!(
        "daemon:   {} attempts per message, watchdog {} min, waits up to {} s",
        settings.daemon.max_attempts,
        settings.daemon.watchdog.as_secs() / 60,
        settings.daemon.wait.as_secs()
    );
}

/// Where a secret is read from, masked: the variable's name or the file's path, never the value.
fn secret_source(env: Option<&str>, file: Option<&Path>) -> String {
    match (env, file) {
        (Some(variable), _) => {
            let state = if std::env::var_os(variable).is_some_and(|v| !v.is_empty()) {
                "set"
            } else {
                "NOT SET"
            };
            format!("from environment variable {variable} (***, {state})")
        }
        (None, Some(path)) => {
            let state = if path.is_file() { "present" } else { "MISSING" };
            format!("from file {} (***, {state})", path.display())
        }
        (None, None) => "not configured".to_string(),
    }
}
