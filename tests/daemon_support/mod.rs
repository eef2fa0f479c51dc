//! The daemon end to end without servers: a settings file in a temp dir
//! (Maildir inbox, SQLite store, directory outbox), mails delivered into the
//! Maildir with their received time as the file's mtime, and the answers
//! read back from the outbox directory.
#![allow(dead_code)] // each test crate uses a different part

pub mod flaky;
pub mod imap;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use shenbao::clock::FixedClock;
use shenbao::config::{Call, Settings};
use shenbao::daemon::{self, Mode, Summary};
use shenbao::message::{self, ParsedMessage};
use shenbao::store::{SqliteStore, StoreOptions};

use crate::support::mail::{Part, mail};

pub const APPLY: &str = "apply@example.test";
/// Before the 2020 deadline (2020-08-31 23:59:59 +08:00).
pub const ON_TIME: &str = "2020-08-20T10:15:00+08:00";
pub const LATER_ON_TIME: &str = "2020-08-25T09:00:00+08:00";
pub const LATE: &str = "2020-09-01T08:12:30+08:00";

pub fn at(time: &str) -> Timestamp {
    time.parse().unwrap_or_else(|e| panic!("{time}: {e}"))
}

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// A daemon's settings and folders in a temp dir.
pub struct TestDaemon {
    pub dir: tempfile::TempDir,
    pub settings: Settings,
    delivered: std::cell::Cell<u32>,
}

impl TestDaemon {
    pub fn new() -> TestDaemon {
        TestDaemon::with_extra("")
    }

    /// With more settings lines appended (e.g. `[daemon]` values).
    pub fn with_extra(extra: &str) -> TestDaemon {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = format!(
            r#"
call = "{call}"
roster = "{roster}"
data_dir = "store"
receipt_prefix = "CZKX"

[mailbox]
kind = "maildir"
path = "inbox"

[transport]
kind = "directory"
path = "outbox"
from = "{APPLY}"

[answers]
from_name = "常州市科协学会部"
organization = "常州市科学技术协会学会部"
phone = "0519-86619613"
templates = "{templates}"
{extra}
"#,
            call = repo("config/call-2020.toml"),
            roster = repo("config/roster.csv"),
            templates = repo("config/templates"),
        );
        let path = dir.path().join("shenbao.toml");
        std::fs::write(&path, text).expect("write settings");
        let settings = Settings::load(&path).expect("test settings load");
        TestDaemon::from_parts(dir, settings)
    }

    /// Settings already written into `dir`.
    pub fn from_parts(dir: tempfile::TempDir, settings: Settings) -> TestDaemon {
        TestDaemon {
            dir,
            settings,
            delivered: std::cell::Cell::new(0),
        }
    }

    pub fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }

    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    /// Delivers `bytes` into the Maildir's `new/`, received (mtime) at `received`.
    pub fn deliver(&self, bytes: &[u8], received: &str) -> PathBuf {
        let n = self.delivered.get() + 1;
        self.delivered.set(n);
        let new = self.inbox().join("new");
        std::fs::create_dir_all(&new).expect("Maildir new/");
        for sub in ["cur", "tmp"] {
            std::fs::create_dir_all(self.inbox().join(sub)).expect("Maildir");
        }
        let path = new.join(format!("{}.{n}.test", 1_600_000_000 + n));
        std::fs::write(&path, bytes).expect("deliver");
        let mtime = std::time::SystemTime::from(at(received));
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|file| file.set_modified(mtime))
            .expect("set mtime");
        path
    }

    /// `shenbao run --once` with the clock at `now`.
    pub async fn run_once(&self, now: &str) -> Summary {
        let clock = Arc::new(FixedClock::new(at(now)));
        daemon::run(
            self.settings.clone(),
            Mode::Once,
            clock,
            std::future::pending(),
        )
        .await
        .expect("the daemon runs")
    }

    /// `shenbao run --once` on a store whose filing fails for [`flaky::POISON`] while `poisoned`.
    pub async fn run_once_flaky(&self, now: &str, poisoned: bool) -> Summary {
        let clock = Arc::new(FixedClock::new(at(now)));
        let store = flaky::FlakyStore {
            inner: self.store(),
            poisoned: Arc::new(std::sync::atomic::AtomicBool::new(poisoned)),
        };
        daemon::Daemon::with_store(self.settings.clone(), clock, Box::new(store))
            .expect("the daemon opens")
            .run(Mode::Once, std::future::pending())
            .await
            .expect("the daemon runs")
    }

    /// The store the daemon filed into (open it after a run).
    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(
            &self.settings.data_dir,
            StoreOptions {
                receipt_prefix: "CZKX".into(),
                max_attempts: self.settings.daemon.max_attempts,
            },
        )
        .expect("store opens")
    }

    /// Every answer written to the outbox directory, parsed, with its bytes.
    pub fn answers(&self) -> Vec<Answer> {
        let Ok(entries) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        let mut answers: Vec<Answer> = entries
            .map(|entry| entry.expect("outbox entry").path())
            .filter(|path| path.extension().is_some_and(|e| e == "eml"))
            .map(|path| {
                let bytes = std::fs::read(&path).expect("read answer");
                let parsed = message::parse(&bytes).expect("an answer parses");
                Answer {
                    path,
                    bytes,
                    parsed,
                }
            })
            .collect();
        answers.sort_by(|a, b| a.parsed.subject.cmp(&b.parsed.subject));
        answers
    }

    /// The answers whose `In-Reply-To` is `message_id`.
    pub fn answers_to(&self, message_id: &str) -> Vec<Answer> {
        self.answers()
            .into_iter()
            .filter(|a| a.parsed.in_reply_to.iter().any(|id| id == message_id))
            .collect()
    }
}

pub struct Answer {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub parsed: ParsedMessage,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed
            .auto_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    }
}

/// An attachment of a test mail.
pub struct File {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub fn xlsx_file(name: &'static str, bytes: Vec<u8>) -> File {
    File {
        name,
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    }
}

/// A PDF of evidence (its bytes are not read).
pub fn evidence() -> File {
    File {
        name: "zongjie.pdf",
        content_type: "application/pdf",
        bytes: b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec(),
    }
}

pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(repo(&format!("tests/fixtures/samples/{name}"))).expect("sample")
}

/// A mail as a secretary sends it: a text body and `files`; `extra` header lines added.
pub fn application(
    from: &str,
    message_id: &str,
    subject: &str,
    files: Vec<File>,
    extra: &[&str],
) -> Vec<u8> {
    let mut headers = vec![
        format!("From: <{from}>"),
        format!("To: {APPLY}"),
        format!("Subject: {subject}"),
        format!("Message-ID: <{message_id}>"),
        "Date: Thu, 20 Aug 2020 10:14:00 +0800".to_string(),
    ];
    headers.extend(extra.iter().map(|line| line.to_string()));
    let mut parts = vec![Part::new("text/plain; charset=utf-8").body("申报材料见附件。")];
    for file in files {
        parts.push(
            Part::new(file.content_type)
                .header(format!(
                    "Content-Disposition: attachment; filename=\"{}\"",
                    file.name
                ))
                .base64(&file.bytes),
        );
    }
    mail(&headers, Part::multipart("mixed", "b-test-1", parts))
}

/// A delivery status report returning our answer `answer_message_id`.
pub fn bounce(answer_message_id: &str, message_id: &str) -> Vec<u8> {
    let headers = [
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)".to_string(),
        format!("To: {APPLY}"),
        "Subject: Undelivered Mail Returned to Sender".to_string(),
        format!("Message-ID: <{message_id}>"),
        "Auto-Submitted: auto-replied".to_string(),
    ];
    let parts = vec![
        Part::new("text/plain; charset=us-ascii").body("Your message could not be delivered."),
        Part::new("message/delivery-status")
            .body("Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
        Part::new("text/rfc822-headers").body(format!(
            "From: {APPLY}\r\nTo: gone@example.org\r\nMessage-ID: <{answer_message_id}>\r\nSubject: x\r\n"
        )),
    ];
    mail(
        &headers,
        Part::multipart("report; report-type=delivery-status", "b-dsn-1", parts),
    )
}

/// An application sheet with labels in column A and values in column B, in
/// the order given; labels from the call, so the reader finds them.
pub fn form(values: &[(&str, FormValue)]) -> Vec<u8> {
    let call = Call::load(Path::new(&repo("config/call-2020.toml"))).expect("call");
    let mut writer = rust_xlsxwriter::Workbook::new();
    let sheet = writer.add_worksheet();
    sheet.set_name("申报书").expect("sheet name");
    for (row, (key, value)) in values.iter().enumerate() {
        let row = u32::try_from(row).expect("few rows");
        let label = &call
            .field(key)
            .unwrap_or_else(|| panic!("no field {key}"))
            .label;
        sheet.write_string(row, 0, label).expect("label");
        match value {
            FormValue::Text(text) => sheet.write_string(row, 1, *text),
            FormValue::Number(n) => sheet.write_number(row, 1, *n),
        }
        .expect("value");
    }
    writer.save_to_buffer().expect("xlsx")
}

#[derive(Debug, Clone, Copy)]
pub enum FormValue {
    Text(&'static str),
    Number(f64),
}

/// 常州市电子学会, category 5 (科普), asking `amount` yuan (5000..10000 is in range).
pub fn electronics_popularization(amount: f64) -> Vec<u8> {
    use FormValue::{Number, Text};
    form(&[
        ("society", Text("常州市电子学会")),
        ("credit_code", Text("51320400MJ58601481")),
        ("category", Text("5")),
        ("project_name", Text("电子科技创客科普体验营")),
        ("leader", Text("费建明")),
        ("contact", Text("韩雪")),
        ("mobile", Text("13861126677")),
        ("email", Text("czdzxh@163.com")),
        ("start_date", Text("2020-06-06")),
        ("end_date", Text("2020-08-16")),
        ("amount", Number(amount)),
        (
            "summary",
            Text("面向中小学生开展电子科技创客科普体验活动。"),
        ),
        ("outcomes", Text("举办体验营6期，覆盖学生600余人次。")),
        ("evidence_list", Text("工作总结、活动照片")),
        ("declared_on", Text("2020-08-19")),
    ])
}
