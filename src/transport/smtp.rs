//! Sending over SMTP with lettre: implicit TLS (465), STARTTLS (587), or plain
//! (loopback tests), logged in as the account the answers come from.
//!
//! One connection is kept open and reused (a pool of one): 163 counts
//! connections as well as messages (`421 HL:ICC`), and the outbox sends one
//! message at a time anyway.
//!
//! TCP_NODELAY is not set: lettre opens the socket inside
//! `AsyncSmtpTransport` and offers no hook to reach it. Each SMTP command
//! waits for its reply, so Nagle's algorithm costs little here.

use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::config::{Password, SetupError, SmtpConfig, TlsMode};
use super::{SendError, envelope};

/// Idle time after which the kept connection is closed (163 drops idle ones itself).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    account: Address,
    host: String,
    port: u16,
    tls: TlsMode,
    user: Option<String>,
}

impl SmtpTransport {
    /// Builds the transport; nothing connects until the first send.
    /// `password` is required when `config.user` is set.
    pub fn new(
        config: &SmtpConfig,
        password: Option<Password>,
    ) -> Result<SmtpTransport, SetupError> {
        let account: Address = config
            .from
            .trim()
            .parse()
            .map_err(|_| SetupError::Address(config.from.clone()))?;
        if let Some(user) = &config.user
            && user.contains('@')
            && !user.trim().eq_ignore_ascii_case(account.as_ref())
        {
            return Err(SetupError::SenderIsNotLogin {
                from: config.from.clone(),
                user: user.clone(),
            });
        }
        let port = config.port();
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
                .port(port)
                .timeout(Some(Duration::from_secs(config.timeout_secs)))
                .tls(tls(config)?)
                .pool_config(
                    PoolConfig::new()
                        .max_size(1)
                        .min_idle(0)
                        .idle_timeout(IDLE_TIMEOUT),
                );
        match (&config.user, password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    user.clone(),
                    password.expose().to_string(),
                ));
            }
            (Some(_), None) => {
                return Err(SetupError::Password(
                    "`user` is set but no password was given".into(),
                ));
            }
            (None, _) => {}
        }
        Ok(SmtpTransport {
            inner: builder.build(),
            account,
            host: config.host.clone(),
            port,
            tls: config.tls,
            user: config.user.clone(),
        })
    }

    /// Our address: From of every answer and the only envelope sender allowed.
    pub fn account(&self) -> &Address {
        &self.account
    }

    pub async fn send(
        &mut self,
        envelope_from: &str,
        recipients: &[String],
        bytes: &[u8],
    ) -> Result<(), SendError> {
        let envelope = envelope(&self.account, envelope_from, recipients)?;
        match self.inner.send_raw(&envelope, bytes).await {
            Ok(reply) => {
                tracing::debug!(
                    host = %self.host,
                    reply = %reply.message().collect::<Vec<_>>().join(" "),
                    "sent"
                );
                Ok(())
            }
            Err(error) => Err(SendError::from_smtp(&error)),
        }
    }

    /// Closes the kept connection (QUIT).
    pub async fn shutdown(&self) {
        self.inner.shutdown().await;
    }
}

/// Shows where it sends, never the password.
impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("account", &self.account.to_string())
            .finish_non_exhaustive()
    }
}

/// Certificates are checked against the webpki roots, or only against the
/// configured CA (a private relay's, or the test servers').
fn tls(config: &SmtpConfig) -> Result<Tls, SetupError> {
    if config.tls == TlsMode::None {
        return Ok(Tls::None);
    }
    let mut builder = TlsParameters::builder(config.host.clone());
    builder = match &config.ca_file {
        Some(path) => {
            let ca_error = |reason: String| SetupError::CaFile {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
            let certificate = Certificate::from_pem(&pem).map_err(|e| ca_error(e.to_string()))?;
            builder
                .certificate_store(CertificateStore::None)
                .add_root_certificate(certificate)
        }
        None => builder.certificate_store(CertificateStore::WebpkiRoots),
    };
    let parameters = builder
        .build_rustls()
        .map_err(|e| SetupError::Tls(e.to_string()))?;
    Ok(match config.tls {
        TlsMode::Implicit => Tls::Wrapper(parameters),
        // Required, not opportunistic: never log in over plain text.
        TlsMode::Starttls | TlsMode::None => Tls::Required(parameters),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(port: u16) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls: TlsMode::None,
            user: None,
            password_env: None,
            password_file: None,
            ca_file: None,
            from: "apply@example.test".into(),
            timeout_secs: 5,
        }
    }

    #[tokio::test]
    async fn nobody_listening_is_a_network_error() {
        // Bind then drop: the port is free and refuses connections.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        let mut transport = SmtpTransport::new(&config(port), None).expect("builds");
        let refused = transport
            .send(
                "apply@example.test",
                &["a@b.test".to_string()],
                b"Subject: x\r\n\r\nx\r\n",
            )
            .await;
        assert!(
            matches!(refused, Err(SendError::Network { .. })),
            "{refused:?}"
        );
        assert!(refused.is_err_and(|e| e.is_retryable()));
    }

    #[tokio::test]
    async fn debug_shows_no_password() {
        let with_login = SmtpConfig {
            user: Some("apply@example.test".into()),
            ..config(25)
        };
        let transport =
            SmtpTransport::new(&with_login, Some(Password::new("s3cr3t"))).expect("builds");
        let shown = format!("{transport:?}");
        assert!(shown.contains("apply@example.test"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn login_without_password_is_refused() {
        let with_login = SmtpConfig {
            user: Some("apply@example.test".into()),
            ..config(25)
        };
        assert!(matches!(
            SmtpTransport::new(&with_login, None),
            Err(SetupError::Password(_))
        ));
    }

    #[test]
    fn unreadable_ca_file_is_refused() {
        let with_ca = SmtpConfig {
            tls: TlsMode::Implicit,
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..config(465)
        };
        assert!(matches!(
            SmtpTransport::new(&with_ca, None),
            Err(SetupError::CaFile { .. })
        ));
    }
}
