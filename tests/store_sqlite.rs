//! The SQLite store through the `Store` trait, on a temporary data directory:
//! exactly-once claiming, filing with receipts and versions, reopening.
//! Outbox tests are in `store_outbox.rs`.

mod store_common;

use std::sync::{Arc, Barrier};

use shenbao::store::{
    ApplicationFilter, Claim, ContentHash, MessageStatus, SqliteStore, Store, StoreError,
};
use shenbao::verdict::{Code, Deficiency, Status};
use store_common::*;

/// The same message claimed twice (same UID) is known the second time, and is not refiled.
#[test]
fn claiming_twice_gives_known() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, b"mail one", "one@example.org");
    let again = store.claim(
        &incoming(&location(1), b"mail one", "one@example.org", at(0)),
        at(1),
    );
    assert_eq!(
        again.unwrap(),
        Claim::Known {
            message: key,
            status: MessageStatus::Claimed
        }
    );
    assert_eq!(store.messages().unwrap().len(), 1);
}

/// The same content under another UID (UIDVALIDITY change, a second delivery) is known,
/// and the new location is recorded.
#[test]
fn same_content_under_another_uid_is_known_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, b"mail one", "one@example.org");
    store.file(&filing(key, vec![]), &no_answers).unwrap();
    let mut moved = location(1);
    moved.uid_validity = 8;
    let claim = store.claim(
        &incoming(&moved, b"mail one", "one@example.org", at(0)),
        at(5),
    );
    assert_eq!(
        claim.unwrap(),
        Claim::Known {
            message: key,
            status: MessageStatus::Filed
        }
    );
    let messages = store.messages().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].locations, vec![location(1), moved]);
}

/// Other bytes under the same Message-ID are another message (the key is both).
#[test]
fn same_message_id_with_other_bytes_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    claim_new(&mut store, 1, b"mail one", "one@example.org");
    claim_new(&mut store, 2, b"mail one, edited", "one@example.org");
    assert_eq!(store.messages().unwrap().len(), 2);
}

/// Two connections on the same database claim the same messages at once:
/// each message is New for exactly one of them.
#[test]
fn concurrent_claims_give_exactly_one_new() {
    let dir = tempfile::tempdir().unwrap();
    open(dir.path()); // create the schema once; both threads then open it
    let n_messages = 25;
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let path = dir.path().to_path_buf();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut store = open(&path);
                barrier.wait();
                let mut n_new = 0;
                for uid in 0..n_messages {
                    let raw = format!("message {uid}");
                    let id = format!("{uid}@example.org");
                    let claim = store
                        .claim(&incoming(&location(uid), raw.as_bytes(), &id, at(0)), at(1))
                        .unwrap();
                    if matches!(claim, Claim::New(_)) {
                        n_new += 1;
                    }
                }
                n_new
            })
        })
        .collect();
    let total_new: u32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total_new, n_messages);
    assert_eq!(
        open(dir.path()).messages().unwrap().len(),
        n_messages as usize
    );
}

/// A failing message is handed out again until max_attempts (3), then left for staff.
#[test]
fn failed_message_is_retried_up_to_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let place = location(1);
    let mail = incoming(&place, b"poison", "p@example.org", at(0));
    let key = claim_new(&mut store, 1, b"poison", "p@example.org");
    assert_eq!(store.fail(key, "boom 1").unwrap(), 1);
    assert_eq!(store.retryable_messages().unwrap().len(), 1);
    assert_eq!(
        store.claim(&mail, at(1)).unwrap(),
        Claim::Retry {
            message: key,
            attempts: 1
        }
    );
    assert_eq!(store.fail(key, "boom 2").unwrap(), 2);
    assert_eq!(
        store.claim(&mail, at(2)).unwrap(),
        Claim::Retry {
            message: key,
            attempts: 2
        }
    );
    assert_eq!(store.fail(key, "boom 3").unwrap(), 3);
    assert_eq!(
        store.claim(&mail, at(3)).unwrap(),
        Claim::Known {
            message: key,
            status: MessageStatus::Failed
        }
    );
    assert!(store.retryable_messages().unwrap().is_empty());
    let failed = store.failed_messages().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.as_deref(), Some("boom 3"));
    // Failing a message that is not claimed is refused.
    assert!(matches!(
        store.fail(key, "again"),
        Err(StoreError::WrongState { .. })
    ));
}

/// Two applications in one message get two sequential receipts, and an answer each.
#[test]
fn two_applications_get_sequential_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, b"two sheets", "two@example.org");
    let filed = store
        .file(
            &filing(
                key,
                vec![
                    application("计算机学会", "self_building", ""),
                    application("计算机学会", "academic", "年会"),
                ],
            ),
            &confirm_each,
        )
        .unwrap();
    let receipts: Vec<_> = filed
        .applications
        .iter()
        .map(|a| a.receipt.as_str())
        .collect();
    assert_eq!(receipts, ["CZKX2020-0001", "CZKX2020-0002"]);
    assert_eq!(filed.answers.len(), 2);
    let outbox = store.outbox(&Default::default()).unwrap();
    assert!(String::from_utf8_lossy(&outbox[1].rfc5322).contains("CZKX2020-0002"));
    assert_eq!(store.messages().unwrap()[0].status, MessageStatus::Filed);
    assert_eq!(store.messages().unwrap()[0].verdict, Some(Status::Accepted));
}

/// A later sheet for the same (society, category, project) is version 2 under the same
/// receipt; version 1 stays in the history.
#[test]
fn second_version_replaces_and_keeps_history_under_the_same_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let first = claim_new(&mut store, 1, b"v1", "v1@example.org");
    let mut deficient = application("计算机学会", "academic", "年会");
    deficient.status = Status::Deficient;
    deficient.deficiencies = vec![Deficiency {
        code: Code::AmountOutOfRange,
        field: Some("amount".to_string()),
        cell: Some("B12".to_string()),
        message: "申请资助金额超出上限".to_string(),
    }];
    let filed_1 = store
        .file(&filing(first, vec![deficient]), &confirm_each)
        .unwrap();
    let second = claim_new(&mut store, 2, b"v2", "v2@example.org");
    let mut fixed = application("计算机学会", "academic", "年会");
    fixed.fingerprint = "fp-2".to_string();
    let mut later = filing(second, vec![fixed]);
    later.filed_at = at(100);
    let filed_2 = store.file(&later, &confirm_each).unwrap();

    let (v1, v2) = (&filed_1.applications[0], &filed_2.applications[0]);
    assert_eq!(v1.application, v2.application);
    assert_eq!(v2.receipt, v1.receipt);
    assert_eq!((v1.version_number, v2.version_number), (1, 2));
    assert!(v2.is_current);

    let record = store.application_by_receipt(&v1.receipt).unwrap().unwrap();
    assert_eq!(record.n_versions, 2);
    assert_eq!(record.current.key, v2.version);
    assert_eq!(record.current.fingerprint, "fp-2");
    let history = store.application_versions(record.key).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].status, Status::Deficient);
    assert_eq!(history[0].deficiencies[0].code, Code::AmountOutOfRange);
    assert_eq!(history[0].deficiencies[0].cell.as_deref(), Some("B12"));
    assert_eq!(history[1].status, Status::Accepted);
    assert_eq!(
        store
            .applications(&ApplicationFilter::default())
            .unwrap()
            .len(),
        1
    );
}

/// A message retried and filed after a newer one is kept as a version but does not win.
#[test]
fn older_message_filed_late_does_not_become_current() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let newer = claim_received(&mut store, 1, b"newer", at(500));
    let older = claim_received(&mut store, 2, b"older", at(10));
    store
        .file(
            &filing(newer, vec![application("A学会", "science", "")]),
            &no_answers,
        )
        .unwrap();
    let filed = store
        .file(
            &filing(older, vec![application("A学会", "science", "")]),
            &no_answers,
        )
        .unwrap();
    assert_eq!(filed.applications[0].version_number, 2);
    assert!(!filed.applications[0].is_current);
    let record = store
        .application_by_receipt("CZKX2020-0001")
        .unwrap()
        .unwrap();
    assert_eq!(record.current.message, newer);
}

/// Filing needs a claimed message: a second filing of the same message is refused
/// and leaves nothing behind.
#[test]
fn filing_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, b"once", "once@example.org");
    let one = filing(key, vec![application("A学会", "science", "")]);
    store.file(&one, &confirm_each).unwrap();
    assert!(matches!(
        store.file(&one, &confirm_each),
        Err(StoreError::WrongState { .. })
    ));
    assert_eq!(store.outbox(&Default::default()).unwrap().len(), 1);
    assert_eq!(
        store
            .application_versions(store.applications(&Default::default()).unwrap()[0].key)
            .unwrap()
            .len(),
        1
    );
}

/// A failing render rolls the whole filing back, receipt number included.
#[test]
fn render_failure_files_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let key = claim_new(&mut store, 1, b"m", "m@example.org");
    let one = filing(key, vec![application("A学会", "science", "")]);
    let failing = |_: &_, _: &_| Err("template broken".into());
    assert!(matches!(
        store.file(&one, &failing),
        Err(StoreError::Render(_))
    ));
    assert!(store.applications(&Default::default()).unwrap().is_empty());
    assert_eq!(store.messages().unwrap()[0].status, MessageStatus::Claimed);
    let filed = store.file(&one, &confirm_each).unwrap();
    assert_eq!(filed.applications[0].receipt, "CZKX2020-0001");
}

/// Raw messages are kept once per content, in pack files under data_dir/packs.
#[test]
fn raw_bytes_are_content_addressed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    claim_new(&mut store, 1, b"same bytes", "a@example.org");
    claim_new(&mut store, 2, b"same bytes", "b@example.org");
    let hash = ContentHash::of(b"same bytes");
    let packs: Vec<_> = std::fs::read_dir(dir.path().join("packs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(packs.len(), 1, "the second claim wrote nothing: {packs:?}");
    assert!(std::fs::read(&packs[0]).unwrap().ends_with(b"same bytes"));
    let messages = store.messages().unwrap();
    assert!(messages.iter().all(|m| m.sha256 == hash && m.size == 10));
    assert_eq!(store.read_raw(&hash).unwrap(), b"same bytes");
}

/// Closing and reopening keeps everything; the migrations run once.
#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = open(dir.path());
        let key = claim_new(&mut store, 1, b"kept", "kept@example.org");
        store
            .file(
                &filing(key, vec![application("A学会", "science", "")]),
                &confirm_each,
            )
            .unwrap();
    }
    let mut store = open(dir.path());
    assert_eq!(store.messages().unwrap().len(), 1);
    assert_eq!(store.outbox(&Default::default()).unwrap().len(), 1);
    let record = store
        .application_by_receipt("CZKX2020-0001")
        .unwrap()
        .unwrap();
    assert_eq!(record.society, "A学会");
    // The sequence continues after the reopen.
    let key = claim_new(&mut store, 2, b"next", "next@example.org");
    let filed = store
        .file(
            &filing(key, vec![application("B学会", "science", "")]),
            &no_answers,
        )
        .unwrap();
    assert_eq!(filed.applications[0].receipt, "CZKX2020-0002");
    let conn = rusqlite::Connection::open(SqliteStore::database_path(dir.path())).unwrap();
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(
        version, 7,
        "0001_init, 0002_staff, 0003_packs, 0004_outbox_content, 0005_retry_alone, \
         0006_answer_bytes_once, 0007_answer_bytes_in_packs"
    );
}
