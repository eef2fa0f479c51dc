//! The staff digest over a store filled by the real pipeline: the daemon takes
//! in sample mails from a Maildir, one answer bounces, and the digest counts it
//! all against the call's quotas.

mod daemon_support;
mod support;

use daemon_support::*;
use shenbao::config::{Call, Roster};
use shenbao::staff::{Digest, DigestConfig, DigestContext, NoProgress, Occasion, Sender};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_of_a_store_filled_by_the_daemon() {
    let daemon = TestDaemon::new();
    daemon.deliver(
        &application(
            "czdzxh@163.com",
            "service@example.org",
            "申报",
            vec![
                xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                evidence(),
            ],
            &[],
        ),
        ON_TIME,
    );
    daemon.deliver(
        &application(
            "czdzxh@163.com",
            "popular@example.org",
            "申报",
            vec![
                xlsx_file("kepu.xlsx", electronics_popularization(15000.0)),
                evidence(),
            ],
            &[],
        ),
        ON_TIME,
    );
    daemon.run_once("2020-08-20T11:00:00+08:00").await;
    let first_answer = daemon.answers_to("service@example.org");
    assert_eq!(first_answer.len(), 1);
    let answer_id = first_answer[0]
        .parsed
        .message_id
        .clone()
        .expect("the answer has a Message-ID");
    daemon.deliver(&bounce(&answer_id, "dsn-1@mx.example.org"), LATER_ON_TIME);
    daemon.run_once("2020-08-25T10:00:00+08:00").await;

    let call = Call::load(&daemon.settings.call).unwrap();
    let roster = Roster::load(&daemon.settings.roster).unwrap();
    let config = DigestConfig {
        to: vec!["xhb@example.test".into()],
        ..DigestConfig::default()
    };
    let sender = Sender {
        address: "czkxxhb@163.com".into(),
        name: None,
    };
    let context = DigestContext {
        config: &config,
        call: &call,
        roster: &roster,
        sender: &sender,
    };
    let store = daemon.store();
    let now = at("2020-08-26T08:30:00+08:00");
    let digest = Digest::build(&store, &context, Occasion::OnDemand, now, &mut NoProgress).unwrap();
    let text = &digest.notice.text;

    let expected_lines = [
        // Counts per category against the call's quotas, with the amount requested.
        "■ 科技服务特色学会：计入名额 1 / 15 学会；已受理 1，待审核 0，待补正 0，逾期 0；金额 9,000 元",
        "■ 科普创新特色学会：计入名额 1 / 10 学会；已受理 0，待审核 0，待补正 1，逾期 0；金额 15,000 元",
        "申报共 2 份：已受理 1，待审核 0，待补正 1，逾期 0。",
        // The deficiency notice sent, and the answer that bounced.
        "补正通知  CZKX2020-0002  → czdzxh@163.com",
        "退信：CZKX2020-0001 常州市电子学会",
        // Roster societies that have not applied yet (the roster has twelve).
        "九、名册中尚未申报的学会（11 / 12）",
        "距申报截止还有 5 天",
    ];
    for expected in expected_lines {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let not_yet = text
        .lines()
        .skip_while(|l| !l.starts_with("九、"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        not_yet.contains("常州市气象学会") && !not_yet.contains("常州市电子学会"),
        "{not_yet}"
    );
    assert!(
        digest.attachment.is_some(),
        "the summary workbook is attached"
    );
    assert!(
        digest.notice.subject.contains("2020"),
        "{}",
        digest.notice.subject
    );
}
