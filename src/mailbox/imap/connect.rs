//! Before a session exists: TCP, TLS (implicit or STARTTLS), LOGIN, then ID.
//!
//! There is no plaintext mode and no accept-any-certificate switch: the server's certificate
//! is verified against the bundled web PKI roots, or against the configured CA file only.
//!
//! ID (RFC 2971) is sent after every login, reconnections included: mail.163.com answers
//! `SELECT` with `NO SELECT Unsafe Login. Please contact kefu@188.com for help` to clients that
//! did not identify themselves (see OfflineIMAP/offlineimap3#71 and
//! Delta Chat's `identify_server`). Dovecot logs the ID (`imap_id_log`), which the tests check.

use std::path::Path;
use std::sync::Arc;

use async_imap::imap_proto::{Response, Status};
use tokio::io::BufReader;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::mailbox::config::{ImapConfig, TlsMode};
use crate::mailbox::{MailboxError, MailboxErrorKind};

pub type ImapStream = tokio_rustls::client::TlsStream<BufReader<TcpStream>>;
pub type ImapSession = async_imap::Session<ImapStream>;

/// rustls reads the socket 4 KiB at a time: ~85,000 `recvfrom` calls for 10,000 mails of
/// 30 KB. Under TLS this buffer takes the socket's bytes in reads of up to 256 KiB.
const SOCKET_READ_BUFFER: usize = 256 * 1024;

/// What the client tells the server in ID.
const CLIENT_ID: [(&str, &str); 3] = [
    ("name", "shenbao"),
    ("version", env!("CARGO_PKG_VERSION")),
    ("vendor", "shenbao"),
];

/// The TLS client settings: ring provider, TLS 1.2+, roots from `ca_file` or the web PKI.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, MailboxError> {
    let roots = match ca_file {
        Some(path) => roots_from_pem_file(path)?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| MailboxError::with_source(MailboxErrorKind::Tls, "TLS set-up", error))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn roots_from_pem_file(path: &Path) -> Result<RootCertStore, MailboxError> {
    let tls_error = |message: String| MailboxError::new(MailboxErrorKind::Tls, message);
    let pem = std::fs::read(path).map_err(|error| {
        MailboxError::with_source(
            MailboxErrorKind::Tls,
            format!("cannot read CA file {}", path.display()),
            error,
        )
    })?;
    let mut roots = RootCertStore::empty();
    for certificate in rustls_pemfile::certs(&mut pem.as_slice()) {
        let certificate = certificate
            .map_err(|error| tls_error(format!("CA file {}: {error}", path.display())))?;
        roots
            .add(certificate)
            .map_err(|error| tls_error(format!("CA file {}: {error}", path.display())))?;
    }
    if roots.is_empty() {
        return Err(tls_error(format!(
            "CA file {} holds no certificate",
            path.display()
        )));
    }
    Ok(roots)
}

/// The password, read now from the configured variable or file (so it can be rotated).
pub fn read_password(config: &ImapConfig) -> Result<String, MailboxError> {
    crate::config::read_secret(
        config.password_env.as_deref(),
        config.password_file.as_deref(),
    )
    .map(|secret| secret.expose().to_string())
    .map_err(|message| MailboxError::new(MailboxErrorKind::Credentials, message))
}

/// A logged-in session that has sent ID. Does not select.
pub async fn connect_and_login(
    config: &ImapConfig,
    tls: Arc<ClientConfig>,
) -> Result<ImapSession, MailboxError> {
    let password = read_password(config)?;
    let client = open_tls_client(config, tls).await?;
    let mut session = client
        .login(&config.user, &password)
        .await
        .map_err(|(error, _client)| login_error(&config.user, &config.host, error))?;
    identify(&mut session, &config.host).await?;
    Ok(session)
}

async fn open_tls_client(
    config: &ImapConfig,
    tls: Arc<ClientConfig>,
) -> Result<async_imap::Client<ImapStream>, MailboxError> {
    let host = config.host.as_str();
    let port = config.effective_port();
    let server_name = ServerName::try_from(host.to_string()).map_err(|error| {
        MailboxError::with_source(
            MailboxErrorKind::Tls,
            format!("{host} is not a valid TLS name"),
            error,
        )
    })?;
    let tcp = TcpStream::connect((host, port)).await.map_err(|error| {
        MailboxError::with_source(
            MailboxErrorKind::Network,
            format!("cannot connect to {host}:{port}"),
            error,
        )
    })?;
    // Without it a 30 KB message over TLS stalls ~40 ms per round trip (Nagle + delayed ACK).
    tcp.set_nodelay(true).map_err(|error| {
        MailboxError::with_source(MailboxErrorKind::Network, "set TCP_NODELAY", error)
    })?;
    let connector = TlsConnector::from(tls);
    match config.tls {
        TlsMode::Implicit => {
            let stream = connector
                .connect(
                    server_name,
                    BufReader::with_capacity(SOCKET_READ_BUFFER, tcp),
                )
                .await
                .map_err(|error| handshake_error(host, error))?;
            let mut client = async_imap::Client::new(stream);
            expect_greeting(&mut client, host).await?;
            Ok(client)
        }
        TlsMode::Starttls => {
            let mut plain = async_imap::Client::new(tcp);
            expect_greeting(&mut plain, host).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|error| {
                    MailboxError::with_source(
                        MailboxErrorKind::Tls,
                        format!("{host} refused STARTTLS"),
                        error,
                    )
                })?;
            // Whatever the server sent after its OK is dropped with the plain client's buffer
            // (a STARTTLS injection cannot reach the TLS session): the read buffer under TLS
            // starts empty.
            let tcp = plain.into_inner();
            let stream = connector
                .connect(
                    server_name,
                    BufReader::with_capacity(SOCKET_READ_BUFFER, tcp),
                )
                .await
                .map_err(|error| handshake_error(host, error))?;
            Ok(async_imap::Client::new(stream))
        }
    }
}

async fn expect_greeting<T>(
    client: &mut async_imap::Client<T>,
    host: &str,
) -> Result<(), MailboxError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let greeting = client.read_response().await.map_err(|error| {
        MailboxError::with_source(
            MailboxErrorKind::Network,
            format!("no greeting from {host}"),
            error,
        )
    })?;
    let Some(greeting) = greeting else {
        return Err(MailboxError::new(
            MailboxErrorKind::Network,
            format!("{host} closed before greeting"),
        ));
    };
    match greeting.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        other => Err(MailboxError::new(
            MailboxErrorKind::Server,
            format!("{host} greeted with {other:?}"),
        )),
    }
}

/// Sends ID; a server without ID answering BAD is not an error (only 163 insists on it).
async fn identify(session: &mut ImapSession, host: &str) -> Result<(), MailboxError> {
    match session
        .id(CLIENT_ID.iter().map(|(key, value)| (*key, Some(*value))))
        .await
    {
        Ok(_server_id) => Ok(()),
        Err(async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text)) => {
            tracing::debug!(host, response = %text, "server refused ID");
            Ok(())
        }
        Err(error) => Err(super::session::imap_error(format!("ID to {host}"), error)),
    }
}

/// NO to LOGIN is a refused password, except `[UNAVAILABLE]` (RFC 5530: try again later).
fn login_error(user: &str, host: &str, error: async_imap::error::Error) -> MailboxError {
    use async_imap::error::Error;
    let context = format!("LOGIN {user} at {host}");
    match &error {
        Error::No(text) | Error::Bad(text) if text.to_ascii_lowercase().contains("unavailable") => {
            MailboxError::with_source(MailboxErrorKind::Server, context, error)
        }
        Error::No(_) | Error::Bad(_) => {
            MailboxError::with_source(MailboxErrorKind::Authentication, context, error)
        }
        _ => super::session::imap_error(context, error),
    }
}

/// A certificate problem is a TLS error (needs the admin); a reset mid-handshake is network.
fn handshake_error(host: &str, error: std::io::Error) -> MailboxError {
    let is_tls = error
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>());
    let kind = if is_tls {
        MailboxErrorKind::Tls
    } else {
        MailboxErrorKind::Network
    };
    MailboxError::with_source(kind, format!("TLS handshake with {host}"), error)
}
