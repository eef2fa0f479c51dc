//! The staff commands: `digest`, `export`, `list`, `show`, `resend`. Each
//! opens the store, hands over to [`crate::staff`] and prints the result.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use super::Loaded;
use crate::clock::{Clock, SystemClock};
use crate::config::Call;
use crate::staff::digest::queue::{Digest, DigestContext, Sender, queue_digest_now};
use crate::staff::inspect;
use crate::staff::quota::quota_lines;
use crate::staff::rows::parse_status;
use crate::staff::{DigestConfig, Occasion, Progress, summary_workbook};
use crate::store::{ApplicationFilter, SqliteStore, StoreOptions};

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Queue the staff digest now (--dry-run prints it instead)
    Digest(DigestArgs),
    /// Write the summary workbook (汇总表) of every current application
    Export {
        /// Where to write it, e.g. 汇总表.xlsx
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List applications with their current version
    List(ListArgs),
    /// Everything about one application: versions, deficiencies, answers and their delivery
    Show {
        /// Its receipt number, e.g. CZKX2020-0007
        receipt: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Queue the latest answer about an application again, as a new message
    Resend {
        /// Its receipt number, e.g. CZKX2020-0007
        receipt: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Args)]
pub struct StoreArgs {
    /// The daemon's data directory (the store) [default: `data_dir` of the settings, else var/store]
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct DigestArgs {
    /// Print the digest (subject and text) instead of queuing it
    #[arg(long)]
    dry_run: bool,
    /// Send to these addresses instead of the configured staff
    #[arg(long = "to", value_name = "ADDRESS")]
    to: Vec<String>,
    /// The From address [default: `[transport].from` of the settings]
    #[arg(long, env = "SHENBAO_FROM")]
    from: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
pub struct ListArgs {
    /// accepted, review, deficient, rejected (or 已受理, 待审核, 待补正, 逾期不予受理)
    #[arg(long)]
    status: Option<String>,
    /// A category key, number or name (e.g. academic, 2, 学术创新特色学会)
    #[arg(long)]
    category: Option<String>,
    /// A society's name or alias in the roster
    #[arg(long)]
    society: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(config: Option<&Path>, command: StaffCommand) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::load(config)?;
    match command {
        StaffCommand::Digest(args) => digest(&loaded, args),
        StaffCommand::Export { file, store } => export(&loaded, &store, &file),
        StaffCommand::List(args) => list(&loaded, args),
        StaffCommand::Show { receipt, store } => {
            let store = open(&loaded, &store)?;
            let report = inspect::report(&store, &loaded.checker.call, &receipt)?;
            print!(
                "{}",
                inspect::format_report(&report, &loaded.checker.call.time_zone)
            );
            Ok(ExitCode::SUCCESS)
        }
        StaffCommand::Resend { receipt, store } => {
            let mut store = open(&loaded, &store)?;
            let resent = inspect::resend(&mut store, &receipt, SystemClock.now())?;
            println!(
                "{receipt}: answer #{} ({}) queued again as #{} to {}",
                resent.original.0,
                resent.kind.as_str(),
                resent.queued.0,
                resent.to
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The store in `--data-dir`, else the settings' `data_dir`, opened with the
/// daemon's receipt prefix and attempt bound.
fn open(loaded: &Loaded, args: &StoreArgs) -> anyhow::Result<SqliteStore> {
    let settings = loaded.settings.as_ref();
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| settings.map(|s| s.data_dir.clone()))
        .unwrap_or_else(|| PathBuf::from("var/store"));
    let options = StoreOptions {
        receipt_prefix: settings.map_or_else(|| "CZKX".to_string(), |s| s.receipt_prefix.clone()),
        max_attempts: settings.map_or(3, |s| s.daemon.max_attempts),
    };
    SqliteStore::open(&data_dir, options)
        .with_context(|| format!("opening the store in {}", data_dir.display()))
}

/// The `[digest]` table of the settings, defaults without settings.
fn digest_config(loaded: &Loaded) -> DigestConfig {
    loaded
        .settings
        .as_ref()
        .map(|s| s.digest.clone())
        .unwrap_or_default()
}

fn digest(loaded: &Loaded, args: DigestArgs) -> anyhow::Result<ExitCode> {
    let mut digest_config = digest_config(loaded);
    if !args.to.is_empty() {
        digest_config.to = args.to;
    }
    let configured_from = loaded
        .settings
        .as_ref()
        .map(|s| s.transport.from_address().to_string());
    let sender = Sender {
        address: args
            .from
            .or(configured_from)
            .unwrap_or_else(|| "shenbao@localhost".to_string()),
        name: loaded
            .settings
            .as_ref()
            .map(|s| s.answers.from_name.clone()),
    };
    let context = DigestContext {
        config: &digest_config,
        call: &loaded.checker.call,
        roster: &loaded.checker.roster,
        sender: &sender,
    };
    let mut store = open(loaded, &args.store)?;
    let mut bar = Bar::new();
    if args.dry_run {
        let now = SystemClock.now();
        let digest = Digest::build(&store, &context, Occasion::OnDemand, now, &mut bar)?;
        println!("Subject: {}\n", digest.notice.subject);
        print!("{}", digest.notice.text);
        if let Some(file) = &digest.attachment {
            println!(
                "\n[attachment {} ({} bytes)]",
                file.filename,
                file.bytes.len()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    anyhow::ensure!(
        !digest_config.to.is_empty(),
        "no staff addresses: set `to` under [digest] in the settings, or pass --to ADDRESS"
    );
    let queued = queue_digest_now(&mut store, &context, &SystemClock, &mut bar)?;
    println!(
        "queued {} digest(s): {}",
        queued.answers.len(),
        queued.subject
    );
    Ok(ExitCode::SUCCESS)
}

fn export(loaded: &Loaded, store_args: &StoreArgs, file: &Path) -> anyhow::Result<ExitCode> {
    let call = &loaded.checker.call;
    let store = open(loaded, store_args)?;
    let rows = inspect::list(&store, call, &call_filter(call))?;
    let quotas = quota_lines(call, &rows);
    let bytes = summary_workbook(call, &rows, &quotas, &mut Bar::new())?;
    std::fs::write(file, bytes).with_context(|| format!("writing {}", file.display()))?;
    println!("{}: {} applications", file.display(), rows.len());
    Ok(ExitCode::SUCCESS)
}

fn list(loaded: &Loaded, args: ListArgs) -> anyhow::Result<ExitCode> {
    let call = &loaded.checker.call;
    let mut filter = call_filter(call);
    if let Some(status) = &args.status {
        filter.status =
            Some(parse_status(status).with_context(|| format!("unknown status {status:?}"))?);
    }
    if let Some(category) = &args.category {
        filter.category = Some(
            category_key(call, category)
                .with_context(|| format!("the call has no category {category:?}"))?,
        );
    }
    if let Some(society) = &args.society {
        // The store files under the roster name; an alias finds it too.
        let roster = &loaded.checker.roster;
        filter.society = Some(
            roster
                .by_name(society)
                .map_or_else(|| society.trim().to_string(), |s| s.name.clone()),
        );
    }
    let store = open(loaded, &args.store)?;
    let rows = inspect::list(&store, call, &filter)?;
    print!("{}", inspect::format_list(&rows, &call.time_zone));
    Ok(ExitCode::SUCCESS)
}

fn call_filter(call: &Call) -> ApplicationFilter {
    ApplicationFilter {
        call_id: Some(call.id.clone()),
        ..ApplicationFilter::default()
    }
}

/// A category's key from its key, number, name or short name.
fn category_key(call: &Call, wanted: &str) -> Option<String> {
    let wanted = wanted.trim();
    call.categories
        .iter()
        .find(|c| {
            c.key == wanted
                || c.number.to_string() == wanted
                || c.name == wanted
                || c.short_names.iter().any(|s| s == wanted)
        })
        .map(|c| c.key.clone())
}

/// A progress bar on stderr; indicatif hides it when stderr is not a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::hidden();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}") {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar(bar)
    }
}

impl Progress for Bar {
    fn start(&mut self, what: &str, total: u64) {
        self.0.reset();
        self.0.set_length(total);
        self.0.set_message(what.to_string());
    }

    fn advance(&mut self) {
        self.0.inc(1);
    }

    fn finish(&mut self) {
        self.0.finish_and_clear();
    }
}
