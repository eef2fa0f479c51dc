//! The SMTP transport without Postfix: settings, errors, and the kept session
//! against a scripted fake server (`fake_server.rs`).

use super::fake_server::FakeServer;
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
    let transport = SmtpTransport::new(&with_login, Some(Password::new("s3cr3t"))).expect("builds");
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

fn verbs(commands: &[(usize, String)], connection: usize) -> Vec<&str> {
    commands
        .iter()
        .filter(|(number, _)| *number == connection)
        .map(|(_, verb)| verb.as_str())
        .collect()
}

async fn send_one(transport: &mut SmtpTransport) {
    transport
        .send(
            "apply@example.test",
            &["a@b.test".to_string()],
            b"Subject: x\r\n\r\nx\r\n",
        )
        .await
        .expect("sent");
}

#[tokio::test]
async fn the_session_is_kept_checked_with_noop_and_quit_at_shutdown() {
    let server = FakeServer::start().await;
    let mut transport = SmtpTransport::new(&config(server.port), None).expect("builds");
    send_one(&mut transport).await;
    send_one(&mut transport).await;
    transport.shutdown().await;
    let commands = server.commands();
    assert_eq!(
        verbs(&commands, 0),
        [
            "EHLO", "MAIL", "RCPT", "DATA", "NOOP", "MAIL", "RCPT", "DATA", "QUIT"
        ],
        "{commands:?}"
    );
    assert!(
        verbs(&commands, 1).is_empty(),
        "one connection: {commands:?}"
    );
}

#[tokio::test]
async fn an_idle_session_is_closed_and_a_new_one_opened() {
    let server = FakeServer::start().await;
    let mut transport = SmtpTransport::new(&config(server.port), None).expect("builds");
    transport.idle_timeout = Duration::ZERO;
    send_one(&mut transport).await;
    send_one(&mut transport).await;
    let commands = server.commands();
    assert_eq!(
        verbs(&commands, 0),
        ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"],
        "{commands:?}"
    );
    assert_eq!(
        verbs(&commands, 1),
        ["EHLO", "MAIL", "RCPT", "DATA"],
        "{commands:?}"
    );
}

#[tokio::test]
async fn a_dropped_transport_still_says_quit() {
    let server = FakeServer::start().await;
    let mut transport = SmtpTransport::new(&config(server.port), None).expect("builds");
    send_one(&mut transport).await;
    drop(transport);
    assert!(server.wait_for(0, "QUIT").await, "{:?}", server.commands());
}

#[tokio::test]
async fn a_server_that_never_greets_is_a_network_error_after_the_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    // Accepts, then stays silent: lettre alone would wait for the greeting forever.
    let _silent = tokio::spawn(async move {
        let accepted = listener.accept().await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(accepted);
    });
    let mut transport = SmtpTransport::new(
        &SmtpConfig {
            timeout_secs: 1,
            ..config(port)
        },
        None,
    )
    .expect("builds");
    let sent = tokio::time::timeout(
        Duration::from_secs(10),
        transport.send(
            "apply@example.test",
            &["a@b.test".to_string()],
            b"Subject: x\r\n\r\nx\r\n",
        ),
    )
    .await
    .expect("gives up after timeout_secs, long before 10 s");
    assert!(matches!(sent, Err(SendError::Network { .. })), "{sent:?}");
}
