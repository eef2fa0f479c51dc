//! Whether a message may be answered at all (RFC 3834, and the rules of
//! Dovecot Pigeonhole's `vacation`, which secretaries' servers also follow).
//!
//! An automatic answer to an automatic message starts a mail loop or spams a
//! list. So nothing is answered that says it was sent automatically, came
//! through a list, is bulk, asks not to be auto-answered, came from a system
//! mailbox, from ourselves, or is a bounce. Pure: the per-sender rate limit
//! needs counts from the store, so the daemon decides it and reports
//! [`SuppressReason::RateLimited`].

use std::fmt;

use crate::message::ParsedMessage;

/// Why a message gets no answer. Written to the store and the staff digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuppressReason {
    /// A delivery status report (a bounce of something we sent).
    DeliveryReport,
    /// `Return-Path: <>`: RFC 3834 §2 forbids answering a null envelope sender.
    NullReturnPath,
    /// Neither From nor Reply-To holds an address.
    NoSender,
    /// From us, or asking the answer to go to us: answering would loop.
    OwnAddress,
    /// MAILER-DAEMON, postmaster, LISTSERV, majordomo, owner-*, *-request.
    SystemSender,
    /// `Auto-Submitted` other than `no` (RFC 3834 §5).
    AutoSubmitted,
    /// Any `List-*` header (RFC 2369, RFC 2919).
    MailingList,
    /// `Precedence: bulk`, `list` or `junk`.
    BulkPrecedence,
    /// `X-Auto-Response-Suppress: All` or `OOF` (Microsoft Exchange).
    AutoResponseSuppressed,
    /// The sender got too many answers lately; decided by the daemon from the store.
    RateLimited,
}

impl SuppressReason {
    pub const ALL: [SuppressReason; 10] = [
        SuppressReason::DeliveryReport,
        SuppressReason::NullReturnPath,
        SuppressReason::NoSender,
        SuppressReason::OwnAddress,
        SuppressReason::SystemSender,
        SuppressReason::AutoSubmitted,
        SuppressReason::MailingList,
        SuppressReason::BulkPrecedence,
        SuppressReason::AutoResponseSuppressed,
        SuppressReason::RateLimited,
    ];

    /// Stable name, as stored and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressReason::DeliveryReport => "delivery_report",
            SuppressReason::NullReturnPath => "null_return_path",
            SuppressReason::NoSender => "no_sender",
            SuppressReason::OwnAddress => "own_address",
            SuppressReason::SystemSender => "system_sender",
            SuppressReason::AutoSubmitted => "auto_submitted",
            SuppressReason::MailingList => "mailing_list",
            SuppressReason::BulkPrecedence => "bulk_precedence",
            SuppressReason::AutoResponseSuppressed => "auto_response_suppressed",
            SuppressReason::RateLimited => "rate_limited",
        }
    }

    pub fn parse(name: &str) -> Option<SuppressReason> {
        SuppressReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == name)
    }
}

impl fmt::Display for SuppressReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `Ok(())` when `parsed` may get an automatic answer; else the first reason it may not.
///
/// `own_address` is the mailbox answers are sent from. Header names in
/// `parsed.auto_headers` are lower-case; `return-path` is honoured when the
/// parser recorded it there.
pub fn should_answer(parsed: &ParsedMessage, own_address: &str) -> Result<(), SuppressReason> {
    if parsed.is_delivery_report {
        return Err(SuppressReason::DeliveryReport);
    }
    let headers = &parsed.auto_headers;
    let header_values = |name: &'static str| {
        headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v)
    };

    if header_values("return-path").any(|value| bare_address(value).is_empty()) {
        return Err(SuppressReason::NullReturnPath);
    }
    let from = parsed
        .from
        .as_deref()
        .map(bare_address)
        .filter(|a| !a.is_empty());
    let reply_to = parsed
        .reply_to
        .as_deref()
        .map(bare_address)
        .filter(|a| !a.is_empty());
    let Some(answer_to) = reply_to.or(from) else {
        return Err(SuppressReason::NoSender);
    };
    let senders = [from, Some(answer_to)];
    let own = bare_address(own_address);
    if senders
        .iter()
        .flatten()
        .any(|a| a.eq_ignore_ascii_case(own))
    {
        return Err(SuppressReason::OwnAddress);
    }
    if senders.iter().flatten().any(|a| is_system_address(a)) {
        return Err(SuppressReason::SystemSender);
    }
    if header_values("auto-submitted").any(|value| {
        let keyword = first_token(value);
        !keyword.is_empty() && !keyword.eq_ignore_ascii_case("no")
    }) {
        return Err(SuppressReason::AutoSubmitted);
    }
    if headers.iter().any(|(name, _)| name.starts_with("list-")) {
        return Err(SuppressReason::MailingList);
    }
    if header_values("precedence").any(|value| {
        let precedence = first_token(value);
        ["bulk", "list", "junk"]
            .iter()
            .any(|p| precedence.eq_ignore_ascii_case(p))
    }) {
        return Err(SuppressReason::BulkPrecedence);
    }
    if header_values("x-auto-response-suppress").any(|value| {
        value
            .split(',')
            .map(str::trim)
            .any(|flag| flag.eq_ignore_ascii_case("all") || flag.eq_ignore_ascii_case("oof"))
    }) {
        return Err(SuppressReason::AutoResponseSuppressed);
    }
    Ok(())
}

/// Mailboxes run by software, per Pigeonhole's `vacation` plus postmaster
/// (RFC 3834 §2: never answer those).
fn is_system_address(address: &str) -> bool {
    let local = address
        .rsplit_once('@')
        .map_or(address, |(local, _)| local)
        .to_ascii_lowercase();
    matches!(
        local.as_str(),
        "mailer-daemon" | "postmaster" | "listserv" | "majordomo"
    ) || local.starts_with("owner-")
        || local.ends_with("-request")
}

/// The address without surrounding white space or angle brackets.
fn bare_address(raw: &str) -> &str {
    let trimmed = raw.trim();
    trimmed
        .strip_prefix('<')
        .and_then(|rest| rest.strip_suffix('>'))
        .unwrap_or(trimmed)
        .trim()
}

/// A header's keyword: up to the first `;`, `(` (comment) or white space.
fn first_token(value: &str) -> &str {
    let value = value.trim();
    let end = value
        .find(|c: char| c == ';' || c == '(' || c.is_whitespace())
        .unwrap_or(value.len());
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "czkxxhb@163.com";

    fn message(from: &str, headers: &[(&str, &str)]) -> ParsedMessage {
        ParsedMessage {
            from: Some(from.to_string()),
            subject: "申报材料".to_string(),
            auto_headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..ParsedMessage::default()
        }
    }

    /// (case name, From, headers, expected)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        Result<(), SuppressReason>,
    );

    #[test]
    fn suppression_table() {
        let secretary = "secretary@qq.com";
        #[rustfmt::skip]
        let cases: &[Case] = &[
            ("plain message", secretary, &[], Ok(())),
            ("Auto-Submitted: no", secretary, &[("auto-submitted", "no")], Ok(())),
            ("Auto-Submitted: No (comment)", secretary, &[("auto-submitted", " No (by hand)")], Ok(())),
            ("auto-replied", secretary, &[("auto-submitted", "auto-replied")], Err(SuppressReason::AutoSubmitted)),
            ("auto-generated", secretary, &[("auto-submitted", "auto-generated")], Err(SuppressReason::AutoSubmitted)),
            ("auto-notified with params", secretary, &[("auto-submitted", "auto-notified; owner-email=\"x@y\"")], Err(SuppressReason::AutoSubmitted)),
            ("List-Id", secretary, &[("list-id", "<members.example.org>")], Err(SuppressReason::MailingList)),
            ("List-Unsubscribe", secretary, &[("list-unsubscribe", "<mailto:u@example.org>")], Err(SuppressReason::MailingList)),
            ("Precedence: bulk", secretary, &[("precedence", "bulk")], Err(SuppressReason::BulkPrecedence)),
            ("Precedence: List", secretary, &[("precedence", "List")], Err(SuppressReason::BulkPrecedence)),
            ("Precedence: junk", secretary, &[("precedence", "junk")], Err(SuppressReason::BulkPrecedence)),
            ("Precedence: first-class", secretary, &[("precedence", "first-class")], Ok(())),
            ("X-Auto-Response-Suppress: All", secretary, &[("x-auto-response-suppress", "All")], Err(SuppressReason::AutoResponseSuppressed)),
            ("X-Auto-Response-Suppress: DR, OOF", secretary, &[("x-auto-response-suppress", "DR, OOF")], Err(SuppressReason::AutoResponseSuppressed)),
            ("X-Auto-Response-Suppress: DR, RN", secretary, &[("x-auto-response-suppress", "DR, RN")], Ok(())),
            ("MAILER-DAEMON", "MAILER-DAEMON@mx.qq.com", &[], Err(SuppressReason::SystemSender)),
            ("postmaster", "Postmaster@163.com", &[], Err(SuppressReason::SystemSender)),
            ("owner-*", "owner-members@example.org", &[], Err(SuppressReason::SystemSender)),
            ("*-request", "members-request@example.org", &[], Err(SuppressReason::SystemSender)),
            ("LISTSERV", "listserv@example.org", &[], Err(SuppressReason::SystemSender)),
            ("our own address", "CZKXXHB@163.com", &[], Err(SuppressReason::OwnAddress)),
            ("our own address in brackets", "<czkxxhb@163.com>", &[], Err(SuppressReason::OwnAddress)),
            ("null return path", secretary, &[("return-path", "<>")], Err(SuppressReason::NullReturnPath)),
            ("return path given", secretary, &[("return-path", "<secretary@qq.com>")], Ok(())),
        ];
        for (name, from, headers, expected) in cases {
            assert_eq!(
                should_answer(&message(from, headers), OWN),
                *expected,
                "case: {name}"
            );
        }
    }

    #[test]
    fn delivery_report_is_never_answered() {
        let mut bounce = message("secretary@qq.com", &[]);
        bounce.is_delivery_report = true;
        assert_eq!(
            should_answer(&bounce, OWN),
            Err(SuppressReason::DeliveryReport)
        );
    }

    #[test]
    fn reply_to_decides_too() {
        let mut to_us = message("secretary@qq.com", &[]);
        to_us.reply_to = Some(OWN.to_string());
        assert_eq!(should_answer(&to_us, OWN), Err(SuppressReason::OwnAddress));

        let mut to_daemon = message("secretary@qq.com", &[]);
        to_daemon.reply_to = Some("mailer-daemon@qq.com".to_string());
        assert_eq!(
            should_answer(&to_daemon, OWN),
            Err(SuppressReason::SystemSender)
        );

        let mut only_reply_to = message("", &[]);
        only_reply_to.from = None;
        only_reply_to.reply_to = Some("secretary@qq.com".to_string());
        assert_eq!(should_answer(&only_reply_to, OWN), Ok(()));
    }

    #[test]
    fn no_address_no_answer() {
        let mut anonymous = message("", &[]);
        assert_eq!(
            should_answer(&anonymous, OWN),
            Err(SuppressReason::NoSender)
        );
        anonymous.from = None;
        assert_eq!(
            should_answer(&anonymous, OWN),
            Err(SuppressReason::NoSender)
        );
    }

    #[test]
    fn reason_names_round_trip() {
        for reason in SuppressReason::ALL {
            assert_eq!(SuppressReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(SuppressReason::RateLimited.as_str(), "rate_limited");
    }
}
