//! The digest's facts in staff's words: every value already a display string,
//! so the templates hold no logic beyond "if" and "for".

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::Occasion;
use super::facts::{AnswerLine, DigestFacts};
use crate::config::Call;
use crate::staff::quota::{QuotaLine, StatusCounts};
use crate::staff::rows::{ApplicationRow, status_name};
use crate::staff::schedule::SlotKind;
use crate::store::{AnswerKind, MailboxHealth};

/// A mailbox not polled successfully for this long is worth a warning.
const STALE_AFTER: SignedDuration = SignedDuration::from_hours(2);

#[derive(Debug, Serialize)]
pub struct DigestView {
    pub subject: String,
    pub title: String,
    /// e.g. 申报情况日报
    pub kind: &'static str,
    pub now: String,
    pub since: Option<String>,
    pub deadline: String,
    pub totals: Totals,
    pub new_applications: Vec<RowView>,
    pub replacements: Vec<RowView>,
    pub notices_sent: Vec<AnswerView>,
    pub failed_answers: Vec<AnswerView>,
    pub bounces: Vec<BounceView>,
    pub failed_messages: Vec<FailedMessageView>,
    pub quotas: Vec<QuotaView>,
    pub review_queue: Vec<ReviewView>,
    pub not_applied: Vec<String>,
    pub n_roster: usize,
    pub health: Vec<HealthView>,
    /// The summary workbook's file name, when attached.
    pub attachment: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Totals {
    pub all: u32,
    pub new: usize,
    pub replaced: usize,
    pub accepted: u32,
    pub review: u32,
    pub deficient: u32,
    pub rejected: u32,
    pub amount: String,
}

#[derive(Debug, Serialize)]
pub struct RowView {
    pub receipt: String,
    pub society: String,
    pub category: String,
    pub project: String,
    pub amount: String,
    pub status: &'static str,
    pub version: u32,
    pub received: String,
}

#[derive(Debug, Serialize)]
pub struct AnswerView {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub at: String,
    pub error: String,
    pub receipts: String,
}

#[derive(Debug, Serialize)]
pub struct BounceView {
    pub receipt: String,
    pub society: String,
    pub detail: String,
    pub at: String,
}

#[derive(Debug, Serialize)]
pub struct FailedMessageView {
    pub from: String,
    pub subject: String,
    pub received: String,
    pub error: String,
    pub is_new: bool,
}

#[derive(Debug, Serialize)]
pub struct QuotaView {
    pub name: String,
    pub is_sub: bool,
    pub counted: u32,
    pub quota: String,
    pub accepted: u32,
    pub review: u32,
    pub deficient: u32,
    pub rejected: u32,
    pub amount: String,
    pub over: bool,
}

#[derive(Debug, Serialize)]
pub struct ReviewView {
    pub receipt: String,
    pub society: String,
    pub category: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct HealthView {
    pub mailbox: String,
    pub last_success: String,
    /// Warnings, empty when all is well.
    pub problems: Vec<String>,
}

impl DigestView {
    pub fn new(
        facts: &DigestFacts,
        call: &Call,
        occasion: Occasion,
        n_roster: usize,
        attachment: Option<String>,
    ) -> DigestView {
        let zone = &call.time_zone;
        let show = |at: Timestamp| when(at, zone);
        let counts = StatusCounts::of(&facts.rows);
        let kind = match occasion {
            Occasion::Scheduled(slot) if slot.kind == SlotKind::AfterDeadline => "截止汇总",
            Occasion::Scheduled(_) => "申报日报",
            Occasion::OnDemand => "申报汇总",
        };
        let row_view = |row: &ApplicationRow| RowView {
            receipt: row.receipt.clone(),
            society: row.society.clone(),
            category: category_label(row),
            project: row.project.clone(),
            amount: row.amount.map(yuan).unwrap_or_default(),
            status: status_name(row.status),
            version: row.version,
            received: show(row.received_at),
        };
        let answer_view = |line: &AnswerLine| AnswerView {
            kind: answer_kind_name(line.kind),
            to: line.to.clone(),
            subject: line.subject.clone(),
            at: show(line.at),
            error: line.error.clone().unwrap_or_default(),
            receipts: line.receipts.join("、"),
        };
        let today = facts.now.to_zoned(zone.clone()).date();
        let subject = format!(
            "【{kind}】{today} 共{}份（新增{}），待补正{}，待审核{}",
            counts.total(),
            facts.new_applications.len(),
            counts.deficient,
            counts.review,
        );
        DigestView {
            subject,
            title: call.title.clone(),
            kind,
            now: show(facts.now),
            since: facts.since.map(show),
            deadline: deadline_line(call, facts.now),
            totals: Totals {
                all: counts.total(),
                new: facts.new_applications.len(),
                replaced: facts.replacements.len(),
                accepted: counts.accepted,
                review: counts.review,
                deficient: counts.deficient,
                rejected: counts.rejected,
                amount: yuan(
                    facts
                        .quotas
                        .iter()
                        .filter(|line| line.subcategory_name.is_none())
                        .map(|line| line.amount)
                        .fold(0, i64::saturating_add),
                ),
            },
            new_applications: facts.new_applications.iter().map(row_view).collect(),
            replacements: facts.replacements.iter().map(row_view).collect(),
            notices_sent: facts.notices_sent.iter().map(answer_view).collect(),
            failed_answers: facts.failed_answers.iter().map(answer_view).collect(),
            bounces: facts
                .bounces
                .iter()
                .map(|bounce| BounceView {
                    receipt: bounce.receipt.clone(),
                    society: bounce.society.clone(),
                    detail: bounce.detail.clone(),
                    at: show(bounce.at),
                })
                .collect(),
            failed_messages: facts
                .failed_messages
                .iter()
                .map(|message| FailedMessageView {
                    from: message
                        .from
                        .clone()
                        .unwrap_or_else(|| "（无发件人）".into()),
                    subject: message.subject.clone(),
                    received: show(message.received_at),
                    error: message.error.clone().unwrap_or_default(),
                    is_new: message.is_new,
                })
                .collect(),
            quotas: facts.quotas.iter().map(quota_view).collect(),
            review_queue: facts
                .review_queue
                .iter()
                .map(|row| ReviewView {
                    receipt: row.receipt.clone(),
                    society: row.society.clone(),
                    category: category_label(row),
                    reasons: review_reasons(row),
                })
                .collect(),
            not_applied: facts.not_applied.clone(),
            n_roster,
            health: facts
                .health
                .iter()
                .map(|health| health_view(health, facts.now, zone))
                .collect(),
            attachment,
        }
    }
}

/// `2020-08-20 08:30` in the call's time zone.
pub fn when(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// `12,000 元`
pub fn yuan(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{grouped} 元")
}

fn category_label(row: &ApplicationRow) -> String {
    match &row.subcategory_name {
        Some(sub) => format!("{}／{sub}", row.category_name),
        None => row.category_name.clone(),
    }
}

/// The review deficiencies' messages; a pointer to `shenbao show` when the
/// reason was not filed on the application itself.
fn review_reasons(row: &ApplicationRow) -> Vec<String> {
    let reasons: Vec<String> = row
        .review_reasons()
        .into_iter()
        .map(str::to_string)
        .collect();
    if reasons.is_empty() {
        vec![format!("详见 shenbao show {}", row.receipt)]
    } else {
        reasons
    }
}

fn answer_kind_name(kind: AnswerKind) -> &'static str {
    match kind {
        AnswerKind::Confirmation => "确认回执",
        AnswerKind::Deficiency => "补正通知",
        AnswerKind::Late => "逾期通知",
        AnswerKind::Review => "待审核通知",
        AnswerKind::Digest => "工作日报",
    }
}

fn quota_view(line: &QuotaLine) -> QuotaView {
    QuotaView {
        name: line
            .subcategory_name
            .clone()
            .unwrap_or_else(|| line.category_name.clone()),
        is_sub: line.subcategory_name.is_some(),
        counted: line.counted,
        quota: match line.quota {
            Some(quota) => format!("{quota} {}", line.unit),
            None => "不限".to_string(),
        },
        accepted: line.counts.accepted,
        review: line.counts.review,
        deficient: line.counts.deficient,
        rejected: line.counts.rejected,
        amount: yuan(line.amount),
        over: line.over_quota(),
    }
}

/// Days left to the deadline, counted in calendar days of the call's time zone.
pub fn deadline_line(call: &Call, now: Timestamp) -> String {
    let zone = &call.time_zone;
    let deadline = call.deadline.to_zoned(zone.clone());
    let shown = deadline.strftime("%Y-%m-%d %H:%M:%S");
    let today = now.to_zoned(zone.clone()).date();
    let days = (deadline.date() - today).get_days();
    match (now <= call.deadline, days) {
        (true, 0) => format!("今天截止（{shown}）"),
        (true, days) => format!("距申报截止还有 {days} 天（截止时间 {shown}）"),
        (false, 0) => format!("申报已于今天截止（{shown}）"),
        (false, days) => format!("申报已截止 {} 天（截止时间 {shown}）", -days),
    }
}

fn health_view(health: &MailboxHealth, now: Timestamp, zone: &TimeZone) -> HealthView {
    let mut problems = Vec::new();
    let last_error = health.last_error.as_deref().unwrap_or("");
    let last_failure = health
        .last_failure_at
        .map(|at| when(at, zone))
        .unwrap_or_default();
    if health.auth_failures_since_success > 0 {
        problems.push(format!(
            "登录失败 {} 次（最近一次 {last_failure}：{last_error}），请检查邮箱密码或授权码",
            health.auth_failures_since_success
        ));
    } else if health.failures_since_success > 0 {
        problems.push(format!(
            "收信失败 {} 次（最近一次 {last_failure}：{last_error}）",
            health.failures_since_success
        ));
    }
    match health.last_success_at {
        Some(at) if now.duration_since(at) > STALE_AFTER => problems.push(format!(
            "已有 {} 小时没有成功收信",
            now.duration_since(at).as_hours()
        )),
        Some(_) => {}
        None => problems.push("从未成功收信".to_string()),
    }
    HealthView {
        mailbox: health.mailbox.clone(),
        last_success: health
            .last_success_at
            .map(|at| when(at, zone))
            .unwrap_or_else(|| "无".to_string()),
        problems,
    }
}
