//! The command line: parses arguments and hands over to the library.
//! Exit codes (check-json.md): 0 all accepted, 1 any verdict not accepted, 2 could not run.

mod check;
mod config_cmd;
mod demo;
mod demo_mails;
mod run;
mod staff_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Call, ConfigError, Limits, Roster, Settings};
use crate::process::Checker;

#[derive(Parser)]
#[command(
    name = "shenbao",
    version,
    about = "申报: takes in funding applications sent by email"
)]
pub struct Cli {
    /// The settings file [default: ./config/shenbao.toml, else the built-in 2020 call]
    #[arg(long, global = true, env = "SHENBAO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check workbooks (.xlsx .xlsm .xls .ods) or whole messages (.eml) offline
    Check(check::CheckArgs),
    /// Write the blank 申报书 (.xlsx) for the configured call
    Template {
        /// Where to write it
        #[arg(default_value = "申报书.xlsx")]
        out: PathBuf,
    },
    /// Validate every configuration file and print the effective settings (secrets masked)
    Config {
        #[command(subcommand)]
        action: config_cmd::ConfigAction,
    },
    /// Run the daemon: take in applications from the mailbox, file them, answer them
    Run(run::RunArgs),
    /// Show the daemon at work on sample mail in var/demo (emptied first)
    Demo(demo::DemoArgs),
    #[command(flatten)]
    Staff(staff_cmd::StaffCommand),
}

/// Runs the command line; the returned code is the process's exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(cli.config.as_deref(), args),
        Command::Template { out } => template(cli.config.as_deref(), &out),
        Command::Config { action } => config_cmd::run(cli.config.as_deref(), action),
        Command::Run(args) => run::run(cli.config.as_deref(), args),
        Command::Demo(args) => demo::run(cli.config.as_deref(), args),
        Command::Staff(command) => staff_cmd::run(cli.config.as_deref(), command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("shenbao: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn template(config: Option<&std::path::Path>, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::load(config)?;
    crate::template::write_template(&loaded.checker.call, out)?;
    println!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The configuration in force, and where it came from.
pub(crate) struct Loaded {
    pub settings: Option<Settings>,
    pub checker: Checker,
}

/// The 2020 call and sample roster, built into the binary so `shenbao check`
/// works from any folder without a config directory.
const BUILTIN_CALL: &str = include_str!("../../config/call-2020.toml");
const BUILTIN_ROSTER: &[u8] = include_bytes!("../../config/roster.csv");

impl Loaded {
    pub fn load(config: Option<&std::path::Path>) -> Result<Loaded, ConfigError> {
        let default = PathBuf::from("config/shenbao.toml");
        let path = match config {
            Some(p) => Some(p.to_path_buf()),
            None if default.exists() => Some(default),
            None => None,
        };
        match path {
            Some(path) => {
                let settings = Settings::load(&path)?;
                let call = Call::load(&settings.call)?;
                let roster = Roster::load(&settings.roster)?;
                let limits = settings.limits.clone();
                Ok(Loaded {
                    settings: Some(settings),
                    checker: Checker::new(call, roster, limits),
                })
            }
            None => Ok(Loaded {
                settings: None,
                checker: Checker::new(
                    Call::parse(BUILTIN_CALL, "(built-in) call-2020.toml")?,
                    Roster::parse(BUILTIN_ROSTER, "(built-in) roster.csv")?,
                    Limits::default(),
                ),
            }),
        }
    }
}
