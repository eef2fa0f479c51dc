//! The staff commands run as a user runs them, against a filled store:
//! `list` with its filters, `show`, `resend`, `export` and `digest`.

mod staff_support;

use std::path::Path;
use std::process::{Command, Output};

use calamine::Reader;
use shenbao::store::{AnswerKind, AnswerState, OutboxFilter, Store};
use staff_support::*;

/// Runs `shenbao ARGS --data-dir DATA` from an empty folder (the built-in call and roster).
fn shenbao(folder: &Path, args: &[&str]) -> Output {
    let data_dir = folder.join("var");
    Command::new(env!("CARGO_BIN_EXE_shenbao"))
        .current_dir(folder)
        .env_remove("SHENBAO_CONFIG")
        .env_remove("SHENBAO_FROM")
        .args(args)
        .arg("--data-dir")
        .arg(&data_dir)
        .output()
        .expect("run shenbao")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn filled() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let mut store = open(&folder.path().join("var"));
    fill(&mut store);
    folder
}

/// Filters by status (code or Chinese), category (key, number or short name)
/// and society (by roster alias too).
#[test]
fn list_filters() {
    let folder = filled();
    let deficient = stdout(&shenbao(folder.path(), &["list", "--status", "待补正"]));
    assert!(
        deficient.contains("CZKX2020-0003\t常州市气象学会"),
        "{deficient}"
    );
    assert!(deficient.contains("共 1 份"), "{deficient}");

    let academic = stdout(&shenbao(folder.path(), &["list", "--category", "学术创新"]));
    assert!(academic.contains("共 3 份"), "{academic}");
    assert_eq!(
        academic,
        stdout(&shenbao(folder.path(), &["list", "--category", "2"]))
    );

    let by_alias = stdout(&shenbao(
        folder.path(),
        &["list", "--society", "常州营养学会"],
    ));
    assert!(by_alias.contains("CZKX2020-0002"), "{by_alias}");
    assert!(by_alias.contains("共 1 份"), "{by_alias}");

    let unknown = shenbao(folder.path(), &["list", "--status", "maybe"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// `show` gives every version, the deficiencies, the answers and their delivery.
#[test]
fn show_gives_versions_answers_and_delivery() {
    let folder = filled();
    let replaced = stdout(&shenbao(folder.path(), &["show", "CZKX2020-0002"]));
    assert!(
        replaced.contains("第 1 版  收到 2020-08-18 10:00"),
        "{replaced}"
    );
    assert!(
        replaced.contains("第 2 版（当前）  收到 2020-08-19 11:00"),
        "{replaced}"
    );
    assert_eq!(replaced.matches("已发送").count(), 2, "{replaced}");

    let deficient = stdout(&shenbao(folder.path(), &["show", "CZKX2020-0003"]));
    assert!(
        deficient.contains("[B20] 缺少佐证材料（missing_evidence）"),
        "{deficient}"
    );

    let failed = stdout(&shenbao(folder.path(), &["show", "CZKX2020-0006"]));
    assert!(failed.contains("发送失败：550 no such user"), "{failed}");

    let bounced = stdout(&shenbao(folder.path(), &["show", "CZKX2020-0005"]));
    assert!(bounced.contains("退信\n"), "{bounced}");
    assert!(
        bounced.contains("550 5.1.1 mailbox unavailable"),
        "{bounced}"
    );

    let missing = shenbao(folder.path(), &["show", "CZKX2020-9999"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("CZKX2020-9999"));
}

/// `resend` queues the latest answer again as a new entry: a new Message-ID,
/// the same recipient and body, the original left as it was.
#[test]
fn resend_queues_the_latest_answer_again() {
    let folder = filled();
    let out = stdout(&shenbao(folder.path(), &["resend", "CZKX2020-0006"]));
    assert!(out.contains("queued again"), "{out}");

    let store = open(&folder.path().join("var"));
    let application = store
        .application_by_receipt("CZKX2020-0006")
        .unwrap()
        .unwrap();
    let answers = store
        .outbox(&OutboxFilter {
            application: Some(application.key),
            ..OutboxFilter::default()
        })
        .unwrap();
    assert_eq!(answers.len(), 2);
    let (original, again) = (&answers[0], &answers[1]);
    assert_eq!(original.state, AnswerState::Failed);
    assert_eq!(again.state, AnswerState::Queued);
    assert_eq!(again.kind, AnswerKind::Late);
    assert_eq!(again.to, original.to);
    assert_ne!(again.message_id, original.message_id);
    let parsed = mail_parser::MessageParser::default()
        .parse(&again.rfc5322)
        .unwrap();
    assert_eq!(parsed.message_id(), Some(again.message_id.as_str()));
    assert!(
        again
            .rfc5322
            .ends_with("受理编号 CZKX2020-0006\r\n".as_bytes())
    );

    let twice = shenbao(folder.path(), &["resend", "CZKX2020-0006"]);
    assert_eq!(twice.status.code(), Some(2), "the resend is still queued");
    assert!(String::from_utf8_lossy(&twice.stderr).contains("still queued"));

    let nothing = shenbao(folder.path(), &["resend", "CZKX2020-9999"]);
    assert_eq!(nothing.status.code(), Some(2));
}

/// An answer whose bytes no longer read back (its pack changed on disk) is still
/// listed, with the reason, and `resend` refuses it rather than queue nothing.
#[test]
fn resend_refuses_an_answer_whose_bytes_are_gone() {
    let folder = filled();
    let data = folder.path().join("var");
    let conn =
        rusqlite::Connection::open(shenbao::store::SqliteStore::database_path(&data)).unwrap();
    let (pack, start): (String, i64) = conn
        .query_row(
            "SELECT pack, start FROM blobs WHERE sha256 = (
                 SELECT rfc5322_sha256 FROM outbox JOIN outbox_applications ON answer = outbox.id
                 JOIN applications ON applications.id = application
                 WHERE receipt = 'CZKX2020-0006' ORDER BY outbox.id DESC LIMIT 1)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let path = data.join("packs").join(format!("{pack}.pack"));
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[usize::try_from(start).unwrap()] ^= 1;
    std::fs::write(&path, bytes).unwrap();

    let shown = shenbao(folder.path(), &["show", "CZKX2020-0006"]);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let refused = shenbao(folder.path(), &["resend", "CZKX2020-0006"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no answer to send again"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// `export` writes the workbook; `digest --dry-run` prints without queuing;
/// `digest --to` queues one copy.
#[test]
fn export_and_digest() {
    let folder = filled();
    let file = folder.path().join("汇总表.xlsx");
    let out = stdout(&shenbao(folder.path(), &["export", file.to_str().unwrap()]));
    assert!(out.contains("6 applications"), "{out}");
    let mut xlsx: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    assert_eq!(xlsx.worksheet_range("全部申报").unwrap().height(), 7);

    let digests = |folder: &Path| {
        open(&folder.join("var"))
            .outbox(&OutboxFilter {
                kind: Some(AnswerKind::Digest),
                ..OutboxFilter::default()
            })
            .unwrap()
            .len()
    };
    let dry = stdout(&shenbao(folder.path(), &["digest", "--dry-run"]));
    assert!(dry.starts_with("Subject: 【申报汇总】"), "{dry}");
    assert!(dry.contains("八、待人工审核（1）"), "{dry}");
    assert_eq!(digests(folder.path()), 0);

    let refused = shenbao(folder.path(), &["digest"]);
    assert_eq!(refused.status.code(), Some(2), "no staff addresses");

    let queued = stdout(&shenbao(
        folder.path(),
        &[
            "digest",
            "--to",
            "staff@example.test",
            "--from",
            "apply@example.test",
        ],
    ));
    assert!(
        queued.starts_with("queued 1 digest(s): 【申报汇总】"),
        "{queued}"
    );
    assert_eq!(digests(folder.path()), 1);
}
