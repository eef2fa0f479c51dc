//! The staff digest built from a store filled the way the pipeline fills it:
//! what happened since the last digest, the counts against the quotas, the
//! review queue, the roster societies not yet applied, the bounced and failed
//! answers, the mailbox's health; and the text and HTML staff read.

mod staff_support;

use shenbao::staff::digest::queue::{Digest, DigestContext};
use shenbao::staff::quota::QuotaLine;
use shenbao::staff::{NoProgress, Occasion};
use shenbao::store::{AnswerKind, Store};
use staff_support::*;

fn build(store: &dyn Store, call: &shenbao::config::Call) -> Digest {
    let roster = roster();
    let config = digest_config(&["staff@example.test"]);
    let sender = sender();
    let context = DigestContext {
        config: &config,
        call,
        roster: &roster,
        sender: &sender,
    };
    Digest::build(
        store,
        &context,
        Occasion::OnDemand,
        beijing("2020-08-20T08:30:00"),
        &mut NoProgress,
    )
    .unwrap()
}

fn line<'a>(quotas: &'a [QuotaLine], name: &str) -> &'a QuotaLine {
    quotas
        .iter()
        .find(|line| {
            line.subcategory_name
                .as_deref()
                .unwrap_or(&line.category_name)
                == name
        })
        .unwrap_or_else(|| panic!("no quota line {name}"))
}

/// Since the previous digest (8-19 08:30): four new applications, one
/// replacement, the deficiency notice sent, the bounce and the failed notice,
/// and the message that could not be processed.
#[test]
fn the_digest_reports_what_happened_since_the_last_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let story = fill(&mut store);
    let digest = build(&store, &call());
    let facts = &digest.facts;

    assert_eq!(facts.since, Some(beijing("2020-08-19T08:30:00")));
    assert_eq!(facts.rows.len(), 6);
    let new: Vec<&str> = facts
        .new_applications
        .iter()
        .map(|row| row.society.as_str())
        .collect();
    assert_eq!(
        new,
        [
            "常州市气象学会",
            UNKNOWN_SOCIETY,
            "常州市计算机学会",
            "常州市医学会"
        ]
    );
    let replaced: Vec<(&str, u32)> = facts
        .replacements
        .iter()
        .map(|row| (row.society.as_str(), row.version))
        .collect();
    assert_eq!(replaced, [("常州市营养学会", 2)]);

    assert_eq!(facts.notices_sent.len(), 1, "{:?}", facts.notices_sent);
    assert_eq!(facts.notices_sent[0].kind, AnswerKind::Deficiency);
    assert_eq!(
        facts.notices_sent[0].receipts,
        [story.receipts["常州市气象学会"].clone()]
    );
    assert_eq!(facts.bounces.len(), 1);
    assert_eq!(facts.bounces[0].receipt, story.receipts["常州市计算机学会"]);
    assert_eq!(facts.bounces[0].detail, "550 5.1.1 mailbox unavailable");
    assert_eq!(facts.failed_answers.len(), 1);
    assert_eq!(facts.failed_answers[0].kind, AnswerKind::Late);
    assert_eq!(
        facts.failed_answers[0].error.as_deref(),
        Some("550 no such user")
    );
    assert_eq!(facts.failed_messages.len(), 1);
    assert!(facts.failed_messages[0].is_new);
    assert_eq!(facts.failed_messages[0].subject, "损坏的申报");
}

/// Counts per category and sub-category against the quotas, with the amounts
/// (rejected applications count for nothing), and a quota overrun flagged.
#[test]
fn quota_lines_count_live_applications_and_their_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    fill(&mut store);
    // A second 自身建设 society, against a call that allows only one.
    file_sheet(
        &mut store,
        20,
        &Sheet::new("常州市农学会", "self_building", 10000),
        beijing("2020-08-20T07:00:00"),
    );
    let tight_call = shenbao::config::Call::parse(
        &CALL_TOML.replacen("quota = 10\n", "quota = 1\n", 1),
        "tight.toml",
    )
    .unwrap();
    let digest = build(&store, &tight_call);
    let quotas = &digest.facts.quotas;

    let self_building = line(quotas, "自身建设突出学会");
    assert_eq!((self_building.counted, self_building.quota), (2, Some(1)));
    assert!(self_building.over_quota());
    assert_eq!(self_building.amount, 20000);

    let academic = line(quotas, "学术创新特色学会");
    assert_eq!(academic.counted, 3, "projects: 营养 (v2), 气象, 计算机");
    assert_eq!(
        academic.amount,
        9000 + 10000 + 5000,
        "the replacement's amount"
    );
    assert_eq!(academic.counts.deficient, 1);
    let seminar = line(quotas, "小型高端学术研讨会");
    assert_eq!((seminar.counted, seminar.quota), (2, Some(10)));
    assert_eq!(seminar.amount, 14000);
    assert_eq!(line(quotas, "大型综合学术会议").counted, 1);
    assert!(!seminar.over_quota());

    let worker = line(quotas, "现代社团工作者培育项目");
    assert_eq!((worker.counted, worker.amount), (0, 0), "late: not counted");
    assert_eq!(worker.counts.rejected, 1);
    assert_eq!(line(quotas, "科技服务特色学会").counts.review, 1);

    let text = &digest.notice.text;
    assert!(
        text.contains("■ 自身建设突出学会：计入名额 2 / 1 学会【超出名额】"),
        "{text}"
    );
    assert!(
        text.contains("    · 小型高端学术研讨会：计入名额 2 / 10 项目"),
        "{text}"
    );
    assert!(
        text.contains("申请金额合计 50,000 元（不含逾期）"),
        "{text}"
    );
}

/// The review queue says why; the roster societies without any application are
/// listed (a late one has applied); the mailbox's login failures are shown.
#[test]
fn review_queue_not_yet_applied_and_mailbox_health() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    fill(&mut store);
    let digest = build(&store, &call());
    let facts = &digest.facts;

    assert_eq!(facts.review_queue.len(), 1);
    assert_eq!(facts.review_queue[0].society, UNKNOWN_SOCIETY);
    assert_eq!(
        facts.review_queue[0].review_reasons(),
        ["学会名称不在名册中，待人工审核"]
    );
    assert_eq!(
        facts.not_applied,
        [
            "常州市武进区智能制造技术服务中心",
            "常州市机械工程学会",
            "常州市化学化工学会",
            "常州市农学会",
            "常州市土木建筑学会",
            "常州市心理卫生协会",
            "常州市新北区青少年科技教育服务中心",
        ]
    );
    assert_eq!(facts.health.len(), 1);
    assert_eq!(facts.health[0].auth_failures_since_success, 2);
    assert_eq!(
        facts.health[0].last_success_at,
        Some(beijing("2020-08-20T08:00:00"))
    );

    let text = &digest.notice.text;
    for expected in [
        "距申报截止还有 11 天（截止时间 2020-08-31 23:59:59）",
        "原因：学会名称不在名册中，待人工审核",
        "九、名册中尚未申报的学会（7 / 12）",
        "INBOX：最近一次成功收信 2020-08-20 08:00",
        "登录失败 2 次（最近一次 2020-08-20 08:20",
        "退信：CZKX2020-0005",
        "发送失败：逾期通知",
        "  [新] 2020-08-19 15:00  someone@society.example  《损坏的申报》：workbook: not a zip file",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// The subject has the date and the counts; the HTML escapes applicants' text.
#[test]
fn subject_counts_and_html_escaping() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    fill(&mut store);
    let digest = build(&store, &call());

    assert_eq!(
        digest.notice.subject,
        "【申报汇总】2020-08-20 共6份（新增4），待补正1，待审核1"
    );
    let html = &digest.notice.html;
    assert!(
        html.contains("常州市&lt;b&gt;不存在&lt;&#x2f;b&gt;学会"),
        "{html}"
    );
    assert!(!html.contains("<b>不存在</b>"));
    assert!(html.contains("summary-2020-08-20.xlsx"));
    let attachment = digest.attachment.as_ref().unwrap();
    assert_eq!(attachment.filename, "summary-2020-08-20.xlsx");
    assert!(attachment.bytes.starts_with(b"PK"));
}

/// Before any digest, everything counts as new; after the deadline the
/// countdown turns into days since.
#[test]
fn a_first_digest_covers_everything() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    file_sheet(
        &mut store,
        1,
        &Sheet::new("常州市电子学会", "self_building", 10000),
        beijing("2020-08-18T09:00:00"),
    );
    let roster = roster();
    let call = call();
    let config = digest_config(&["staff@example.test"]);
    let sender = sender();
    let context = DigestContext {
        config: &config,
        call: &call,
        roster: &roster,
        sender: &sender,
    };
    let digest = Digest::build(
        &store,
        &context,
        Occasion::OnDemand,
        beijing("2020-09-03T08:30:00"),
        &mut NoProgress,
    )
    .unwrap();
    assert_eq!(digest.facts.since, None);
    assert_eq!(digest.facts.new_applications.len(), 1);
    assert!(digest.notice.text.contains("迄今：新申报 1 份"));
    assert!(
        digest.notice.text.contains("申报已截止 3 天"),
        "{}",
        digest.notice.text
    );
    assert!(digest.notice.text.contains("尚无收信记录"));
}
