//! The `[mailbox]` section of the settings: which source, and how to treat it.
//!
//! # Config
//!
//! ```toml
//! [mailbox]                      # the embedded default
//! kind = "maildir"
//! path = "/var/lib/shenbao/Maildir"
//!
//! [mailbox]                      # or a real account
//! kind = "imap"
//! host = "imap.163.com"
//! tls = "implicit"               # or "starttls"; port defaults to 993 / 143
//! user = "kexie2020@163.com"
//! password_env = "SHENBAO_IMAP_PASSWORD"   # or password_file = "/etc/shenbao/imap-password"
//! idle = false                   # 163 is polled (see poll_seconds)
//! after_filing = { move = "已受理" }       # or "leave" (default) / "seen"
//! ```
//!
//! The settings carry only the *name* of the variable or the path of the file holding the
//! password (a 163 authorization code): the secret itself is read at each login, so it never
//! sits in the settings file and can be rotated without a restart.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Messages fetched per round trip unless configured: few round trips and store
/// transactions per message (the daemon has up to three batches in hand at once).
pub const DEFAULT_BATCH_SIZE: u32 = 200;
/// A batch stops growing once its messages reach this many bytes (a larger message still
/// comes, alone): memory stays bounded whatever the messages' sizes, while a batch of
/// typical mail (~30 KB) is limited by its number only.
pub const BATCH_BYTES: u64 = 16 * 1024 * 1024;
/// Poll interval when the server has no IDLE or `idle = false`.
pub const DEFAULT_POLL_SECONDS: u64 = 60;

/// Where messages come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum MailboxConfig {
    Maildir(MaildirConfig),
    Imap(ImapConfig),
}

/// A local Maildir, delivered into by the local MTA (the embedded default).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaildirConfig {
    /// The Maildir itself (the folder holding `new/`, `cur/`, `tmp/`).
    pub path: PathBuf,
    #[serde(default)]
    pub after_filing: AfterFiling,
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
}

/// An IMAP account.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    pub host: String,
    /// Defaults to 993 for implicit TLS, 143 for STARTTLS.
    #[serde(default)]
    pub port: Option<u16>,
    pub tls: TlsMode,
    pub user: String,
    /// Name of the environment variable holding the password (or 163 authorization code).
    #[serde(default)]
    pub password_env: Option<String>,
    /// Path of a file holding the password; surrounding whitespace is ignored.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// PEM file of the CA(s) to trust instead of the bundled web PKI roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_mailbox")]
    pub mailbox: String,
    /// Use IDLE when the server advertises it; `false` forces polling.
    #[serde(default = "default_true")]
    pub idle: bool,
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: u64,
    #[serde(default)]
    pub after_filing: AfterFiling,
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
}

/// How the TLS session starts. There is no plaintext mode: the password never travels in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plain greeting, then `STARTTLS` before anything else (port 143).
    Starttls,
}

/// What happens to a message in the source once it is filed in the store.
///
/// Never deletion: the store is the record, but the mailbox stays the staff's safety net.
/// Whatever the action, what was processed is known from the store, never from `\Seen`
/// (staff read mail in the same account).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AfterFiling {
    /// Leave it where it is (Maildir: move it from `new/` to `cur/`, as any reader does).
    #[default]
    Leave,
    /// Mark it `\Seen` (Maildir: flag `S`).
    Seen,
    /// Move it to this folder (IMAP: MOVE or COPY + expunge of that UID; Maildir: the `.Folder`
    /// Maildir++ subfolder), created when missing.
    Move(String),
}

impl ImapConfig {
    /// The port to dial: the configured one, else the standard one for the TLS mode.
    pub fn effective_port(&self) -> u16 {
        match (self.port, self.tls) {
            (Some(port), _) => port,
            (None, TlsMode::Implicit) => 993,
            (None, TlsMode::Starttls) => 143,
        }
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_secs(self.poll_seconds.max(1))
    }

    /// Checks what serde cannot: exactly one password source, a usable batch size.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.password_env, &self.password_file) {
            (Some(_), Some(_)) => return Err("give password_env or password_file, not both".into()),
            (None, None) => return Err("password_env or password_file is required".into()),
            _ => {}
        }
        if self.batch_size == 0 {
            return Err("batch_size must be at least 1".into());
        }
        if self.host.trim().is_empty() {
            return Err("host is empty".into());
        }
        Ok(())
    }
}

fn default_batch_size() -> u32 {
    DEFAULT_BATCH_SIZE
}

fn default_poll_seconds() -> u64 {
    DEFAULT_POLL_SECONDS
}

fn default_mailbox() -> String {
    "INBOX".to_string()
}

fn default_true() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_config_reads_all_keys_and_defaults() {
        let config: MailboxConfig = toml::from_str(
            r#"
            kind = "imap"
            host = "imap.163.com"
            tls = "implicit"
            user = "kexie@163.com"
            password_env = "SHENBAO_IMAP_PASSWORD"
            idle = false
            after_filing = { move = "已受理" }
            "#,
        )
        .expect("valid config");
        let MailboxConfig::Imap(imap) = config else {
            panic!("expected imap, got {config:?}")
        };
        assert_eq!(imap.effective_port(), 993);
        assert_eq!(imap.mailbox, "INBOX");
        assert_eq!(imap.poll_seconds, DEFAULT_POLL_SECONDS);
        assert_eq!(imap.batch_size, DEFAULT_BATCH_SIZE);
        assert_eq!(imap.after_filing, AfterFiling::Move("已受理".into()));
        assert!(!imap.idle);
        assert_eq!(imap.validate(), Ok(()));
    }

    #[test]
    fn after_filing_accepts_words_and_move_table() {
        for (text, expected) in [
            (r#"after_filing = "leave""#, AfterFiling::Leave),
            (r#"after_filing = "seen""#, AfterFiling::Seen),
            (
                r#"after_filing = { move = "Filed" }"#,
                AfterFiling::Move("Filed".into()),
            ),
        ] {
            let config: MaildirConfig =
                toml::from_str(&format!("path = \"/m\"\n{text}")).expect(text);
            assert_eq!(config.after_filing, expected, "{text}");
        }
        assert!(
            toml::from_str::<MaildirConfig>("path = \"/m\"\nafter_filing = \"delete\"").is_err()
        );
    }

    #[test]
    fn starttls_defaults_to_143_and_password_sources_are_exclusive() {
        let config: ImapConfig = toml::from_str(
            r#"
            host = "mail.example.test"
            tls = "starttls"
            user = "apply"
            password_env = "A"
            password_file = "/b"
            "#,
        )
        .expect("parses");
        assert_eq!(config.effective_port(), 143);
        assert!(config.validate().is_err());
        let without = ImapConfig {
            password_env: None,
            password_file: None,
            ..config
        };
        assert!(without.validate().is_err());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let result = toml::from_str::<MailboxConfig>(
            "kind = \"maildir\"\npath = \"/m\"\npasword_env = \"X\"\n",
        );
        assert!(result.is_err(), "a misspelt key must not be ignored");
    }
}
