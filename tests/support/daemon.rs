//! `shenbao run` as its users run it, against the loopback Dovecot + Postfix: a
//! desk account of the test's own (a Dovecot user made at run time, so no other
//! test's mail is in its INBOX), settings written into a temp dir (IMAPS with the
//! test CA, SMTP on the loopback port, the store in the temp dir, a copy of the
//! 2020 call whose deadline lies ahead — the server stamps INTERNALDATE with
//! today — and a roster whose societies write from example.test users), the real
//! binary, and the store opened after it ran.

#![allow(dead_code)] // each test file uses its own part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use jiff::{Timestamp, ToSpan, Zoned};
use shenbao::store::{SqliteStore, StoreOptions};

use super::mail_servers::{MailServers, PASSWORD};

pub const RECEIPT_PREFIX: &str = "CZKX";
pub const CALL_ID: &str = "2020";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A short name part no other test (or earlier run against the same servers) uses.
pub fn unique_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{:x}{:x}", std::process::id() % 0xfff, nanos % 0xff_ffff)
}

/// Adds mail users (password [`PASSWORD`]) that Dovecot serves and Postfix delivers to,
/// and waits until each can log in.
pub async fn add_users(servers: &MailServers, users: &[String]) {
    let append_missing = |path: PathBuf, line: &dyn Fn(&str) -> String| {
        let known = std::fs::read_to_string(&path).expect("read user table");
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open user table");
        let mut text = String::new();
        for user in users {
            if !known.lines().any(|l| l.starts_with(&format!("{user}:")))
                && !known.lines().any(|l| l.starts_with(&format!("{user} ")))
            {
                text.push_str(&line(user));
            }
        }
        // One write: tests adding users at the same time do not interleave lines.
        file.write_all(text.as_bytes()).expect("append users");
    };
    append_missing(servers.root.join("etc/users"), &|user| {
        format!("{user}:{{PLAIN}}{PASSWORD}::::::\n")
    });
    append_missing(servers.root.join("postfix/etc/vmailbox"), &|user| {
        format!("{user} OK\n")
    });
    let status = Command::new("postfix")
        .arg("-c")
        .arg(servers.root.join("postfix/etc"))
        .arg("reload")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run postfix reload");
    assert!(status.success(), "postfix reload: {status}");
    for user in users {
        servers.ensure_user(user).await;
    }
}

/// How the desk's settings differ between tests.
#[derive(Debug, Clone)]
pub struct DeskOptions {
    pub idle: bool,
    pub poll_seconds: u64,
    pub batch_size: u32,
    /// Roster lines `name -> emails` replacing the shipped roster's emails.
    pub society_emails: Vec<(String, Vec<String>)>,
    /// TOML appended to the settings, right after the `[daemon]` lines (so more
    /// `[daemon]` keys, or another section such as `[limits]`).
    pub extra: String,
    pub max_per_sender_per_hour: u32,
    /// The call's deadline; by default [`deadline_ahead`].
    pub deadline: Zoned,
}

impl Default for DeskOptions {
    fn default() -> DeskOptions {
        DeskOptions {
            idle: true,
            poll_seconds: 60,
            batch_size: 20,
            society_emails: Vec::new(),
            extra: String::new(),
            max_per_sender_per_hour: 10,
            deadline: deadline_ahead(),
        }
    }
}

/// The daemon's account and settings; see the module doc.
pub struct Desk {
    pub servers: MailServers,
    pub dir: tempfile::TempDir,
    /// The desk's mailbox: applications go to it, answers come from it.
    pub account: String,
    pub config: PathBuf,
}

impl Desk {
    /// Makes the desk user and writes the settings; `users` are created with it.
    pub async fn new(
        servers: &MailServers,
        account: &str,
        users: &[String],
        options: DeskOptions,
    ) -> Desk {
        let mut all = vec![account.to_string()];
        all.extend(users.iter().cloned());
        add_users(servers, &all).await;
        let dir = tempfile::tempdir().expect("temp dir");
        write_call(dir.path(), &options.deadline);
        write_roster(dir.path(), &options.society_emails);
        std::fs::write(dir.path().join("password"), format!("{PASSWORD}\n")).expect("password");
        let config = dir.path().join("shenbao.toml");
        std::fs::write(&config, settings_text(servers, account, &options)).expect("settings");
        Desk {
            servers: servers.clone(),
            dir,
            account: account.to_string(),
            config,
        }
    }

    /// The store the daemon files into.
    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(
            &self.dir.path().join("store"),
            StoreOptions {
                receipt_prefix: RECEIPT_PREFIX.into(),
                max_attempts: 3,
            },
        )
        .expect("the store opens")
    }

    /// `shenbao ARGS --config <the desk's settings>`, logging to stderr.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shenbao"));
        command.arg("--config").arg(&self.config).args(args);
        command.env("RUST_LOG", "info");
        command
    }

    /// `shenbao run --once`, which must succeed; its output.
    pub fn run_once(&self) -> Output {
        let output = self
            .command(&["run", "--once"])
            .output()
            .expect("shenbao runs");
        assert!(
            output.status.success(),
            "shenbao run --once failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// `shenbao run` (until stopped), its log in the temp dir.
    pub fn spawn(&self, name: &str) -> Running {
        let log = self.dir.path().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = self
            .command(&["run", "--log-format", "json"])
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("shenbao run starts");
        Running { child, log }
    }
}

/// A `shenbao run` process; killed when dropped (a failed test leaves none behind).
pub struct Running {
    pub child: Child,
    pub log: PathBuf,
}

impl Running {
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (up to `within`) for a clean exit.
    pub fn stop(&mut self, within: Duration) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success(), "kill -TERM {}", self.child.id());
        let started = Instant::now();
        loop {
            if let Ok(Some(exit)) = self.child.try_wait() {
                assert!(
                    exit.success(),
                    "shenbao run exited {exit}:\n{}",
                    self.log_text()
                );
                return;
            }
            assert!(
                started.elapsed() < within,
                "shenbao run did not stop within {within:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.is_running() {
            self.kill_hard();
        }
    }
}

/// Stops or starts one of the servers (scripts/mail-servers/service.sh).
pub fn service(servers: &MailServers, server: &str, action: &str) {
    if let Err(error) = try_service(servers, server, action) {
        panic!("{error}");
    }
}

fn try_service(servers: &MailServers, server: &str, action: &str) -> Result<(), String> {
    let output = Command::new(repo("scripts/mail-servers/service.sh"))
        .arg(&servers.root)
        .args([server, action])
        .output()
        .map_err(|e| format!("service.sh: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "service.sh {server} {action}: {}",
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// A server stopped until this is dropped (then started again), also when the
/// test fails half way: the other tests need it.
pub struct Stopped<'a> {
    servers: &'a MailServers,
    server: &'static str,
}

impl Stopped<'_> {
    pub fn new<'a>(servers: &'a MailServers, server: &'static str) -> Stopped<'a> {
        service(servers, server, "stop");
        Stopped { servers, server }
    }
}

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        match try_service(self.servers, self.server, "start") {
            Ok(()) => {}
            Err(error) if std::thread::panicking() => eprintln!("{error}"),
            Err(error) => panic!("{error}"),
        }
    }
}

/// A deadline 30 days ahead, at 23:59:59 in Shanghai.
pub fn deadline_ahead() -> Zoned {
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").expect("tzdb");
    let day = Timestamp::now()
        .to_zoned(shanghai.clone())
        .date()
        .checked_add(30.days())
        .expect("date");
    day.at(23, 59, 59, 0).to_zoned(shanghai).expect("deadline")
}

/// A deadline `minutes` from now (to the second), in Shanghai. Dovecot takes an
/// APPEND's INTERNALDATE up to about two hours ahead as given, so a mail can be
/// made "received after" such a deadline.
pub fn deadline_in(minutes: i64) -> Zoned {
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").expect("tzdb");
    let at = Timestamp::from_second(Timestamp::now().as_second() + minutes * 60).expect("time");
    at.to_zoned(shanghai)
}

/// The 2020 call with its deadline moved to `deadline` (rules and wording unchanged).
fn write_call(dir: &Path, deadline: &Zoned) {
    let call = std::fs::read_to_string(repo("config/call-2020.toml")).expect("call");
    let moved = call.replace(
        r#"deadline = "2020-08-31T23:59:59""#,
        &format!(r#"deadline = "{}""#, deadline.strftime("%Y-%m-%dT%H:%M:%S")),
    );
    assert_ne!(
        call, moved,
        "the call's deadline line changed; update the test"
    );
    std::fs::write(dir.join("call.toml"), moved).expect("call copy");
}

/// The shipped roster with the emails of the societies named in `emails` replaced.
fn write_roster(dir: &Path, emails: &[(String, Vec<String>)]) {
    let roster = std::fs::read_to_string(repo("config/roster.csv")).expect("roster");
    let mut out = String::new();
    for line in roster.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        match emails
            .iter()
            .find(|(name, _)| fields.first() == Some(&name.as_str()))
        {
            Some((_, addresses)) if fields.len() == 5 => out.push_str(&format!(
                "{},{},{},{},{}\n",
                fields[0],
                fields[1],
                fields[2],
                addresses.join("|"),
                fields[4]
            )),
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    std::fs::write(dir.join("roster.csv"), out).expect("roster copy");
}

fn settings_text(servers: &MailServers, account: &str, options: &DeskOptions) -> String {
    format!(
        r#"call = "call.toml"
roster = "roster.csv"
data_dir = "store"
receipt_prefix = "{RECEIPT_PREFIX}"

[mailbox]
kind = "imap"
host = "localhost"
port = {imaps}
tls = "implicit"
user = "{account}"
password_file = "password"
ca_file = "{ca}"
idle = {idle}
poll_seconds = {poll}
batch_size = {batch}

[transport]
kind = "smtp"
host = "127.0.0.1"
port = {smtp}
tls = "none"
from = "{account}"
timeout_secs = 10

[answers]
from_name = "常州市科协学会部"
organization = "常州市科学技术协会学会部"
phone = "0519-86619613"
templates = "{templates}"
max_per_sender_per_hour = {rate}

[daemon]
wait_seconds = 30
{extra}
"#,
        imaps = servers.port("IMAPS_PORT"),
        smtp = servers.port("SMTP_PORT"),
        ca = servers.ca_file().display(),
        idle = options.idle,
        poll = options.poll_seconds,
        batch = options.batch_size,
        templates = repo("config/templates").display(),
        rate = options.max_per_sender_per_hour,
        extra = options.extra,
    )
}
