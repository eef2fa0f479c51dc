//! An [`ImapSource`] set up against the loopback servers, and seeding helpers.

#![allow(dead_code)] // each test file uses its own part

use std::path::PathBuf;

use shenbao::mailbox::{AfterFiling, ImapConfig, ImapSource, MessageKey, RawMessage, TlsMode};

use super::mail_servers::{MailServers, PASSWORD, test_message};

/// A password file under the servers' root, which stop.sh removes with them
/// (files left in /tmp piled up, four per test run).
pub fn password_file(servers: &MailServers, content: &str) -> PathBuf {
    let path = servers.root.join(format!(
        "test-password-{}-{}",
        std::process::id(),
        content.len()
    ));
    std::fs::write(&path, format!("{content}\n")).expect("write password file");
    path
}

/// Implicit TLS on IMAPS, trusting the test CA, password from a file.
pub fn config(servers: &MailServers, user: &str, mailbox: &str) -> ImapConfig {
    ImapConfig {
        host: "localhost".into(),
        port: Some(servers.port("IMAPS_PORT")),
        tls: TlsMode::Implicit,
        user: user.into(),
        password_env: None,
        password_file: Some(password_file(servers, PASSWORD)),
        ca_file: Some(servers.ca_file()),
        mailbox: mailbox.into(),
        idle: true,
        poll_seconds: 60,
        after_filing: AfterFiling::Leave,
        batch_size: 20,
    }
}

/// Creates `folder` for `user` and appends one message per subject; returns the folder's
/// UIDVALIDITY. Never selects the folder (STATUS, not SELECT): its messages stay \Recent.
pub async fn seed_folder(
    servers: &MailServers,
    user: &str,
    folder: &str,
    subjects: &[&str],
) -> u32 {
    let mut helper = servers.helper_session(user).await;
    helper.create(folder).await.expect("CREATE");
    for subject in subjects {
        helper
            .append(folder, None, None, test_message(subject, 0))
            .await
            .expect("APPEND");
    }
    let status = helper
        .status(folder, "(UIDVALIDITY)")
        .await
        .expect("STATUS");
    helper.logout().await.ok();
    status.uid_validity.expect("UIDVALIDITY")
}

pub async fn fetch_all(source: &mut ImapSource) -> Vec<RawMessage> {
    let mut all = Vec::new();
    let mut cursor = MessageKey::START;
    loop {
        let batch = source.fetch_new(cursor).await.expect("fetch_new");
        let Some(last) = batch.last() else { return all };
        cursor = last.key();
        all.extend(batch);
    }
}

/// Each message left in `folder` as (UID, flagged `\Seen`), by UID: read over a
/// helper session, to see what after-filing did.
pub async fn seen_by_uid(
    helper: &mut async_imap::Session<tokio::net::TcpStream>,
    folder: &str,
) -> Vec<(u32, bool)> {
    use futures::TryStreamExt;
    helper.select(folder).await.expect("SELECT");
    let left: Vec<_> = helper
        .uid_fetch("1:*", "FLAGS")
        .await
        .expect("UID FETCH FLAGS")
        .try_collect()
        .await
        .expect("FETCH responses");
    let mut states: Vec<(u32, bool)> = left
        .iter()
        .map(|fetch| {
            let seen = fetch
                .flags()
                .any(|flag| flag == async_imap::types::Flag::Seen);
            (fetch.uid.expect("UID FETCH gives UIDs"), seen)
        })
        .collect();
    states.sort();
    states
}
