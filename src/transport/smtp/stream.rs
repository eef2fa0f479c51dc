//! The byte streams under lettre's SMTP client: a stall timeout around the
//! TCP socket, and the adapter that lets an implicit-TLS stream pass for a
//! plain one.
//!
//! lettre's async client applies its timeout to the TCP connect only; a
//! server that stops answering mid-session would hold the sender forever.
//! [`Stalling`] fails any read or write that makes no progress for the
//! configured time, which is what `timeout_secs` promises.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::io::{AsyncRead as FuturesRead, AsyncWrite as FuturesWrite};
#[allow(deprecated)] // the only way to hand lettre a TLS stream it did not open itself
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::AsyncTokioStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// A TCP stream whose reads and writes fail with `TimedOut` after making
/// no progress for `timeout`.
pub(super) struct Stalling {
    tcp: TcpStream,
    timeout: Duration,
    read_timer: Option<Pin<Box<Sleep>>>,
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl Stalling {
    pub(super) fn new(tcp: TcpStream, timeout: Duration) -> Stalling {
        Stalling {
            tcp,
            timeout,
            read_timer: None,
            write_timer: None,
        }
    }
}

/// Passes on a ready result (and forgets the timer); on `Pending`, starts
/// the timer if needed and fails once it fires.
fn or_stalled<T>(
    polled: Poll<io::Result<T>>,
    timer: &mut Option<Pin<Box<Sleep>>>,
    timeout: Duration,
    cx: &mut Context<'_>,
) -> Poll<io::Result<T>> {
    if polled.is_ready() {
        *timer = None;
        return polled;
    }
    let sleep = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
    match sleep.as_mut().poll(cx) {
        Poll::Ready(()) => {
            *timer = None;
            Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer for {} s", timeout.as_secs()),
            )))
        }
        Poll::Pending => Poll::Pending,
    }
}

impl AsyncRead for Stalling {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.tcp).poll_read(cx, buf);
        or_stalled(polled, &mut this.read_timer, this.timeout, cx)
    }
}

impl AsyncWrite for Stalling {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.tcp).poll_write(cx, buf);
        or_stalled(polled, &mut this.write_timer, this.timeout, cx)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.tcp).poll_flush(cx);
        or_stalled(polled, &mut this.write_timer, this.timeout, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.tcp).poll_shutdown(cx);
        or_stalled(polled, &mut this.write_timer, this.timeout, cx)
    }
}

impl AsyncTokioStream for Stalling {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.peer_addr()
    }
}

impl fmt::Debug for Stalling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stalling")
            .field("tcp", &self.tcp)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A stream lettre already wrapped in TLS, shown to it again as a plain
/// stream. Implicit TLS must be up before the server's greeting, but
/// `AsyncSmtpConnection::connect_with_transport` reads the greeting at once
/// and offers no TLS option; lettre's own `upgrade_tls` (same rustls
/// settings, same errors) runs first, on the stream this wraps.
#[allow(deprecated)]
#[derive(Debug)]
pub(super) struct AlreadyEncrypted(pub(super) AsyncNetworkStream);

impl AsyncRead for AlreadyEncrypted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        match Pin::new(&mut self.get_mut().0).poll_read(cx, unfilled) {
            Poll::Ready(Ok(read)) => {
                buf.advance(read);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for AlreadyEncrypted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_close(cx)
    }
}

impl AsyncTokioStream for AlreadyEncrypted {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    async fn connected_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (client, server) = tokio::join!(TcpStream::connect(address), listener.accept());
        (client.expect("connect"), server.expect("accept").0)
    }

    #[tokio::test]
    async fn a_silent_server_times_out_the_read() {
        let (client, _server) = connected_pair().await;
        let mut stream = Stalling::new(client, Duration::from_millis(50));
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte))
            .await
            .expect("the stall timeout fires long before 10 s");
        assert_eq!(
            read.map_err(|e| e.kind()),
            Err(io::ErrorKind::TimedOut),
            "a read with no answer fails as a timeout"
        );
    }

    #[tokio::test]
    async fn an_answering_server_is_read_through() {
        let (client, mut server) = connected_pair().await;
        let mut stream = Stalling::new(client, Duration::from_secs(5));
        server.write_all(b"220 ready\r\n").await.expect("write");
        let mut greeting = [0u8; 11];
        stream.read_exact(&mut greeting).await.expect("read");
        assert_eq!(&greeting, b"220 ready\r\n");
        assert!(stream.read_timer.is_none(), "no timer left after progress");
    }
}
