//! The daemon against the loopback Dovecot + Postfix: settings for IMAPS and
//! SMTPS with the test CA, mail sent in over SMTP, answers read back over IMAP.
//!
//! The daemon reads apply@example.test's INBOX, which other tests also send
//! to; each test first records the INBOX's current end as filed, so only its
//! own mail is taken in. The tests of one binary hold [`SERIAL`] for that.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use shenbao::config::Settings;
use shenbao::mailbox::{MailboxConfig, Source};
use shenbao::store::{MailboxState, Store};

use super::TestDaemon;
use crate::support::mail_servers::{MailServers, PASSWORD};

/// One test at a time on apply@example.test's INBOX.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub const ACCOUNT: &str = "apply@example.test";

/// Settings reading ACCOUNT's INBOX over IMAPS and answering over SMTPS, both
/// trusting the test CA, for a call whose deadline is far away (the server's
/// INTERNALDATE is today).
pub fn imap_daemon(servers: &MailServers, idle: bool) -> TestDaemon {
    let repo = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().expect("temp dir");
    let call = std::fs::read_to_string(format!("{repo}/config/call-2020.toml"))
        .expect("call")
        .replace(
            r#"deadline = "2020-08-31T23:59:59""#,
            r#"deadline = "2099-12-31T23:59:59""#,
        );
    std::fs::write(dir.path().join("call.toml"), call).expect("call copy");
    std::fs::write(dir.path().join("password"), format!("{PASSWORD}\n")).expect("password");
    let ca = servers.ca_file();
    let text = format!(
        r#"
call = "call.toml"
roster = "{repo}/config/roster.csv"
data_dir = "store"
receipt_prefix = "CZKX"

[mailbox]
kind = "imap"
host = "localhost"
port = {imaps}
tls = "implicit"
user = "{ACCOUNT}"
password_file = "password"
ca_file = "{ca}"
idle = {idle}
poll_seconds = 1

[transport]
kind = "smtp"
host = "localhost"
port = {smtps}
tls = "implicit"
user = "{ACCOUNT}"
password_file = "password"
ca_file = "{ca}"
from = "{ACCOUNT}"
timeout_secs = 20

[answers]
from_name = "常州市科协学会部"
organization = "常州市科学技术协会学会部"
phone = "0519-86619613"
templates = "{repo}/config/templates"
"#,
        imaps = servers.port("IMAPS_PORT"),
        smtps = servers.port("SMTPS_PORT"),
        ca = ca.display(),
    );
    let path = dir.path().join("shenbao.toml");
    std::fs::write(&path, text).expect("settings");
    let settings = Settings::load(&path).expect("settings load");
    TestDaemon::from_parts(dir, settings)
}

/// Records the INBOX's current end as filed, so the daemon takes in only what comes next.
pub async fn start_from_now(daemon: &TestDaemon) {
    let MailboxConfig::Imap(_) = &daemon.settings.mailbox else {
        panic!("an IMAP daemon");
    };
    let mut source = Source::open(&daemon.settings.mailbox)
        .await
        .expect("source");
    let status = source.status().await.expect("STATUS");
    let mut store = daemon.store();
    store
        .record_mailbox_state(
            source.name(),
            MailboxState {
                uid_validity: status.uid_validity,
                highest_uid: status.uid_next.saturating_sub(1),
            },
        )
        .expect("state");
    if let Source::Imap(mut imap) = source {
        imap.logout().await;
    }
}

/// Sends `bytes` over plain SMTP on loopback (no AUTH needed), envelope from `from` to ACCOUNT.
pub async fn send_in(servers: &MailServers, from: &str, bytes: &[u8]) {
    let envelope = Envelope::new(
        Some(from.parse().expect("sender")),
        vec![ACCOUNT.parse().expect("recipient")],
    )
    .expect("envelope");
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(servers.port("SMTP_PORT"))
        .build()
        .send_raw(&envelope, bytes)
        .await
        .expect("SMTP accepts the application");
}

/// Waits until each of `message_ids` is in ACCOUNT's INBOX (Postfix queues, then hands over).
pub async fn wait_until_in_inbox(servers: &MailServers, message_ids: &[&str]) {
    for id in message_ids {
        find_by_header(servers, ACCOUNT, "Message-ID", id, Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("{id} never reached {ACCOUNT}"));
    }
}

/// The first message in `user`'s INBOX whose `header` contains `value`, polling until `within`.
pub async fn find_by_header(
    servers: &MailServers,
    user: &str,
    header: &str,
    value: &str,
    within: Duration,
) -> Option<Vec<u8>> {
    let deadline = Instant::now() + within;
    let mut session = servers.helper_session(user).await;
    let found = loop {
        session.select("INBOX").await.expect("SELECT");
        let uids = session
            .uid_search(format!("HEADER {header} \"{value}\""))
            .await
            .expect("SEARCH");
        if let Some(uid) = uids.into_iter().min() {
            let fetched: Vec<_> = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await
                .expect("FETCH")
                .try_collect()
                .await
                .expect("FETCH");
            break fetched.first().and_then(|f| f.body()).map(<[u8]>::to_vec);
        }
        if Instant::now() > deadline {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    session.logout().await.ok();
    found
}
