//! The SQLite store taking whole batches: `claim_many` (one transaction for
//! the batch, as if each message were claimed in turn) and the pack files
//! that hold a batch's bytes (one per claim or filing, whatever its size).

mod store_common;

use std::path::Path;

use shenbao::store::{
    AnswerKind, AttachmentKey, AttachmentRecord, AttachmentRole, Claim, ContentHash, Filed, Filing,
    IncomingMessage, MailboxKey, MessageKey, MessageStatus, NewAttachment, OutgoingAnswer,
    RenderError, Store, render_each,
};
use store_common::*;

fn n_packs(data_dir: &Path) -> usize {
    std::fs::read_dir(data_dir.join("packs")).map_or(0, |entries| entries.count())
}

/// The contents of every pack file.
fn packs(data_dir: &Path) -> Vec<Vec<u8>> {
    std::fs::read_dir(data_dir.join("packs")).map_or(Vec::new(), |entries| {
        entries
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .collect()
    })
}

/// A batch mixing every case: new, known (filed before), retried (failed before),
/// the same content twice, and the same UID seen before. Claims come back in order.
#[test]
fn a_batch_is_claimed_as_if_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let filed = claim_new(&mut store, 1, b"filed before", "filed@example.org");
    store.file(&filing(filed, vec![]), &no_answers).unwrap();
    let failed = claim_new(&mut store, 2, b"failed before", "failed@example.org");
    assert_eq!(store.fail(failed, "boom").unwrap(), 1);
    let places: Vec<MailboxKey> = (10..16).map(location).collect();
    let batch = [
        incoming(&places[0], b"fresh", "fresh@example.org", at(0)),
        incoming(&places[1], b"filed before", "filed@example.org", at(0)),
        incoming(&places[2], b"failed before", "failed@example.org", at(0)),
        incoming(&places[3], b"twice", "twice@example.org", at(0)),
        incoming(&places[4], b"twice", "twice@example.org", at(0)),
        incoming(&places[5], b"failed before", "failed@example.org", at(0)),
    ];
    let claims = store.claim_many(&batch, at(5)).unwrap();
    assert_eq!(claims.len(), batch.len());
    let Claim::New(fresh) = claims[0] else {
        panic!("fresh mail: {:?}", claims[0])
    };
    assert_eq!(
        claims[1],
        Claim::Known {
            message: filed,
            status: MessageStatus::Filed
        }
    );
    assert_eq!(
        claims[2],
        Claim::Retry {
            message: failed,
            attempts: 1
        }
    );
    let Claim::New(twice) = claims[3] else {
        panic!("first copy: {:?}", claims[3])
    };
    assert_eq!(
        claims[4],
        Claim::Known {
            message: twice,
            status: MessageStatus::Claimed
        },
        "the same content twice in one batch is claimed once"
    );
    assert_eq!(
        claims[5],
        Claim::Known {
            message: failed,
            status: MessageStatus::Claimed
        },
        "a retried message is handed out once per batch"
    );
    assert_ne!(fresh, twice);
    let messages = store.messages().unwrap();
    assert_eq!(messages.len(), 4);
    let twice_record = messages.iter().find(|m| m.key == twice).unwrap();
    assert_eq!(
        twice_record.locations,
        vec![places[3].clone(), places[4].clone()]
    );
    assert_eq!(
        store.read_raw(&ContentHash::of(b"fresh")).unwrap(),
        b"fresh"
    );
}

/// A batch's raw bytes go into one pack; bytes already stored are not written again.
#[test]
fn a_batch_writes_one_pack() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let places: Vec<MailboxKey> = (1..=30).map(location).collect();
    let raws: Vec<String> = (1..=30).map(|n| format!("mail {n}")).collect();
    let ids: Vec<String> = (1..=30).map(|n| format!("{n}@example.org")).collect();
    let batch: Vec<IncomingMessage<'_>> = places
        .iter()
        .zip(&raws)
        .zip(&ids)
        .map(|((place, raw), id)| incoming(place, raw.as_bytes(), id, at(0)))
        .collect();
    let claims = store.claim_many(&batch, at(1)).unwrap();
    assert!(claims.iter().all(|claim| matches!(claim, Claim::New(_))));
    assert_eq!(n_packs(dir.path()), 1);
    let again = store.claim_many(&batch, at(2)).unwrap();
    assert!(
        again
            .iter()
            .all(|claim| matches!(claim, Claim::Known { .. }))
    );
    assert_eq!(n_packs(dir.path()), 1, "known bytes are not written again");
    for raw in &raws {
        assert_eq!(
            store.read_raw(&ContentHash::of(raw.as_bytes())).unwrap(),
            raw.as_bytes()
        );
    }
    assert!(store.claim_many(&[], at(3)).unwrap().is_empty());
    assert_eq!(n_packs(dir.path()), 1);
}

/// The answers of a filed batch go into one pack too. Its attachments are not
/// written again: they are read back out of their messages' raw bytes.
#[test]
fn a_filed_batch_writes_its_answers_into_one_pack_and_reads_attachments_from_the_mail() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let one_raw = mail_with_files("one", &[("a.pdf", b"shared"), ("b.pdf", b"own")]);
    let two_raw = mail_with_files("two", &[("c.pdf", b"shared")]);
    let first = claim_new(&mut store, 1, &one_raw, "one@example.org");
    let second = claim_new(&mut store, 2, &two_raw, "two@example.org");
    let attachment = |name: &str, bytes: &[u8]| {
        NewAttachment::new(
            Some(name.to_string()),
            "application/pdf".to_string(),
            AttachmentRole::Evidence,
            bytes,
        )
    };
    let mut one = filing(first, vec![]);
    one.attachments = vec![attachment("a.pdf", b"shared"), attachment("b.pdf", b"own")];
    let mut two = filing(second, vec![]);
    two.attachments = vec![attachment("c.pdf", b"shared")];
    let answer_to = |filing: &Filing, _: &Filed| -> Result<Vec<OutgoingAnswer>, RenderError> {
        let id = format!("answer-{}@shenbao.test", filing.message.0);
        Ok(vec![answer(AnswerKind::Confirmation, "a@example.org", &id)])
    };
    let before = packs(dir.path());
    let filed = store
        .file_many(&[one, two], &render_each(&answer_to))
        .unwrap();
    let new_packs: Vec<Vec<u8>> = packs(dir.path())
        .into_iter()
        .filter(|pack| !before.contains(pack))
        .collect();
    assert_eq!(new_packs.len(), 1, "one pack for the batch");
    let expected: Vec<Vec<u8>> = filed
        .iter()
        .map(|filed| {
            let id = format!("answer-{}@shenbao.test", filed.message.0);
            answer(AnswerKind::Confirmation, "", &id)
                .rfc5322
                .bytes()
                .to_vec()
        })
        .collect();
    let queued: Vec<Vec<u8>> = store
        .outbox(&Default::default())
        .unwrap()
        .into_iter()
        .map(|entry| entry.rfc5322)
        .collect();
    assert_eq!(queued, expected);
    for bytes in &expected {
        assert!(
            new_packs[0]
                .windows(bytes.len())
                .any(|w| w == bytes.as_slice()),
            "the answers are in the batch's pack"
        );
    }
    assert!(
        !new_packs[0].windows(3).any(|w| w == b"own"),
        "an attachment is not stored a second time"
    );

    let mut read_back = Vec::new();
    for record in store
        .attachments(first)
        .unwrap()
        .iter()
        .chain(&store.attachments(second).unwrap())
    {
        let bytes = store.read_attachment(record).unwrap();
        assert_eq!(ContentHash::of(&bytes), record.sha256);
        read_back.push(bytes);
    }
    assert_eq!(read_back, [&b"shared"[..], b"own", b"shared"]);
}

/// An attachment whose bytes are not in its message (a row that lies, or a parser
/// that changed) is an error, not other bytes.
#[test]
fn an_attachment_missing_from_its_mail_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let raw = mail_with_files("one", &[("a.pdf", b"in the mail")]);
    let message = claim_new(&mut store, 1, &raw, "one@example.org");
    let mut with_other_bytes = filing(message, vec![]);
    with_other_bytes.attachments = vec![NewAttachment::new(
        Some("a.pdf".to_string()),
        "application/pdf".to_string(),
        AttachmentRole::Evidence,
        b"not in the mail",
    )];
    store.file(&with_other_bytes, &no_answers).unwrap();
    let record = &store.attachments(message).unwrap()[0];
    let error = store.read_attachment(record).unwrap_err();
    assert!(
        error.to_string().contains("is not in the bytes of message"),
        "{error}"
    );
}

/// A store written before pack files keeps its blobs as loose files; they are still read.
#[test]
fn loose_files_of_an_older_store_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let hash = ContentHash::of(b"kept loose");
    let hex = hash.to_hex();
    for kind in ["raw", "files"] {
        let path = dir.path().join(kind).join(&hex[..2]).join(&hex[2..]);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"kept loose").unwrap();
    }
    assert_eq!(store.read_raw(&hash).unwrap(), b"kept loose");
    let record = AttachmentRecord {
        key: AttachmentKey(1),
        message: MessageKey(1),
        filename: None,
        content_type: "application/pdf".to_string(),
        sha256: hash,
        size: 10,
        role: AttachmentRole::Evidence,
    };
    assert_eq!(store.read_attachment(&record).unwrap(), b"kept loose");
}
