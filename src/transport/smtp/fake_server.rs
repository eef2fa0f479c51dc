//! A scripted SMTP server on loopback for the kept-session tests: it accepts
//! every command and records, per connection, the commands it received.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

type CommandLog = Arc<Mutex<Vec<(usize, String)>>>;

pub(super) struct FakeServer {
    pub(super) port: u16,
    log: CommandLog,
}

impl FakeServer {
    pub(super) async fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let log = CommandLog::default();
        let server_log = Arc::clone(&log);
        tokio::spawn(async move {
            for connection in 0.. {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(connection, tcp, Arc::clone(&server_log)));
            }
        });
        FakeServer { port, log }
    }

    /// The commands received so far, as (connection number from 0, verb).
    pub(super) fn commands(&self) -> Vec<(usize, String)> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Waits up to 5 s for a command to arrive on a connection.
    pub(super) async fn wait_for(&self, connection: usize, verb: &str) -> bool {
        for _ in 0..100 {
            if self
                .commands()
                .iter()
                .any(|(number, seen)| *number == connection && seen == verb)
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }
}

async fn serve(connection: usize, tcp: TcpStream, log: CommandLog) {
    let (read, mut write) = tcp.into_split();
    let mut reader = BufReader::new(read);
    if write.write_all(b"220 fake ESMTP\r\n").await.is_err() {
        return;
    }
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let verb = String::from_utf8_lossy(&line)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if let Ok(mut log) = log.lock() {
            log.push((connection, verb.clone()));
        }
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-fake\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "DATA" => {
                if write.write_all(b"354 go on\r\n").await.is_err()
                    || !read_message(&mut reader).await
                {
                    return;
                }
                b"250 2.0.0 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 2.0.0 ok\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// Reads the message up to its final `.` line; false when the client went away first.
async fn read_message(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> bool {
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return false,
            Ok(_) if line == b".\r\n" => return true,
            Ok(_) => {}
        }
    }
}
