//! Connecting the IMAP source to the real loopback Dovecot: TLS both ways verified against the
//! test CA (and refused with any other), ID after every login and reconnection, and the
//! failures the daemon must tell apart (password refused, password unavailable).

mod support;

use std::time::{Duration, Instant};

use shenbao::mailbox::{ImapConfig, ImapSource, MailboxErrorKind, MessageKey, TlsMode};
use support::imap_source::{config, password_file};
use support::mail_servers::MailServers;

/// ID is sent after every login, the reconnection after a server-side disconnect included.
#[tokio::test]
async fn id_is_sent_after_every_login() {
    let Some(servers) = MailServers::from_env("id_is_sent_after_every_login") else {
        return;
    };
    // A user of its own: `doveadm kick` ends every session of the user, other tests' included.
    let user = "reconnect@example.test";
    servers.ensure_user(user).await;
    let id_lines = || {
        let log = servers.dovecot_log();
        log.lines()
            .filter(|line| {
                line.contains(&format!("imap({user})")) && line.contains("ID sent: name=shenbao")
            })
            .count()
    };
    let before = id_lines();
    let mut source = ImapSource::new(&config(&servers, user, "INBOX")).unwrap();
    source
        .fetch_new(MessageKey::START)
        .await
        .expect("first fetch");
    assert_eq!(id_lines(), before + 1, "ID after the first login");

    servers.kick(user).await;
    let error = source
        .fetch_new(MessageKey::START)
        .await
        .expect_err("the kicked session fails");
    assert_eq!(error.kind, MailboxErrorKind::Network, "{error}");
    let started = Instant::now();
    source
        .fetch_new(MessageKey::START)
        .await
        .expect("reconnects after a short back-off");
    eprintln!(
        "TIMING reconnect after a network error (back-off + login): {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(source.logins(), 2);
    assert_eq!(id_lines(), before + 2, "ID after the reconnection too");
    assert!(
        servers
            .dovecot_log()
            .contains("ID sent: name=shenbao, version="),
        "ID carries name and version"
    );
}

/// STARTTLS on the plain port and implicit TLS by IP address both verify the test CA.
#[tokio::test]
async fn starttls_and_implicit_tls_verify_the_test_ca() {
    let Some(servers) = MailServers::from_env("starttls_and_implicit_tls_verify_the_test_ca")
    else {
        return;
    };
    let starttls = ImapConfig {
        tls: TlsMode::Starttls,
        port: Some(servers.port("IMAP_PORT")),
        ..config(&servers, "society1@example.test", "INBOX")
    };
    let started = Instant::now();
    ImapSource::new(&starttls)
        .unwrap()
        .status()
        .await
        .expect("STARTTLS with the test CA");
    eprintln!(
        "TIMING STARTTLS connect+LOGIN+ID+SELECT: {:?}",
        started.elapsed()
    );
    let by_address = ImapConfig {
        host: "127.0.0.1".into(),
        ..config(&servers, "society1@example.test", "INBOX")
    };
    ImapSource::new(&by_address)
        .unwrap()
        .status()
        .await
        .expect("implicit TLS to 127.0.0.1 (IP SAN)");
}

/// A certificate from another CA, or the web PKI roots, is refused as a TLS error, both ways.
#[tokio::test]
async fn a_wrong_ca_is_refused() {
    let Some(servers) = MailServers::from_env("a_wrong_ca_is_refused") else {
        return;
    };
    let base = config(&servers, "society1@example.test", "INBOX");
    let cases = [
        (
            "implicit, other CA",
            ImapConfig {
                ca_file: Some(servers.other_ca_file()),
                ..base.clone()
            },
        ),
        (
            "starttls, other CA",
            ImapConfig {
                tls: TlsMode::Starttls,
                port: Some(servers.port("IMAP_PORT")),
                ca_file: Some(servers.other_ca_file()),
                ..base.clone()
            },
        ),
        (
            "implicit, web PKI roots",
            ImapConfig {
                ca_file: None,
                ..base.clone()
            },
        ),
    ];
    for (case, config) in cases {
        let error = ImapSource::new(&config)
            .unwrap()
            .status()
            .await
            .expect_err(case);
        assert_eq!(error.kind, MailboxErrorKind::Tls, "{case}: {error}");
    }
}

/// A refused password is an Authentication error, and the next attempt waits minutes.
#[tokio::test]
async fn a_wrong_password_is_an_authentication_failure_backed_off_long() {
    let Some(servers) = MailServers::from_env("a_wrong_password_is_an_authentication_failure")
    else {
        return;
    };
    let wrong = ImapConfig {
        password_file: Some(password_file(&servers, "not-the-password")),
        ..config(&servers, "society1@example.test", "INBOX")
    };
    let mut source = ImapSource::new(&wrong).unwrap();
    let error = source.status().await.expect_err("wrong password");
    assert_eq!(error.kind, MailboxErrorKind::Authentication, "{error}");
    assert!(error.is_authentication());
    let retry_at = source.retry_not_before().expect("a back-off is set");
    assert!(
        retry_at >= tokio::time::Instant::now() + Duration::from_secs(4 * 60),
        "back-off under 4 min"
    );
    let second = tokio::time::timeout(Duration::from_secs(2), source.status()).await;
    assert!(
        second.is_err(),
        "the second attempt must wait, not log in again at once"
    );
}

/// An unset password variable is a Credentials error, found before connecting.
#[tokio::test]
async fn an_unset_password_variable_is_a_credentials_error() {
    let Some(servers) = MailServers::from_env("an_unset_password_variable_is_a_credentials_error")
    else {
        return;
    };
    let unset = ImapConfig {
        password_env: Some("SHENBAO_TEST_PASSWORD_THAT_IS_NOT_SET".into()),
        password_file: None,
        ..config(&servers, "society1@example.test", "INBOX")
    };
    let error = ImapSource::new(&unset)
        .unwrap()
        .status()
        .await
        .expect_err("no password");
    assert_eq!(error.kind, MailboxErrorKind::Credentials, "{error}");
}
