//! The SMTP transport against the real Postfix of `scripts/mail-servers/start.sh`:
//! plain SMTP, implicit TLS and STARTTLS with AUTH, delivery checked in the
//! Maildir it lands in, and the errors that tell the outbox what to do.
//!
//! Needs `MAIL_TEST_ROOT` (the ROOT that start.sh printed). Without it the
//! tests skip loudly, unless `CI` is set, where they fail. Ports come from
//! `$MAIL_TEST_ROOT/servers.env` when present (defaults 2525, 2465, 2587).
//! Mail goes to an address outside example.test, which the test Postfix
//! delivers to sink@example.test, so other tests' mailboxes stay untouched.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use shenbao::notice::{AutoSubmitted, Notice, Outgoing, compose};
use shenbao::transport::{
    Password, SendError, SetupError, SmtpConfig, SmtpTransport, TlsMode, Transport, TransportConfig,
};

const ACCOUNT: &str = "apply@example.test";
/// Outside example.test: the test Postfix hands it to sink@example.test.
const APPLICANT: &str = "secretary@society.example";

struct Servers {
    root: PathBuf,
    smtp_port: u16,
    smtps_port: u16,
    submission_port: u16,
    password: String,
}

/// The running servers, or `None` (after saying so loudly) when not configured outside CI.
fn servers(test: &str) -> Option<Servers> {
    let Some(root) = std::env::var_os("MAIL_TEST_ROOT").map(PathBuf::from) else {
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        if in_ci {
            panic!(
                "{test}: MAIL_TEST_ROOT is not set, and CI is: start scripts/mail-servers/start.sh"
            );
        }
        // Written to the stderr handle, not with eprintln!: the test harness
        // swallows eprintln! output of passing tests, and a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n!!! SKIPPED {test}: MAIL_TEST_ROOT is not set. Run \
             `export MAIL_TEST_ROOT=$(scripts/mail-servers/start.sh)` to test against Postfix. !!!\n"
        );
        return None;
    };
    let settings = std::fs::read_to_string(root.join("servers.env")).unwrap_or_default();
    let setting = |key: &str| {
        settings.lines().find_map(|line| {
            let (name, value) = line.split_once('=')?;
            (name.trim() == key).then(|| value.trim().to_string())
        })
    };
    let port = |key: &str, default: u16| {
        setting(key)
            .and_then(|value| value.parse().ok())
            .unwrap_or(default)
    };
    Some(Servers {
        smtp_port: port("SMTP_PORT", 2525),
        smtps_port: port("SMTPS_PORT", 2465),
        submission_port: port("SUBM_PORT", 2587),
        password: setting("PASSWORD").unwrap_or_else(|| "secret".to_string()),
        root,
    })
}

impl Servers {
    fn config(&self, port: u16, tls: TlsMode, user: Option<&str>) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls,
            user: user.map(str::to_string),
            password_env: None,
            password_file: None,
            ca_file: Some(self.root.join("tls/ca.pem")),
            from: ACCOUNT.into(),
            timeout_secs: 20,
        }
    }

    fn logged_in(&self, port: u16, tls: TlsMode) -> SmtpTransport {
        SmtpTransport::new(
            &self.config(port, tls, Some(ACCOUNT)),
            Some(Password::new(self.password.clone())),
        )
        .expect("transport builds")
    }

    fn sink_maildir(&self) -> PathBuf {
        self.root.join("mail/example.test/sink/Maildir")
    }
}

/// A composed answer whose Message-ID is unique to this run and test.
fn answer(tag: &str) -> (String, Vec<u8>) {
    let nanos = Timestamp::now().as_nanosecond();
    let message_id = format!("{tag}.{nanos}@shenbao.test");
    let notice = Notice {
        subject: format!("【已受理】CZKX2020-0007 常州市营养学会 测试 {tag}"),
        text: "您好！贵单位的申报材料已收到。校验码：7F3A-9C21".into(),
        html: "<p>您好！贵单位的申报材料已收到。校验码：7F3A-9C21</p>".into(),
    };
    let outgoing = Outgoing {
        from: ACCOUNT.into(),
        from_name: Some("常州市科协学会部".into()),
        to: APPLICANT.into(),
        message_id: message_id.clone(),
        date: Timestamp::now(),
        in_reply_to: Some("original@society.example".into()),
        references: vec!["original@society.example".into()],
        auto_submitted: AutoSubmitted::AutoReplied,
        attachments: vec![],
    };
    (message_id, compose(&notice, &outgoing).expect("compose"))
}

/// Waits (Postfix queues, then hands over by LMTP) for the message with `message_id`.
fn delivered(maildir: &Path, message_id: &str) -> Option<Vec<u8>> {
    let needle = format!("<{message_id}>");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        for folder in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(maildir.join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                if String::from_utf8_lossy(&bytes).contains(&needle) {
                    return Some(bytes);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

fn assert_arrived_intact(servers: &Servers, message_id: &str) {
    let bytes = delivered(&servers.sink_maildir(), message_id)
        .unwrap_or_else(|| panic!("{message_id} never reached sink@example.test"));
    let parsed = mail_parser::MessageParser::default()
        .parse(&bytes)
        .expect("delivered message parses");
    let subject = parsed.subject().unwrap_or_default();
    assert!(subject.contains("常州市营养学会"), "{subject}");
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-replied")
    );
    let return_path = parsed.return_address().unwrap_or_default();
    assert_eq!(return_path, ACCOUNT, "the envelope sender is our account");
}

/// Plain SMTP on loopback, no login: the message arrives whole.
#[tokio::test]
async fn plain_smtp_delivers() {
    let Some(servers) = servers("plain_smtp_delivers") else {
        return;
    };
    let mut transport = Transport::Smtp(
        SmtpTransport::new(
            &servers.config(servers.smtp_port, TlsMode::None, None),
            None,
        )
        .expect("transport builds"),
    );
    let (message_id, bytes) = answer("plain");
    transport
        .send(ACCOUNT, &[APPLICANT.to_string()], &bytes)
        .await
        .expect("sent");
    transport.shutdown().await;
    assert_arrived_intact(&servers, &message_id);
}

/// SMTPS (implicit TLS, as 163 on 465) with AUTH, the certificate checked
/// against the test CA; two messages over the one kept connection.
#[tokio::test]
async fn implicit_tls_with_login_delivers() {
    let Some(servers) = servers("implicit_tls_with_login_delivers") else {
        return;
    };
    let mut transport = servers.logged_in(servers.smtps_port, TlsMode::Implicit);
    let (first_id, first) = answer("smtps-1");
    let (second_id, second) = answer("smtps-2");
    for bytes in [&first, &second] {
        transport
            .send(ACCOUNT, &[APPLICANT.to_string()], bytes)
            .await
            .expect("sent");
    }
    transport.shutdown().await;
    assert_arrived_intact(&servers, &first_id);
    assert_arrived_intact(&servers, &second_id);
}

/// Submission with required STARTTLS and AUTH, built from settings with a password file.
#[tokio::test]
async fn starttls_with_login_delivers() {
    let Some(servers) = servers("starttls_with_login_delivers") else {
        return;
    };
    let secrets = tempfile::tempdir().expect("temp dir");
    let password_file = secrets.path().join("password");
    std::fs::write(&password_file, format!("{}\n", servers.password)).expect("write");
    let config = SmtpConfig {
        password_file: Some(password_file),
        ..servers.config(servers.submission_port, TlsMode::Starttls, Some(ACCOUNT))
    };
    let mut transport =
        Transport::from_config(&TransportConfig::Smtp(config)).expect("transport builds");
    let (message_id, bytes) = answer("starttls");
    transport
        .send(ACCOUNT, &[APPLICANT.to_string()], &bytes)
        .await
        .expect("sent");
    transport.shutdown().await;
    assert_arrived_intact(&servers, &message_id);
}

/// A refused login (535) stops the outbox: a settings problem, not this message's.
#[tokio::test]
async fn wrong_password_is_a_setup_error() {
    let Some(servers) = servers("wrong_password_is_a_setup_error") else {
        return;
    };
    let mut transport = SmtpTransport::new(
        &servers.config(servers.smtps_port, TlsMode::Implicit, Some(ACCOUNT)),
        Some(Password::new("not-the-password")),
    )
    .expect("transport builds");
    let (_, bytes) = answer("wrong-password");
    let refused = transport
        .send(ACCOUNT, &[APPLICANT.to_string()], &bytes)
        .await;
    assert!(
        matches!(refused, Err(SendError::Setup { .. })),
        "{refused:?}"
    );
}

/// A server certificate from a CA we do not trust is refused, and reported as settings.
#[tokio::test]
async fn untrusted_certificate_is_a_setup_error() {
    let Some(servers) = servers("untrusted_certificate_is_a_setup_error") else {
        return;
    };
    let other_ca = servers.root.join("tls/other-ca.pem");
    let webpki_only = SmtpConfig {
        ca_file: None,
        ..servers.config(servers.smtps_port, TlsMode::Implicit, Some(ACCOUNT))
    };
    let wrong_ca = SmtpConfig {
        ca_file: Some(other_ca.clone()),
        ..webpki_only.clone()
    };
    let mut configs = vec![("webpki roots", webpki_only)];
    if other_ca.exists() {
        configs.push(("another CA", wrong_ca));
    }
    for (trust, config) in configs {
        let mut transport =
            SmtpTransport::new(&config, Some(Password::new(servers.password.clone())))
                .expect("transport builds");
        let (_, bytes) = answer("untrusted");
        let refused = transport
            .send(ACCOUNT, &[APPLICANT.to_string()], &bytes)
            .await;
        assert!(
            matches!(refused, Err(SendError::Setup { .. })),
            "{trust}: {refused:?}"
        );
    }
}

/// A recipient the server does not know (550 5.1.1) fails this message for good.
#[tokio::test]
async fn unknown_recipient_is_permanent() {
    let Some(servers) = servers("unknown_recipient_is_permanent") else {
        return;
    };
    let mut transport = servers.logged_in(servers.smtps_port, TlsMode::Implicit);
    let (_, bytes) = answer("unknown");
    let refused = transport
        .send(ACCOUNT, &["nobody@example.test".to_string()], &bytes)
        .await;
    assert!(
        matches!(
            refused,
            Err(SendError::Permanent {
                code: Some(550),
                ..
            })
        ),
        "{refused:?}"
    );
    // The kept connection survives a refused recipient: the next message goes out.
    let (message_id, bytes) = answer("after-unknown");
    transport
        .send(ACCOUNT, &[APPLICANT.to_string()], &bytes)
        .await
        .expect("sent after a refusal");
    transport.shutdown().await;
    assert_arrived_intact(&servers, &message_id);
}

/// `from` must be the login: 163 would answer 553 to every message.
#[test]
fn sender_other_than_login_is_refused_at_build() {
    let config = SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(2465),
        tls: TlsMode::Implicit,
        user: Some("apply@example.test".into()),
        password_env: None,
        password_file: None,
        ca_file: None,
        from: "staff@example.test".into(),
        timeout_secs: 5,
    };
    let refused = SmtpTransport::new(&config, Some(Password::new("secret")));
    assert!(
        matches!(refused, Err(SetupError::SenderIsNotLogin { .. })),
        "{refused:?}"
    );
}

/// Not a test: the send rate, for `scripts/bench-smtp.sh` (ignored, so never timed in CI).
/// Sends `BENCH_SMTP_COUNT` answers (default 500) over each kept connection mode and prints
/// answers/s; a rate near 22/s on loopback means a 40 ms delayed ACK per message (Nagle).
#[tokio::test]
#[ignore = "benchmark: run by scripts/bench-smtp.sh"]
async fn bench_send_rate() {
    let Some(servers) = servers("bench_send_rate") else {
        return;
    };
    let count: usize = std::env::var("BENCH_SMTP_COUNT")
        .ok()
        .and_then(|count| count.parse().ok())
        .unwrap_or(500);
    let modes = [
        ("plain", servers.smtp_port, TlsMode::None, None),
        (
            "implicit-tls+auth",
            servers.smtps_port,
            TlsMode::Implicit,
            Some(ACCOUNT),
        ),
        (
            "starttls+auth",
            servers.submission_port,
            TlsMode::Starttls,
            Some(ACCOUNT),
        ),
    ];
    for (name, port, tls, user) in modes {
        let password = user.map(|_| Password::new(servers.password.clone()));
        let mut transport = SmtpTransport::new(&servers.config(port, tls, user), password)
            .expect("transport builds");
        let answers: Vec<Vec<u8>> = (0..count)
            .map(|i| answer(&format!("bench-{name}-{i}")).1)
            .collect();
        let started = Instant::now();
        for bytes in &answers {
            transport
                .send(ACCOUNT, &[APPLICANT.to_string()], bytes)
                .await
                .expect("sent");
        }
        let elapsed = started.elapsed();
        transport.shutdown().await;
        let _ = writeln!(
            std::io::stderr(),
            "BENCH {name}: {count} answers in {:.2} s = {:.1} answers/s",
            elapsed.as_secs_f64(),
            count as f64 / elapsed.as_secs_f64()
        );
    }
}
