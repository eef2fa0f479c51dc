//! The `[transport]` settings, and the secret they point at.
//!
//! ```toml
//! [transport]
//! kind = "smtp"                       # or "directory"
//! host = "smtp.163.com"
//! port = 465                          # default: 465 implicit, 587 starttls, 25 none
//! tls = "implicit"                    # "implicit" | "starttls" | "none"
//! user = "czkxxhb@163.com"
//! password_env = "SHENBAO_SMTP_PASSWORD"   # or password_file = "/run/secrets/smtp"
//! # ca_file = "tls/ca.pem"            # trust only this CA instead of the webpki roots
//! from = "czkxxhb@163.com"
//! ```
//!
//! The password never sits in the settings file: 163 and QQ Mail want an
//! authorization code (授权码), not the web password, and it is read from the
//! named environment variable or file when the transport is built. Relative
//! paths are resolved by whoever reads the settings file.

use std::path::PathBuf;

use serde::Deserialize;

/// Seconds an SMTP command may take before the attempt counts as a network failure.
const DEFAULT_TIMEOUT_SECS: u64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TransportConfig {
    Smtp(SmtpConfig),
    /// Writes each answer as an `.eml` file: the default with a local Maildir, and for tests.
    Directory(DirectoryConfig),
}

impl TransportConfig {
    /// Our address: From of every answer and the envelope sender.
    pub fn from_address(&self) -> &str {
        match self {
            TransportConfig::Smtp(smtp) => &smtp.from,
            TransportConfig::Directory(directory) => &directory.from,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Defaults by `tls`: 465, 587, 25.
    #[serde(default)]
    pub port: Option<u16>,
    pub tls: TlsMode,
    /// The login; `None` sends without AUTH (a relay that trusts us by address).
    #[serde(default)]
    pub user: Option<String>,
    /// Name of the environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// File holding the password (one line; the trailing line break is dropped).
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// PEM file of the CA to trust instead of the webpki roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Must be the logged-in account: 163 refuses any other envelope sender (553).
    pub from: String,
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::Implicit => 465,
            TlsMode::Starttls => 587,
            TlsMode::None => 25,
        })
    }

    /// The password, from `password_env` or `password_file`; `None` when there is no `user`.
    pub fn load_password(&self) -> Result<Option<Password>, SetupError> {
        if self.user.is_none() {
            return Ok(None);
        }
        crate::config::read_secret(self.password_env.as_deref(), self.password_file.as_deref())
            .map(Some)
            .map_err(SetupError::Password)
    }
}

fn default_timeout_secs() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (SMTPS, port 465): what 163 and QQ Mail document.
    Implicit,
    /// Plain connect, then STARTTLS, required (port 587).
    Starttls,
    /// No TLS at all: only for a relay on loopback and for tests.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// Where the `.eml` files go; created when missing.
    pub path: PathBuf,
    pub from: String,
}

/// A password that never shows in `Debug` output or logs.
pub use crate::config::Secret as Password;

/// A transport that cannot be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("SMTP password: {0}")]
    Password(String),
    #[error("CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("TLS settings: {0}")]
    Tls(String),
    #[error("not a usable mail address: {0:?}")]
    Address(String),
    #[error(
        "`from` {from} differs from the login {user}: the server would refuse the envelope sender (163: 553)"
    )]
    SenderIsNotLogin { from: String, user: String },
    #[error("outbox directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_settings_parse_with_defaults() {
        let config: TransportConfig = toml::from_str(
            r#"
            kind = "smtp"
            host = "smtp.163.com"
            tls = "implicit"
            user = "czkxxhb@163.com"
            password_env = "SHENBAO_SMTP_PASSWORD"
            from = "czkxxhb@163.com"
            "#,
        )
        .expect("parses");
        let TransportConfig::Smtp(smtp) = &config else {
            panic!("smtp expected: {config:?}");
        };
        assert_eq!(smtp.port(), 465);
        assert_eq!(smtp.timeout_secs, DEFAULT_TIMEOUT_SECS);
        assert_eq!(config.from_address(), "czkxxhb@163.com");
    }

    #[test]
    fn ports_follow_tls_mode() {
        let base = |tls| SmtpConfig {
            host: "h".into(),
            port: None,
            tls,
            user: None,
            password_env: None,
            password_file: None,
            ca_file: None,
            from: "a@b.test".into(),
            timeout_secs: 1,
        };
        assert_eq!(base(TlsMode::Starttls).port(), 587);
        assert_eq!(base(TlsMode::None).port(), 25);
        let explicit = SmtpConfig {
            port: Some(2465),
            ..base(TlsMode::Implicit)
        };
        assert_eq!(explicit.port(), 2465);
    }

    #[test]
    fn directory_settings_parse_and_unknown_keys_are_refused() {
        let config: TransportConfig =
            toml::from_str("kind = \"directory\"\npath = \"outbox\"\nfrom = \"a@b.test\"\n")
                .expect("parses");
        assert_eq!(
            config,
            TransportConfig::Directory(DirectoryConfig {
                path: "outbox".into(),
                from: "a@b.test".into()
            })
        );
        let typo = toml::from_str::<TransportConfig>(
            "kind = \"smtp\"\nhost = \"h\"\ntls = \"none\"\nfrom = \"a@b.test\"\npasword_env = \"X\"\n",
        );
        assert!(typo.is_err(), "a misspelt key must not be ignored");
        let bad_tls = toml::from_str::<TransportConfig>(
            "kind = \"smtp\"\nhost = \"h\"\ntls = \"ssl\"\nfrom = \"a@b.test\"\n",
        );
        assert!(bad_tls.is_err());
    }

    #[test]
    fn password_is_read_from_a_file_and_never_shown() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("smtp-password");
        std::fs::write(&path, "s3cr3t-auth-code\n").expect("write");
        let config = SmtpConfig {
            host: "h".into(),
            port: None,
            tls: TlsMode::Implicit,
            user: Some("a@b.test".into()),
            password_env: None,
            password_file: Some(path),
            ca_file: None,
            from: "a@b.test".into(),
            timeout_secs: 1,
        };
        let password = config.load_password().expect("loads").expect("some");
        assert_eq!(password.expose(), "s3cr3t-auth-code");
        let shown = format!("{password:?} {config:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");

        let no_source = SmtpConfig {
            password_file: None,
            ..config.clone()
        };
        assert!(matches!(
            no_source.load_password(),
            Err(SetupError::Password(_))
        ));
        let unset_env = SmtpConfig {
            password_file: None,
            password_env: Some("SHENBAO_TEST_SURELY_UNSET_VARIABLE".into()),
            ..config
        };
        assert!(matches!(
            unset_env.load_password(),
            Err(SetupError::Password(_))
        ));
    }
}
