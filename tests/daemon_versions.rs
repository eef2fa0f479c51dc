//! Versions on a Maildir and a directory outbox: evidence in a reply completes
//! an application, a corrected form replaces the deficient one, a late one is
//! kept without replacing.

mod daemon_support;
mod support;

use daemon_support::*;
use shenbao::store::{ApplicationFilter, Store};
use shenbao::verdict::{Code, Status};

const NOW: &str = "2020-09-02T09:00:00+08:00";

fn status_of(store: &dyn Store, society: &str) -> Status {
    let found = store
        .applications(&ApplicationFilter {
            society: Some(society.to_string()),
            ..ApplicationFilter::default()
        })
        .expect("applications");
    assert_eq!(found.len(), 1, "one application of {society}: {found:?}");
    found[0].current.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_in_a_reply_completes_the_application() {
    let daemon = TestDaemon::new();
    daemon.deliver(
        &application(
            "czyyxh@126.com",
            "form-only@example.org",
            "申报",
            vec![xlsx_file("ziShen.xlsx", sample("p02_self_building.xlsx"))],
            &[],
        ),
        ON_TIME,
    );
    daemon.run_once(NOW).await;
    assert_eq!(
        status_of(&daemon.store(), "常州市营养学会"),
        Status::Deficient
    );
    let notice = &daemon.answers_to("form-only@example.org")[0];
    assert!(
        notice.parsed.text_body.contains("没有找到佐证材料"),
        "{}",
        notice.parsed.text_body
    );
    let notice_id = notice.parsed.message_id.clone().expect("Message-ID");

    let reply = application(
        "czyyxh@126.com",
        "evidence-reply@example.org",
        &format!("Re: {}", notice.parsed.subject),
        vec![evidence()],
        &[
            &format!("In-Reply-To: <{notice_id}>"),
            &format!("References: <form-only@example.org> <{notice_id}>"),
        ],
    );
    daemon.deliver(&reply, LATER_ON_TIME);
    let summary = daemon.run_once(NOW).await;
    assert_eq!(summary.filed, 1, "{summary}");

    let store = daemon.store();
    let application = &store
        .applications(&ApplicationFilter::default())
        .expect("applications")[0];
    assert_eq!(application.n_versions, 2);
    assert_eq!(application.current.status, Status::Accepted);
    assert!(
        !application
            .current
            .deficiencies
            .iter()
            .any(|d| d.code == Code::MissingEvidence)
    );
    assert_eq!(store.evidence(application.key).expect("evidence").len(), 1);

    let answers = daemon.answers_to("evidence-reply@example.org");
    assert_eq!(answers.len(), 1);
    let answer = &answers[0];
    assert!(
        answer.parsed.subject.contains(&application.receipt),
        "{}",
        answer.parsed.subject
    );
    assert!(
        answer.parsed.subject.contains("材料已齐全"),
        "{}",
        answer.parsed.subject
    );
    assert!(
        answer.parsed.text_body.contains("补充的佐证材料已收到"),
        "{}",
        answer.parsed.text_body
    );
    assert!(
        !answer.parsed.text_body.contains("没有找到佐证材料"),
        "{}",
        answer.parsed.text_body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_form_replying_to_a_deficient_one_replaces_it() {
    let daemon = TestDaemon::new();
    daemon.deliver(
        &application(
            "czdzxh@163.com",
            "over@example.org",
            "申报",
            vec![
                xlsx_file("kepu.xlsx", electronics_popularization(15000.0)),
                evidence(),
            ],
            &[],
        ),
        ON_TIME,
    );
    daemon.run_once(NOW).await;
    let notice = &daemon.answers_to("over@example.org")[0];
    let notice_id = notice.parsed.message_id.clone().expect("Message-ID");

    // The corrected form alone: the evidence is on file from the first message.
    daemon.deliver(
        &application(
            "czdzxh@163.com",
            "corrected@example.org",
            &format!("回复：{}", notice.parsed.subject),
            vec![xlsx_file(
                "kepu-v2.xlsx",
                electronics_popularization(9000.0),
            )],
            &[&format!("In-Reply-To: <{notice_id}>")],
        ),
        LATER_ON_TIME,
    );
    daemon.run_once(NOW).await;

    let store = daemon.store();
    let all = store
        .applications(&ApplicationFilter::default())
        .expect("applications");
    assert_eq!(all.len(), 1, "the same application: {all:?}");
    assert_eq!(all[0].n_versions, 2);
    assert_eq!(all[0].current.number, 2);
    assert_eq!(
        all[0].current.status,
        Status::Accepted,
        "{:?}",
        all[0].current.deficiencies
    );
    let answer = &daemon.answers_to("corrected@example.org")[0];
    assert!(
        answer.parsed.subject.contains("已替换"),
        "{}",
        answer.parsed.subject
    );
    assert!(
        answer.parsed.subject.contains("【已受理】"),
        "{}",
        answer.parsed.subject
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_resubmission_is_kept_but_does_not_replace() {
    let daemon = TestDaemon::new();
    let version = |id: &str, amount: f64| {
        application(
            "czdzxh@163.com",
            id,
            "申报",
            vec![
                xlsx_file("kepu.xlsx", electronics_popularization(amount)),
                evidence(),
            ],
            &[],
        )
    };
    daemon.deliver(&version("v1@example.org", 9000.0), ON_TIME);
    daemon.deliver(&version("v2-late@example.org", 8000.0), LATE);
    daemon.run_once(NOW).await;
    let store = daemon.store();
    let all = store
        .applications(&ApplicationFilter::default())
        .expect("applications");
    assert_eq!(all[0].n_versions, 2);
    assert_eq!(
        all[0].current.number, 1,
        "the on-time version stays current"
    );
    assert_eq!(all[0].current.status, Status::Accepted);
    let late_answer = &daemon.answers_to("v2-late@example.org")[0];
    assert!(
        late_answer.parsed.subject.contains("【逾期通知】"),
        "{}",
        late_answer.parsed.subject
    );
}
