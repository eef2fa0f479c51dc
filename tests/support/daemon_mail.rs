//! Mail for the daemon tests against real servers: application forms and mails
//! as societies send them, sent in over SMTP or APPENDed over IMAP (which sets
//! INTERNALDATE), and mailboxes read back and parsed.

#![allow(dead_code)] // each test file uses its own part

use std::path::Path;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use lettre::address::Envelope;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use shenbao::config::Call;
use shenbao::message::ParsedMessage;

use super::mail::{Part, mail};
use super::mail_servers::MailServers;

/// An attachment of a test mail.
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub fn xlsx(name: &str, bytes: Vec<u8>) -> File {
    File {
        name: name.into(),
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    }
}

/// A PDF of evidence of about `size` bytes (its content is never read).
pub fn pdf(name: &str, size: usize) -> File {
    let mut bytes = b"%PDF-1.4\n1 0 obj << >> endobj\n".to_vec();
    let mut state = 0x2545_f491_u32;
    while bytes.len() + 16 < size {
        // xorshift: incompressible filler, like a scan
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.extend_from_slice(b"\ntrailer << >>\n%%EOF\n");
    File {
        name: name.into(),
        content_type: "application/pdf",
        bytes,
    }
}

pub fn sample(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/samples")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A cell value of a generated form.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    Number(f64),
}

pub fn text(value: &str) -> Value {
    Value::Text(value.to_string())
}

/// An application sheet: the call's label in column A, the value in column B.
pub fn form(values: &[(&str, Value)]) -> Vec<u8> {
    let call_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/call-2020.toml");
    let call = Call::load(&call_path).expect("call");
    let mut writer = rust_xlsxwriter::Workbook::new();
    let sheet = writer.add_worksheet();
    sheet.set_name("申报书").expect("sheet name");
    sheet
        .write_string(0, 0, "2020年度\"特专优精\"学会项目申报书")
        .expect("title");
    for (row, (key, value)) in values.iter().enumerate() {
        let row = u32::try_from(row + 1).expect("few rows");
        let label = &call
            .field(key)
            .unwrap_or_else(|| panic!("no field {key}"))
            .label;
        sheet.write_string(row, 0, label).expect("label");
        match value {
            Value::Text(text) => sheet.write_string(row, 1, text),
            Value::Number(n) => sheet.write_number(row, 1, *n),
        }
        .expect("value");
    }
    writer.save_to_buffer().expect("xlsx")
}

/// The fields of a complete society-level application of `category` (key or
/// number as written), to adjust before [`form`]; the amount fits categories 3 and 5.
pub fn complete_fields(
    society: &str,
    credit_code: &str,
    category: &str,
    project: &str,
) -> Vec<(&'static str, Value)> {
    vec![
        ("society", text(society)),
        ("credit_code", text(credit_code)),
        ("category", text(category)),
        ("project_name", text(project)),
        ("leader", text("王建国")),
        ("contact", text("李秀英")),
        ("mobile", text("13961112233")),
        ("email", text("xuehui@example.test")),
        ("start_date", text("2019-10-01")),
        ("end_date", text("2020-07-31")),
        ("amount", Value::Number(8000.0)),
        (
            "summary",
            text("面向园区企业开展技术咨询、检测与培训服务。"),
        ),
        (
            "outcomes",
            text("帮助企业解决技术难题二十余项，举办培训班五期。"),
        ),
        ("evidence_list", text("1.工作总结；2.活动照片")),
        ("declared_on", text("2020-08-20")),
    ]
}

/// Replaces (or adds) field `key` of `fields`; `None` removes it.
pub fn set(
    mut fields: Vec<(&'static str, Value)>,
    key: &'static str,
    value: Option<Value>,
) -> Vec<(&'static str, Value)> {
    let position = fields.iter().position(|(k, _)| *k == key);
    match (position, value) {
        (Some(i), Some(value)) => fields[i].1 = value,
        (Some(i), None) => {
            fields.remove(i);
        }
        (None, Some(value)) => fields.push((key, value)),
        (None, None) => {}
    }
    fields
}

/// A mail as a secretary sends it: a text body and `files`; `extra` header lines added.
pub fn application(
    from: &str,
    to: &str,
    message_id: &str,
    subject: &str,
    files: &[File],
    extra: &[String],
) -> Vec<u8> {
    let mut headers = vec![
        format!("From: <{from}>"),
        format!("To: <{to}>"),
        format!("Subject: {subject}"),
        format!("Message-ID: <{message_id}>"),
        "Date: Thu, 20 Aug 2020 10:14:00 +0800".to_string(),
    ];
    headers.extend(extra.iter().cloned());
    let mut parts = vec![Part::new("text/plain; charset=utf-8").body("申报材料见附件，请查收。")];
    parts.extend(files.iter().map(attachment));
    mail(&headers, Part::multipart("mixed", "b-e2e-1", parts))
}

/// A message forwarding `inner` as a message/rfc822 attachment.
pub fn forwarding(from: &str, to: &str, message_id: &str, inner: Vec<u8>) -> Vec<u8> {
    let headers = [
        format!("From: <{from}>"),
        format!("To: <{to}>"),
        "Subject: Fw: 申报材料".to_string(),
        format!("Message-ID: <{message_id}>"),
    ];
    let parts = vec![
        Part::new("text/plain; charset=utf-8").body("转发我会秘书的申报邮件。"),
        Part::forwarded(inner).header("Content-Disposition: attachment; filename=\"shenbao.eml\""),
    ];
    mail(&headers, Part::multipart("mixed", "b-e2e-fw", parts))
}

fn attachment(file: &File) -> Part {
    Part::new(format!("{}; name=\"{}\"", file.content_type, file.name))
        .header(format!(
            "Content-Disposition: attachment; filename=\"{}\"",
            file.name
        ))
        .base64(&file.bytes)
}

/// A delivery status report (RFC 3464) returning our answer `answer_message_id`.
pub fn bounce(to: &str, message_id: &str, answer_message_id: &str, gone: &str) -> Vec<u8> {
    let headers = [
        "From: MAILER-DAEMON@localhost (Mail Delivery System)".to_string(),
        format!("To: <{to}>"),
        "Subject: Undelivered Mail Returned to Sender".to_string(),
        format!("Message-ID: <{message_id}>"),
        "Auto-Submitted: auto-replied".to_string(),
    ];
    let parts = vec![
        Part::new("text/plain; charset=us-ascii").body("Your message could not be delivered."),
        Part::new("message/delivery-status").body(format!(
            "Reporting-MTA: dns; localhost\r\n\r\nFinal-Recipient: rfc822; {gone}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        )),
        Part::new("text/rfc822-headers").body(format!(
            "From: <{to}>\r\nTo: <{gone}>\r\nMessage-ID: <{answer_message_id}>\r\nSubject: x\r\n"
        )),
    ];
    mail(
        &headers,
        Part::multipart("report; report-type=delivery-status", "b-e2e-dsn", parts),
    )
}

/// A sample .eml with its `From:` and `Message-ID:` lines (and their folded continuations) replaced.
pub fn resent_sample(name: &str, from: &str, message_id: &str) -> Vec<u8> {
    let raw = sample(name);
    let mut out = Vec::with_capacity(raw.len());
    let mut in_headers = true;
    let mut skipping = false;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if in_headers {
            if line == b"\r\n" || line == b"\n" {
                in_headers = false;
            } else if skipping && (line[0] == b' ' || line[0] == b'\t') {
                continue;
            } else {
                let lower = line.to_ascii_lowercase();
                skipping = lower.starts_with(b"from:") || lower.starts_with(b"message-id:");
                if lower.starts_with(b"from:") {
                    out.extend_from_slice(format!("From: <{from}>\r\n").as_bytes());
                }
                if lower.starts_with(b"message-id:") {
                    out.extend_from_slice(format!("Message-ID: <{message_id}>\r\n").as_bytes());
                }
                if skipping {
                    continue;
                }
            }
        }
        out.extend_from_slice(line);
    }
    out
}

/// Sends `bytes` over plain SMTP on loopback (no AUTH there); `from = None` is the null sender.
pub async fn send(servers: &MailServers, from: Option<&str>, to: &str, bytes: &[u8]) {
    let envelope = Envelope::new(
        from.map(|f| f.parse().expect("sender")),
        vec![to.parse().expect("recipient")],
    )
    .expect("envelope");
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(servers.port("SMTP_PORT"))
        .build()
        .send_raw(&envelope, bytes)
        .await
        .unwrap_or_else(|e| panic!("SMTP refused a test mail to {to}: {e}"));
}

/// APPENDs `bytes` to `user`'s INBOX with `internal_date` (IMAP date-time, e.g.
/// `01-Sep-2020 08:12:30 +0800`) as the server's received time.
pub async fn append(servers: &MailServers, user: &str, bytes: &[u8], internal_date: Option<&str>) {
    let mut session = servers.helper_session(user).await;
    let quoted = internal_date.map(|date| format!("\"{date}\""));
    session
        .append("INBOX", None, quoted.as_deref(), bytes)
        .await
        .expect("APPEND");
    session.logout().await.ok();
}

/// Every message in `user`'s INBOX, in UID order.
pub async fn inbox(servers: &MailServers, user: &str) -> Vec<Vec<u8>> {
    let mut session = servers.helper_session(user).await;
    let mailbox = session.examine("INBOX").await.expect("EXAMINE");
    let mut all = Vec::new();
    if mailbox.exists > 0 {
        let mut fetched: Vec<_> = session
            .uid_fetch("1:*", "BODY.PEEK[]")
            .await
            .expect("FETCH")
            .try_collect()
            .await
            .expect("FETCH");
        fetched.sort_by_key(|f| f.uid);
        all = fetched
            .iter()
            .filter_map(|f| f.body().map(<[u8]>::to_vec))
            .collect();
    }
    session.logout().await.ok();
    all
}

/// `user`'s INBOX once it holds at least `n` messages (polling up to `within`), then
/// after a short settle (so a surplus copy shows up too).
pub async fn wait_for_inbox(
    servers: &MailServers,
    user: &str,
    n: usize,
    within: Duration,
) -> Vec<Vec<u8>> {
    let started = Instant::now();
    loop {
        let messages = inbox(servers, user).await;
        if messages.len() >= n {
            return messages;
        }
        assert!(
            started.elapsed() < within,
            "{user} holds {} messages, not {n}, after {within:?}",
            messages.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A parsed answer, with the header lookups the tests need.
pub struct Received {
    pub raw: Vec<u8>,
    pub parsed: ParsedMessage,
}

impl Received {
    pub fn parse(raw: Vec<u8>) -> Received {
        let parsed = shenbao::message::parse(&raw).expect("a received mail parses");
        Received { raw, parsed }
    }

    pub fn auto_submitted(&self) -> Option<&str> {
        self.parsed
            .auto_headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("auto-submitted"))
            .map(|(_, value)| value.trim())
    }

    pub fn message_id(&self) -> &str {
        self.parsed.message_id.as_deref().unwrap_or("")
    }
}

/// Delivers `mails` straight into `user`'s Maildir (as the mail user, uid 8, like
/// Dovecot's own delivery): the fastest way to fill a mailbox. The user must have
/// logged in once (which creates the Maildir). Dovecot gives them UIDs at the next SELECT.
pub fn deliver_to_maildir(servers: &MailServers, user: &str, mails: &[Vec<u8>]) {
    use std::os::unix::fs::chown;
    let (local, domain) = user.split_once('@').expect("an address");
    let maildir = servers
        .root
        .join("mail")
        .join(domain)
        .join(local)
        .join("Maildir");
    let owner =
        std::fs::metadata(&maildir).unwrap_or_else(|e| panic!("{}: {e}", maildir.display()));
    let (uid, gid) = (
        std::os::unix::fs::MetadataExt::uid(&owner),
        std::os::unix::fs::MetadataExt::gid(&owner),
    );
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    for (n, bytes) in mails.iter().enumerate() {
        let name = format!(
            "{}.M{}P{}Q{n}.shenbao-test",
            stamp.as_secs(),
            stamp.subsec_micros(),
            std::process::id()
        );
        let tmp = maildir.join("tmp").join(&name);
        std::fs::write(&tmp, bytes).expect("write into Maildir/tmp");
        chown(&tmp, Some(uid), Some(gid)).expect("chown to the mail user");
        std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("move into Maildir/new");
    }
}
