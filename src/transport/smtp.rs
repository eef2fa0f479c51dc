//! Sending over SMTP with lettre: implicit TLS (465), STARTTLS (587), or plain
//! (loopback tests), logged in as the account the answers come from.
//!
//! One session is kept open and reused: 163 counts connections as well as
//! messages (`421 HL:ICC`), and the outbox sends one message at a time
//! anyway. Before each reuse a NOOP checks the session still answers; one
//! idle longer than `IDLE_TIMEOUT`, broken, or refused mid-transaction is
//! closed and a new one opened.
//!
//! We open the TCP socket ourselves (`connect.rs`), with TCP_NODELAY set.
//! lettre's `AsyncSmtpTransport` opens its own and leaves Nagle's algorithm
//! on, and that costs a lot: lettre writes each message's body and its final
//! `.` separately before waiting for the reply, so the second write waited
//! for the server's delayed ACK, ~40 ms per message (~22 answers/s on
//! loopback, whatever the CPU). `scripts/bench-smtp.sh` measures the rate.
//! The SMTP dialogue itself (TLS, EHLO, AUTH, MAIL/RCPT/DATA, their errors)
//! is still lettre's `AsyncSmtpConnection`, so `SendError::from_smtp` sorts
//! the same lettre errors as before. `timeout_secs` bounds the connect and
//! every read or write that stalls (`stream.rs`); lettre's own transport
//! applied it to the connect only.

mod connect;
mod stream;

use std::fmt;
use std::time::{Duration, Instant};

use lettre::Address;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use tokio::sync::Mutex;

use self::connect::{Encryption, Server};
use super::config::{Password, SetupError, SmtpConfig, TlsMode};
use super::{SendError, envelope};

/// Idle time after which the kept session is closed (163 drops idle ones itself).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a closing session may wait for the server's reply to QUIT:
/// a courtesy, never worth holding the sender for.
const QUIT_WAIT: Duration = Duration::from_secs(2);

pub struct SmtpTransport {
    /// Boxed, as the kept session: `Transport` holds this beside a small variant.
    server: Box<Server>,
    /// Locked only by `shutdown(&self)`; `send(&mut self)` reaches it directly.
    kept: Mutex<Option<Box<KeptSession>>>,
    idle_timeout: Duration,
    account: Address,
    tls: TlsMode,
    user: Option<String>,
}

/// The open session between two messages.
struct KeptSession {
    session: AsyncSmtpConnection,
    idle_since: Instant,
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
        let credentials = match (&config.user, password) {
            (Some(user), Some(password)) => Some(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            )),
            (Some(_), None) => {
                return Err(SetupError::Password(
                    "`user` is set but no password was given".into(),
                ));
            }
            (None, _) => None,
        };
        let server = Box::new(Server {
            host: config.host.clone(),
            port: config.port(),
            timeout: Duration::from_secs(config.timeout_secs),
            encryption: encryption(config)?,
            credentials,
            hello_name: ClientId::default(),
        });
        Ok(SmtpTransport {
            server,
            kept: Mutex::new(None),
            idle_timeout: IDLE_TIMEOUT,
            account,
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
        let mut session = self.session().await?;
        let sent = session.send(&envelope, bytes).await;
        // lettre sends QUIT and marks the session broken after any refused
        // command; a refusal before the first command leaves it usable.
        if !session.has_broken() {
            *self.kept.get_mut() = Some(Box::new(KeptSession {
                session,
                idle_since: Instant::now(),
            }));
        }
        match sent {
            Ok(reply) => {
                tracing::debug!(
                    host = %self.server.host,
                    reply = %reply.message().collect::<Vec<_>>().join(" "),
                    "sent"
                );
                Ok(())
            }
            Err(error) => Err(SendError::from_smtp(&error)),
        }
    }

    /// Closes the kept session (QUIT).
    pub async fn shutdown(&self) {
        if let Some(kept) = self.kept.lock().await.take() {
            close(kept.session).await;
        }
    }

    /// The kept session if it still answers, else a new one.
    async fn session(&mut self) -> Result<AsyncSmtpConnection, SendError> {
        if let Some(kept) = self.kept.get_mut().take() {
            let mut session = kept.session;
            if kept.idle_since.elapsed() > self.idle_timeout {
                tracing::debug!(host = %self.server.host, "closing the idle SMTP session");
                close(session).await;
            } else if session.test_connected().await {
                return Ok(session);
            } else {
                tracing::debug!(host = %self.server.host, "kept SMTP session no longer answers");
                close(session).await;
            }
        }
        self.server.open_session().await
    }
}

/// QUIT, then the socket is closed; waits at most [`QUIT_WAIT`].
async fn close(mut session: AsyncSmtpConnection) {
    let _ = tokio::time::timeout(QUIT_WAIT, session.abort()).await;
}

/// A transport dropped without `shutdown` still says QUIT, when a runtime is there to run it.
impl Drop for SmtpTransport {
    fn drop(&mut self) {
        if let Some(kept) = self.kept.get_mut().take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(close(kept.session));
        }
    }
}

/// Shows where it sends, never the password.
impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("host", &self.server.host)
            .field("port", &self.server.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("account", &self.account.to_string())
            .finish_non_exhaustive()
    }
}

/// Certificates are checked against the webpki roots, or only against the
/// configured CA (a private relay's, or the test servers').
fn encryption(config: &SmtpConfig) -> Result<Encryption, SetupError> {
    if config.tls == TlsMode::None {
        return Ok(Encryption::Plain);
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
        TlsMode::Implicit => Encryption::Implicit(parameters),
        TlsMode::Starttls | TlsMode::None => Encryption::Starttls(parameters),
    })
}

#[cfg(test)]
mod fake_server;
#[cfg(test)]
mod tests;
