//! Looking into the store from the command line: `shenbao list`, `show` and
//! `resend`. The functions gather and format; the CLI only prints.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::digest::view::{when, yuan};
use super::error::{StaffError, StaffResult};
use super::rows::{ApplicationRow, status_name};
use crate::config::Call;
use crate::notice::message_id;
use crate::store::{
    AnswerKey, AnswerKind, AnswerState, ApplicationFilter, AttachmentRecord, DeliveryFailure,
    OutboxEntry, OutboxFilter, OutgoingAnswer, Store, VersionRecord,
};

/// One application with its history, for `shenbao show`.
#[derive(Debug, Clone)]
pub struct ApplicationReport {
    pub row: ApplicationRow,
    /// Every version, first one first.
    pub versions: Vec<VersionRecord>,
    /// Every answer about it, oldest first.
    pub answers: Vec<OutboxEntry>,
    pub bounces: Vec<DeliveryFailure>,
    pub evidence: Vec<AttachmentRecord>,
}

/// The applications `filter` selects, as rows.
pub fn list(
    store: &dyn Store,
    call: &Call,
    filter: &ApplicationFilter,
) -> StaffResult<Vec<ApplicationRow>> {
    Ok(super::rows::rows(&store.applications(filter)?, call))
}

/// One line per application, with a header line.
pub fn format_list(rows: &[ApplicationRow], zone: &TimeZone) -> String {
    let mut out = String::from("受理编号\t学会\t类别\t项目\t金额\t状态\t版本\t收到时间\n");
    for row in rows {
        let category = match &row.subcategory_name {
            Some(sub) => format!("{}／{sub}", row.category_name),
            None => row.category_name.clone(),
        };
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            row.receipt,
            printable(&row.society),
            category,
            printable(&row.project),
            row.amount.map(yuan).unwrap_or_default(),
            status_name(row.status),
            row.version,
            when(row.received_at, zone),
        );
    }
    let _ = writeln!(out, "共 {} 份", rows.len());
    out
}

/// Everything the store knows about the application with `receipt`.
pub fn report(store: &dyn Store, call: &Call, receipt: &str) -> StaffResult<ApplicationReport> {
    let record = store
        .application_by_receipt(receipt.trim())?
        .ok_or_else(|| StaffError::UnknownReceipt(receipt.to_string()))?;
    Ok(ApplicationReport {
        versions: store.application_versions(record.key)?,
        answers: store.outbox(&OutboxFilter {
            application: Some(record.key),
            ..OutboxFilter::default()
        })?,
        bounces: store.delivery_failures(record.key)?,
        evidence: store.evidence(record.key)?,
        row: ApplicationRow::from_record(&record, call),
    })
}

/// The report as staff read it.
pub fn format_report(report: &ApplicationReport, zone: &TimeZone) -> String {
    let row = &report.row;
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", row.receipt, printable(&row.society));
    let _ = writeln!(
        out,
        "类别：{}{}  项目：{}",
        row.category_name,
        row.subcategory_name
            .as_deref()
            .map(|sub| format!("／{sub}"))
            .unwrap_or_default(),
        printable(&row.project)
    );
    let _ = writeln!(
        out,
        "状态：{}（当前第 {} 版，共 {} 版）  校验码 {}",
        status_name(row.status),
        row.version,
        row.n_versions,
        row.fingerprint
    );
    let _ = writeln!(
        out,
        "金额：{}  起止：{} 至 {}",
        row.amount.map(yuan).unwrap_or_else(|| "—".into()),
        row.start_date.map(|d| d.to_string()).unwrap_or_default(),
        row.end_date.map(|d| d.to_string()).unwrap_or_default(),
    );
    let _ = writeln!(
        out,
        "联系人：{}  {}  {}",
        row.contact, row.mobile, row.email
    );

    let _ = writeln!(out, "\n版本");
    for version in &report.versions {
        let _ = writeln!(
            out,
            "  第 {} 版{}  收到 {}  归档 {}  {}  校验码 {}  工作表 {}",
            version.number,
            if version.number == row.version {
                "（当前）"
            } else {
                ""
            },
            when(version.received_at, zone),
            when(version.filed_at, zone),
            status_name(version.status),
            version.fingerprint,
            version.sheet,
        );
        for deficiency in &version.deficiencies {
            let cell = deficiency
                .cell
                .as_deref()
                .map(|c| format!("[{c}] "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "      {cell}{}（{}）",
                deficiency.message,
                deficiency.code.as_str()
            );
        }
    }

    let _ = writeln!(out, "\n回复");
    if report.answers.is_empty() {
        let _ = writeln!(out, "  无");
    }
    for answer in &report.answers {
        let _ = writeln!(
            out,
            "  #{}  {}  {} → {}  {}\n      《{}》",
            answer.key.0,
            when(answer.queued_at, zone),
            answer.kind.as_str(),
            answer.to,
            delivery_state(answer, zone),
            printable(&answer.subject),
        );
    }
    if !report.bounces.is_empty() {
        let _ = writeln!(out, "\n退信");
        for bounce in &report.bounces {
            let _ = writeln!(
                out,
                "  {}  回复 #{}：{}",
                when(bounce.at, zone),
                bounce.answer.0,
                bounce.detail
            );
        }
    }
    if !report.evidence.is_empty() {
        let _ = writeln!(out, "\n佐证材料");
        for file in &report.evidence {
            let _ = writeln!(
                out,
                "  {}（{} 字节）",
                file.filename.as_deref().unwrap_or("（无文件名）"),
                file.size
            );
        }
    }
    out
}

/// Applicants' text with control characters (escape sequences, tabs, line
/// breaks) shown as spaces: it cannot drive the terminal or break a column.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn delivery_state(answer: &OutboxEntry, zone: &TimeZone) -> String {
    let error = answer.last_error.as_deref().unwrap_or("");
    match answer.state {
        AnswerState::Sent => format!(
            "已发送 {}",
            answer.sent_at.map(|at| when(at, zone)).unwrap_or_default()
        ),
        AnswerState::Queued if answer.attempts > 0 => format!(
            "待重试（已试 {} 次，下次 {}）：{error}",
            answer.attempts,
            when(answer.next_attempt_at, zone)
        ),
        AnswerState::Queued => "排队待发".to_string(),
        AnswerState::Sending => "发送中".to_string(),
        AnswerState::Failed => format!("发送失败：{error}"),
        AnswerState::Suppressed => format!(
            "未发送：{}",
            answer.suppressed_reason.as_deref().unwrap_or("")
        ),
    }
}

/// What `resend` queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resent {
    pub original: AnswerKey,
    pub queued: AnswerKey,
    pub kind: AnswerKind,
    pub to: String,
}

/// Queues the latest answer about the application with `receipt` again, as a
/// new outbox entry with a new Message-ID and Date (the same bytes otherwise).
/// Refused while that answer is still queued or sending: it would go out twice.
/// An explicit operator action: logged.
pub fn resend(store: &mut dyn Store, receipt: &str, now: Timestamp) -> StaffResult<Resent> {
    let record = store
        .application_by_receipt(receipt.trim())?
        .ok_or_else(|| StaffError::UnknownReceipt(receipt.to_string()))?;
    let latest = store
        .outbox(&OutboxFilter {
            application: Some(record.key),
            ..OutboxFilter::default()
        })?
        .into_iter()
        .filter(|entry| entry.kind != AnswerKind::Digest)
        .max_by_key(|entry| (entry.queued_at, entry.key))
        .ok_or_else(|| StaffError::NothingToResend(record.receipt.clone()))?;
    // Suppressed before it was composed, or its bytes unreadable: nothing to copy.
    if latest.rfc5322.is_empty() {
        return Err(StaffError::NothingToResend(record.receipt));
    }
    if matches!(latest.state, AnswerState::Queued | AnswerState::Sending) {
        return Err(StaffError::StillInOutbox {
            receipt: record.receipt,
            answer: latest.key.0,
            state: latest.state.as_str(),
        });
    }
    let host = latest
        .message_id
        .rsplit_once('@')
        .map_or("shenbao.local", |(_, host)| host);
    let token = format!("resend{:x}{:08x}", now.as_second(), rand::random::<u32>());
    let new_id = message_id(&record.receipt, &token, host);
    let answer = OutgoingAnswer {
        kind: latest.kind,
        to: latest.to.clone(),
        subject: latest.subject.clone(),
        rfc5322: with_new_identity(&latest.rfc5322, &new_id, now).into(),
        message_id: new_id,
        applications: latest.applications.clone(),
        suppressed: None,
    };
    let queued = store.enqueue(&answer, latest.regarding, now)?;
    tracing::info!(
        receipt = %record.receipt,
        original = latest.key.0,
        queued = queued.0,
        to = %latest.to,
        "operator resend: answer queued again"
    );
    Ok(Resent {
        original: latest.key,
        queued,
        kind: latest.kind,
        to: latest.to,
    })
}

/// The message with its `Message-ID` and `Date` headers replaced (added when
/// missing); body and other headers untouched, byte for byte.
pub fn with_new_identity(raw: &[u8], message_id: &str, date: Timestamp) -> Vec<u8> {
    let (head, body) = match raw.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => (&raw[..end + 2], &raw[end + 2..]),
        None => (raw, &b""[..]),
    };
    let date_text = jiff::fmt::rfc2822::to_string(&date.to_zoned(TimeZone::UTC))
        .unwrap_or_else(|_| date.to_string());
    let mut out = Vec::with_capacity(raw.len() + 64);
    out.extend_from_slice(
        format!("Message-ID: <{message_id}>\r\nDate: {date_text}\r\n").as_bytes(),
    );
    let mut skipping = false;
    for line in head.split_inclusive(|&b| b == b'\n') {
        let continues = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continues {
            skipping = header_is(line, "message-id") || header_is(line, "date");
        }
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

fn header_is(line: &[u8], name: &str) -> bool {
    line.len() > name.len()
        && line[name.len()] == b':'
        && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_do_not_reach_the_terminal() {
        assert_eq!(printable("学会\u{1b}[2J\tA\nB"), "学会 [2J A B");
    }

    #[test]
    fn a_new_identity_replaces_message_id_and_date_only() {
        let raw =
            b"From: a@b.cn\r\nDate: Thu, 20 Aug 2020 02:15:00 +0000\r\nMessage-ID:\r\n <old@x>\r\n\
                    Subject: =?utf-8?b?5rWL6K+V?=\r\n\r\nbody\r\nMessage-ID: <in body>\r\n";
        let at = Timestamp::from_second(1_600_000_000).unwrap();
        let out = String::from_utf8(with_new_identity(raw, "new@x", at)).unwrap();
        assert!(
            out.starts_with("Message-ID: <new@x>\r\nDate: Sun, 13 Sep 2020 12:26:40 +0000\r\n")
        );
        assert!(!out.contains("<old@x>"));
        assert_eq!(out.matches("Date:").count(), 1);
        assert!(out.contains(
            "From: a@b.cn\r\nSubject: =?utf-8?b?5rWL6K+V?=\r\n\r\nbody\r\nMessage-ID: <in body>\r\n"
        ));
    }
}
