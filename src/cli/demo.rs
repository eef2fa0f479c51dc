//! `shenbao demo`: the daemon's `--once` path on sample mail, from scratch.
//!
//! Seeds a fresh Maildir under `var/demo` with societies' applications (the
//! sample workbooks, mails as Foxmail and 163 wrote them, a late one, an
//! out-of-office auto-reply), runs `shenbao run --once` on the shipped
//! settings pointed at `var/demo` (SQLite store, directory outbox), lets the
//! society that forgot its evidence reply to the notice with it, runs once
//! more, and prints what happened and where the answers are.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use super::demo_mails::{self, DemoMail};
use super::run::{LogFormat, init_logging, load_settings, runtime};
use crate::clock::SystemClock;
use crate::config::Settings;
use crate::daemon::{self, Mode, Summary};
use crate::mailbox::config::DEFAULT_BATCH_SIZE;
use crate::mailbox::{AfterFiling, MailboxConfig, MaildirConfig};
use crate::store::{OutboxFilter, SqliteStore, Store, StoreOptions};
use crate::transport::{DirectoryConfig, TransportConfig};

/// Marks a folder the demo made, so it never empties any other.
const MARKER: &str = ".shenbao-demo";
/// The society whose first mail lacks evidence (it replies with it).
const FORGETFUL: &str = "wjznzzfw@163.com";

#[derive(Args)]
pub struct DemoArgs {
    /// The demo's folder: inbox, store and outbox (emptied first)
    #[arg(long, default_value = "var/demo")]
    dir: PathBuf,
}

pub fn run(config: Option<&Path>, args: DemoArgs) -> anyhow::Result<ExitCode> {
    init_logging(LogFormat::Text);
    let mut settings = load_settings(config)?;
    start_afresh(&args.dir)?;
    point_at(&mut settings, &args.dir);
    let inbox = args.dir.join("inbox");
    deliver(&inbox, demo_mails::applications())?;

    let summary = runtime()?.block_on(async {
        let first = once(&settings).await?;
        let (subject, message_id) = notice_to(&settings, FORGETFUL)?;
        deliver(
            &inbox,
            vec![demo_mails::evidence_reply(
                settings.from_address(),
                &subject,
                &message_id,
            )],
        )?;
        let mut second = once(&settings).await?;
        second.add_run(&first);
        anyhow::Ok(second)
    })?;
    print!("{summary}");
    print_answers(&settings)?;
    Ok(ExitCode::SUCCESS)
}

async fn once(settings: &Settings) -> anyhow::Result<Summary> {
    Ok(daemon::run(
        settings.clone(),
        Mode::Once,
        Arc::new(SystemClock),
        std::future::pending(),
    )
    .await?)
}

/// Empties the demo folder (only one the demo made) and marks it.
fn start_afresh(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let ours = dir.join(MARKER).exists();
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !ours && !empty {
            anyhow::bail!(
                "{} exists and was not made by `shenbao demo`; choose another --dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join(MARKER),
        "made by shenbao demo; emptied by the next run\n",
    )?;
    Ok(())
}

/// The shipped settings with the store, the Maildir and the outbox in `dir`.
fn point_at(settings: &mut Settings, dir: &Path) {
    settings.data_dir = dir.join("store");
    let batch_size = match &settings.mailbox {
        MailboxConfig::Maildir(maildir) => maildir.batch_size,
        MailboxConfig::Imap(imap) => imap.batch_size,
    };
    settings.mailbox = MailboxConfig::Maildir(MaildirConfig {
        path: dir.join("inbox"),
        after_filing: AfterFiling::Leave,
        batch_size: batch_size.max(DEFAULT_BATCH_SIZE),
    });
    settings.transport = TransportConfig::Directory(DirectoryConfig {
        path: dir.join("outbox"),
        from: settings.from_address().to_string(),
    });
}

/// Delivers like a local MTA: into `new/`, the file's mtime the time received.
fn deliver(maildir: &Path, mails: Vec<DemoMail>) -> anyhow::Result<()> {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.join(sub))?;
    }
    let already = std::fs::read_dir(maildir.join("new"))?.count()
        + std::fs::read_dir(maildir.join("cur"))?.count();
    for (n, mail) in mails.into_iter().enumerate() {
        let seconds = mail.received_at.as_second();
        let path = maildir
            .join("new")
            .join(format!("{seconds}.demo{}.shenbao", already + n));
        std::fs::write(&path, &mail.bytes)?;
        std::fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(mail.received_at.into())?;
    }
    Ok(())
}

/// Subject and Message-ID of the answer sent to `address`.
fn notice_to(settings: &Settings, address: &str) -> anyhow::Result<(String, String)> {
    let store = open_store(settings)?;
    let answers = store.outbox(&OutboxFilter {
        to: Some(address.to_string()),
        ..OutboxFilter::default()
    })?;
    let notice = answers
        .first()
        .with_context(|| format!("no answer to {address} in the demo's outbox"))?;
    Ok((notice.subject.clone(), notice.message_id.clone()))
}

fn print_answers(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings)?;
    println!("answers");
    for answer in store.outbox(&OutboxFilter::default())? {
        let state = match &answer.suppressed_reason {
            Some(reason) => format!("suppressed ({reason})"),
            None => answer.state.to_string(),
        };
        println!(
            "  {:<13}{:<24}{:<30}{}",
            answer.kind.as_str(),
            answer.to,
            state,
            answer.subject
        );
    }
    Ok(())
}

fn open_store(settings: &Settings) -> anyhow::Result<SqliteStore> {
    Ok(SqliteStore::open(
        &settings.data_dir,
        StoreOptions {
            receipt_prefix: settings.receipt_prefix.clone(),
            max_attempts: settings.daemon.max_attempts,
        },
    )?)
}
