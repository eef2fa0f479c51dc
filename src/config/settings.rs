//! The daemon settings file (`config/shenbao.toml`): which call, where the
//! store lives, where mail comes from and goes to, and how answers read.
//!
//! Relative paths are resolved against the settings file's folder, so the
//! shipped file works from any working directory. Secrets are never in it:
//! only the *name* of an environment variable (`password_env`) or the *path*
//! of a file (`password_file`) holding one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{ConfigError, Limits};
use crate::mailbox::MailboxConfig;
use crate::staff::DigestConfig;
use crate::transport::TransportConfig;

/// Settings as used; every path is resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the settings were read from.
    pub file: PathBuf,
    /// The call file, e.g. config/call-2020.toml.
    pub call: PathBuf,
    pub roster: PathBuf,
    pub limits: Limits,
    /// The store: database, raw messages and attachments.
    pub data_dir: PathBuf,
    /// Receipts are `{receipt_prefix}{call id}-{n:04}`, e.g. `CZKX2020-0001`.
    pub receipt_prefix: String,
    pub mailbox: MailboxConfig,
    pub transport: TransportConfig,
    pub answers: AnswerSettings,
    pub daemon: DaemonSettings,
    /// The staff digest (`[digest]`); no addresses, no digest.
    pub digest: DigestConfig,
}

/// The `[answers]` section: who signs the answers and when none is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerSettings {
    /// Display name beside the From address (the address is `[transport].from`).
    pub from_name: String,
    /// Signs the notice, e.g. 常州市科学技术协会学会部.
    pub organization: String,
    pub phone: String,
    /// Where applicants send mail and replies; `[transport].from` when not given.
    pub reply_address: String,
    /// The folder holding subject.txt, notice.txt and notice.html.
    pub templates: PathBuf,
    /// More answers than this to one address within an hour are suppressed (mail loops).
    pub max_per_sender_per_hour: u32,
    /// Addresses (lower-cased) that never get an answer, besides `[transport].from`.
    pub own_addresses: Vec<String>,
}

/// The `[daemon]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSettings {
    /// How often a message whose processing failed is tried before it is left for staff.
    pub max_attempts: u32,
    /// No completed fetch/wait cycle for this long: log an error and reconnect.
    pub watchdog: Duration,
    /// Longest single wait for new mail (IDLE or polling) before fetching anyway.
    pub wait: Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    call: PathBuf,
    roster: PathBuf,
    data_dir: PathBuf,
    receipt_prefix: String,
    #[serde(default)]
    limits: Limits,
    mailbox: MailboxConfig,
    transport: TransportConfig,
    answers: RawAnswers,
    #[serde(default)]
    daemon: RawDaemon,
    #[serde(default)]
    digest: DigestConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswers {
    from_name: String,
    organization: String,
    phone: String,
    #[serde(default)]
    reply_address: Option<String>,
    templates: PathBuf,
    #[serde(default = "default_max_per_sender_per_hour")]
    max_per_sender_per_hour: u32,
    #[serde(default)]
    own_addresses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDaemon {
    max_attempts: u32,
    watchdog_minutes: u64,
    wait_seconds: u64,
}

impl Default for RawDaemon {
    fn default() -> RawDaemon {
        RawDaemon {
            max_attempts: 3,
            watchdog_minutes: 10,
            wait_seconds: 300,
        }
    }
}

fn default_max_per_sender_per_hour() -> u32 {
    10
}

impl Settings {
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = super::read_text(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        Settings::parse(&text, path, base)
    }

    /// Reads settings text; `file` names it in errors, `base` resolves relative paths.
    pub fn parse(text: &str, file: &Path, base: &Path) -> Result<Settings, ConfigError> {
        let file_name = file.display().to_string();
        let raw: RawSettings = super::parse_toml(text, &file_name)?;
        let invalid = |key: &str, message: String| ConfigError {
            file: file_name.clone(),
            line: key_line(text, key),
            key: Some(key.to_string()),
            message,
        };
        if let MailboxConfig::Imap(imap) = &raw.mailbox {
            imap.validate()
                .map_err(|message| invalid("mailbox", message))?;
        }
        let from = raw.transport.from_address().trim().to_lowercase();
        if !looks_like_address(&from) {
            return Err(invalid("from", format!("{from:?} is not a mail address")));
        }
        if raw.daemon.max_attempts == 0 {
            return Err(invalid("max_attempts", "must be at least 1".into()));
        }
        if raw.daemon.wait_seconds == 0 || raw.daemon.watchdog_minutes == 0 {
            return Err(invalid(
                "watchdog_minutes",
                "wait_seconds and watchdog_minutes must be at least 1".into(),
            ));
        }
        if raw.daemon.wait_seconds >= raw.daemon.watchdog_minutes * 60 {
            return Err(invalid(
                "wait_seconds",
                "must be shorter than the watchdog, or every wait would trip it".into(),
            ));
        }
        let mut own_addresses: Vec<String> = raw
            .answers
            .own_addresses
            .iter()
            .map(|a| a.trim().to_lowercase())
            .collect();
        own_addresses.push(from.clone());
        own_addresses.sort();
        own_addresses.dedup();
        Ok(Settings {
            file: file.to_path_buf(),
            call: resolve(base, &raw.call),
            roster: resolve(base, &raw.roster),
            limits: raw.limits,
            data_dir: resolve(base, &raw.data_dir),
            receipt_prefix: raw.receipt_prefix,
            mailbox: resolve_mailbox(raw.mailbox, base),
            transport: resolve_transport(raw.transport, base),
            answers: AnswerSettings {
                from_name: raw.answers.from_name,
                organization: raw.answers.organization,
                phone: raw.answers.phone,
                reply_address: raw.answers.reply_address.unwrap_or(from),
                templates: resolve(base, &raw.answers.templates),
                max_per_sender_per_hour: raw.answers.max_per_sender_per_hour,
                own_addresses,
            },
            daemon: DaemonSettings {
                max_attempts: raw.daemon.max_attempts,
                watchdog: Duration::from_secs(raw.daemon.watchdog_minutes * 60),
                wait: Duration::from_secs(raw.daemon.wait_seconds),
            },
            digest: raw.digest,
        })
    }

    /// Our address: From of every answer, the envelope sender, never answered itself.
    pub fn from_address(&self) -> &str {
        self.transport.from_address()
    }
}

fn resolve_mailbox(config: MailboxConfig, base: &Path) -> MailboxConfig {
    match config {
        MailboxConfig::Maildir(mut maildir) => {
            maildir.path = resolve(base, &maildir.path);
            MailboxConfig::Maildir(maildir)
        }
        MailboxConfig::Imap(mut imap) => {
            imap.ca_file = imap.ca_file.map(|p| resolve(base, &p));
            imap.password_file = imap.password_file.map(|p| resolve(base, &p));
            MailboxConfig::Imap(imap)
        }
    }
}

fn resolve_transport(config: TransportConfig, base: &Path) -> TransportConfig {
    match config {
        TransportConfig::Directory(mut directory) => {
            directory.path = resolve(base, &directory.path);
            TransportConfig::Directory(directory)
        }
        TransportConfig::Smtp(mut smtp) => {
            smtp.ca_file = smtp.ca_file.map(|p| resolve(base, &p));
            smtp.password_file = smtp.password_file.map(|p| resolve(base, &p));
            TransportConfig::Smtp(smtp)
        }
    }
}

/// `path` against `base`, with `.` and `..` taken out where they can be
/// (lexically: `config/../var` is `var`), so paths print as people expect.
fn resolve(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut resolved = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(
                    resolved.components().next_back(),
                    Some(Component::Normal(_))
                ) =>
            {
                resolved.pop();
            }
            other => resolved.push(other),
        }
    }
    if resolved.as_os_str().is_empty() {
        resolved.push(".");
    }
    resolved
}

fn looks_like_address(address: &str) -> bool {
    address
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
}

/// The first line that sets `key`, for errors serde cannot place.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.starts_with(key) && line[key.len()..].trim_start().starts_with(['=', ']'])
                || line == format!("[{key}]")
        })
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
call = "call.toml"
roster = "roster.csv"
data_dir = "../var/store"
receipt_prefix = "CZKX"

[mailbox]
kind = "imap"
host = "imap.163.com"
tls = "implicit"
user = "czkxxhb@163.com"
password_file = "secrets/imap"
ca_file = "tls/ca.pem"

[transport]
kind = "smtp"
host = "smtp.163.com"
tls = "implicit"
user = "czkxxhb@163.com"
password_env = "SHENBAO_SMTP_PASSWORD"
from = "CZKXXHB@163.com"

[answers]
from_name = "学会部"
organization = "常州市科学技术协会学会部"
phone = "0519-86619613"
templates = "templates"
own_addresses = ["Staff@163.com"]
"#;

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(
            text,
            Path::new("/etc/shenbao/shenbao.toml"),
            Path::new("/etc/shenbao"),
        )
    }

    #[test]
    fn relative_paths_resolve_against_the_settings_folder() {
        let settings = parse(MINIMAL).expect("valid");
        assert_eq!(settings.data_dir, Path::new("/etc/var/store"));
        assert_eq!(
            resolve(Path::new("config"), Path::new("../var")),
            Path::new("var")
        );
        assert_eq!(
            resolve(Path::new(""), Path::new("../var")),
            Path::new("../var")
        );
        assert_eq!(
            resolve(Path::new("config"), Path::new("/abs/x")),
            Path::new("/abs/x")
        );
        assert_eq!(
            resolve(Path::new("config"), Path::new("..")),
            Path::new(".")
        );
        assert_eq!(
            settings.answers.templates,
            Path::new("/etc/shenbao/templates")
        );
        let MailboxConfig::Imap(imap) = &settings.mailbox else {
            panic!("imap expected")
        };
        assert_eq!(
            imap.password_file.as_deref(),
            Some(Path::new("/etc/shenbao/secrets/imap"))
        );
        assert_eq!(
            imap.ca_file.as_deref(),
            Some(Path::new("/etc/shenbao/tls/ca.pem"))
        );
    }

    #[test]
    fn defaults_and_own_addresses() {
        let settings = parse(MINIMAL).expect("valid");
        assert_eq!(settings.answers.reply_address, "czkxxhb@163.com");
        assert_eq!(
            settings.answers.own_addresses,
            ["czkxxhb@163.com", "staff@163.com"]
        );
        assert_eq!(settings.answers.max_per_sender_per_hour, 10);
        assert_eq!(settings.daemon.max_attempts, 3);
        assert_eq!(settings.daemon.watchdog, Duration::from_secs(600));
        assert!(settings.digest.to.is_empty(), "no [digest]: no digest");
        let with_digest = format!("{MINIMAL}\n[digest]\nto = [\"xhb@example.test\"]\n");
        assert_eq!(
            parse(&with_digest).expect("valid").digest.to,
            ["xhb@example.test"]
        );
    }

    #[test]
    fn a_missing_section_or_bad_value_is_named() {
        let without_answers = MINIMAL.split("[answers]").next().unwrap_or_default();
        let error = parse(without_answers).expect_err("answers is required");
        assert!(error.to_string().contains("answers"), "{error}");

        let zero = format!("{MINIMAL}\n[daemon]\nmax_attempts = 0\n");
        let error = parse(&zero).expect_err("zero attempts");
        assert_eq!(error.key.as_deref(), Some("max_attempts"));
        assert!(error.line.is_some(), "{error}");
    }

    #[test]
    fn imap_without_a_password_source_is_refused() {
        let text = MINIMAL.replace("password_file = \"secrets/imap\"\n", "");
        let error = parse(&text).expect_err("no password source");
        assert!(error.to_string().contains("password"), "{error}");
    }
}
