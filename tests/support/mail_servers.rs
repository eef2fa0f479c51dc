//! The loopback Dovecot + Postfix started by scripts/mail-servers/start.sh, as tests see it.
//!
//! `MAIL_TEST_ROOT` names the running instance's ROOT. When it is unset, a test needing the
//! servers fails under CI (`CI=true`) and is skipped, loudly, elsewhere: run `scripts/test.sh`
//! (as root) to get the servers.

#![allow(dead_code)] // each test file uses its own part

use std::collections::HashMap;
use std::path::PathBuf;

use tokio::net::TcpStream;

pub const PASSWORD: &str = "secret";

/// A running instance: ROOT and the ports from `$ROOT/servers.env`.
#[derive(Debug, Clone)]
pub struct MailServers {
    pub root: PathBuf,
    ports: HashMap<String, u16>,
}

impl MailServers {
    /// The running servers, or `None` (after a loud message) when a developer runs without them.
    pub fn from_env(test: &str) -> Option<MailServers> {
        let Some(root) = std::env::var_os("MAIL_TEST_ROOT").map(PathBuf::from) else {
            let message = format!(
                "{test}: MAIL_TEST_ROOT is unset, so the loopback mail servers are not running. \
                 Run scripts/test.sh (as root), or ROOT=$(scripts/mail-servers/start.sh) and \
                 export MAIL_TEST_ROOT=$ROOT."
            );
            if std::env::var("CI").is_ok_and(|value| value == "true" || value == "1") {
                panic!("{message}");
            }
            eprintln!("\n!!!!! SKIPPED {message}\n");
            return None;
        };
        let env_path = root.join("servers.env");
        let text = std::fs::read_to_string(&env_path).unwrap_or_else(|error| {
            panic!(
                "MAIL_TEST_ROOT={}: cannot read {}: {error}",
                root.display(),
                env_path.display()
            )
        });
        let ports = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .filter_map(|(key, value)| Some((key.to_string(), value.trim().parse().ok()?)))
            .collect();
        Some(MailServers { root, ports })
    }

    pub fn port(&self, name: &str) -> u16 {
        *self
            .ports
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from servers.env"))
    }

    pub fn ca_file(&self) -> PathBuf {
        self.root.join("tls/ca.pem")
    }

    pub fn other_ca_file(&self) -> PathBuf {
        self.root.join("tls/other-ca.pem")
    }

    /// Dovecot's log (it records each client's ID: `imap_id_log = *`).
    pub fn dovecot_log(&self) -> String {
        std::fs::read_to_string(self.root.join("log/dovecot.log")).unwrap_or_default()
    }

    /// Ends every IMAP session of `user` from the server side (`doveadm kick`), and waits until
    /// Dovecot lists none (the kick only signals the processes).
    pub async fn kick(&self, user: &str) {
        let doveadm = |args: &[&str]| {
            let output = std::process::Command::new("doveadm")
                .arg("-c")
                .arg(self.root.join("etc/dovecot.conf"))
                .args(args)
                .output()
                .expect("run doveadm");
            assert!(output.status.success(), "doveadm {args:?}: {output:?}");
            String::from_utf8_lossy(&output.stdout).into_owned()
        };
        doveadm(&["kick", user]);
        for _ in 0..60 {
            if !doveadm(&["who", "-1", user]).contains(user) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{user} still has IMAP sessions 3 s after doveadm kick");
    }

    /// Adds an IMAP user (password [`PASSWORD`]) unless present, and waits until it can log in:
    /// Dovecot re-reads its passwd-file on change, but looks at most once a second.
    /// (Postfix does not know such a user: no SMTP delivery to it.)
    pub async fn ensure_user(&self, user: &str) {
        use std::io::Write;
        let users_path = self.root.join("etc/users");
        let users = std::fs::read_to_string(&users_path).expect("read users");
        if !users
            .lines()
            .any(|line| line.starts_with(&format!("{user}:")))
        {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&users_path)
                .expect("open users");
            writeln!(file, "{user}:{{PLAIN}}{PASSWORD}::::::").expect("append user");
        }
        for _ in 0..30 {
            let tcp = TcpStream::connect(("127.0.0.1", self.port("IMAP_PORT")))
                .await
                .expect("connect to Dovecot");
            let mut client = async_imap::Client::new(tcp);
            client
                .read_response()
                .await
                .expect("greeting")
                .expect("greeting");
            if let Ok(mut session) = client.login(user, PASSWORD).await {
                session.logout().await.ok();
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("Dovecot did not accept the new user {user} within 6 s");
    }

    /// A helper session over plain IMAP (Dovecot allows it on loopback), to set up and inspect.
    pub async fn helper_session(&self, user: &str) -> async_imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port("IMAP_PORT")))
            .await
            .expect("connect to Dovecot");
        let mut client = async_imap::Client::new(tcp);
        client
            .read_response()
            .await
            .expect("greeting")
            .expect("greeting");
        client
            .login(user, PASSWORD)
            .await
            .map_err(|(error, _)| error)
            .expect("helper login")
    }
}

/// A folder name no other test (or earlier run against the same servers) uses.
pub fn unique_folder(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A small message with CRLF line ends (as a real client sends), `padding` bytes of body.
pub fn test_message(subject: &str, padding: usize) -> Vec<u8> {
    let mut text = format!(
        "From: society1@example.test\r\nTo: apply@example.test\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.test>\r\n\r\n{subject}\r\n"
    );
    let line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n";
    while text.len() < padding {
        text.push_str(line);
    }
    text.into_bytes()
}
