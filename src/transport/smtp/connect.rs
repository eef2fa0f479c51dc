//! Opening one SMTP session: our own TCP socket with TCP_NODELAY, then
//! lettre's client for TLS, EHLO and AUTH.
//!
//! We open the socket because lettre's `AsyncSmtpTransport` opens its own
//! and leaves Nagle's algorithm on. lettre writes the message body and the
//! final `\r\n.\r\n` as two writes before reading the reply; with Nagle on,
//! the second small write waits for the ACK of the first, which the server
//! delays by ~40 ms. That capped sending at ~22 answers/s on loopback.

use std::fmt;
use std::io;
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
#[allow(deprecated)] // the only way to run lettre's own TLS upgrade on our socket
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

use super::stream::{AlreadyEncrypted, Stalling};
use crate::transport::SendError;

/// When TLS starts, with lettre's rustls settings (roots or our CA).
#[derive(Clone)]
pub(super) enum Encryption {
    /// Only for loopback relays and tests.
    Plain,
    /// TLS from the first byte (465).
    Implicit(TlsParameters),
    /// STARTTLS, required: never log in over plain text.
    Starttls(TlsParameters),
}

/// Where and how to open a session. Holds the password: no `Debug` shows it.
pub(super) struct Server {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) timeout: Duration,
    pub(super) encryption: Encryption,
    pub(super) credentials: Option<Credentials>,
    pub(super) hello_name: ClientId,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .field("login", &self.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A session ready for MAIL FROM: connected, encrypted as configured,
    /// greeted, logged in. Errors are sorted as the outbox needs them.
    pub(super) async fn open_session(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = open_tcp(&self.host, self.port, self.timeout)
            .await
            .map_err(|error| SendError::Network {
                detail: format!("connecting to {}:{}: {error}", self.host, self.port),
            })?;
        let stream = Stalling::new(tcp, self.timeout);
        let mut session = self
            .greet(stream)
            .await
            .map_err(|error| SendError::from_smtp(&error))?;
        if let Some(credentials) = &self.credentials
            && let Err(error) = session.auth(DEFAULT_MECHANISMS, credentials).await
        {
            session.abort().await;
            return Err(SendError::from_smtp(&error));
        }
        Ok(session)
    }

    /// TLS as configured, the server's greeting and EHLO (again after STARTTLS).
    async fn greet(
        &self,
        stream: Stalling,
    ) -> Result<AsyncSmtpConnection, lettre::transport::smtp::Error> {
        match &self.encryption {
            Encryption::Plain => {
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello_name)
                    .await
            }
            Encryption::Implicit(parameters) => {
                #[allow(deprecated)]
                let mut tls = AsyncNetworkStream::use_existing_tokio1(Box::new(stream));
                tls.upgrade_tls(parameters.clone()).await?;
                AsyncSmtpConnection::connect_with_transport(
                    Box::new(AlreadyEncrypted(tls)),
                    &self.hello_name,
                )
                .await
            }
            Encryption::Starttls(parameters) => {
                let mut session =
                    AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello_name)
                        .await?;
                session
                    .starttls(parameters.clone(), &self.hello_name)
                    .await?;
                Ok(session)
            }
        }
    }
}

/// Connects to the first address of `host` that answers within `timeout`
/// (as lettre did), with TCP_NODELAY set.
pub(super) async fn open_tcp(host: &str, port: u16, timeout: Duration) -> io::Result<TcpStream> {
    let addresses = tokio::time::timeout(timeout, tokio::net::lookup_host((host, port)))
        .await
        .map_err(|_| timed_out("name lookup"))??;
    let mut last_error = None;
    for address in addresses {
        match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
            Ok(Ok(tcp)) => {
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Ok(Err(error)) => last_error = Some(error),
            Err(_) => last_error = Some(timed_out("connection")),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the name has no address")))
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("{what} timed out"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_socket_has_nodelay_set() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let tcp = open_tcp("127.0.0.1", port, Duration::from_secs(5))
            .await
            .expect("connects");
        assert!(
            tcp.nodelay().expect("reads TCP_NODELAY"),
            "Nagle left on: every message would wait ~40 ms for a delayed ACK"
        );
    }

    #[tokio::test]
    async fn each_address_of_a_name_is_tried() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        // `localhost` may resolve to ::1 first, where nobody listens on this port.
        let tcp = open_tcp("localhost", port, Duration::from_secs(5))
            .await
            .expect("connects through the name's addresses");
        assert!(tcp.nodelay().expect("reads TCP_NODELAY"));
    }

    #[tokio::test]
    async fn refused_connection_is_an_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        let refused = open_tcp("127.0.0.1", port, Duration::from_secs(5)).await;
        assert_eq!(
            refused.map(|_| ()).map_err(|e| e.kind()),
            Err(io::ErrorKind::ConnectionRefused)
        );
    }
}
