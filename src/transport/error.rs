//! Why a send failed, sorted by what the outbox must do next.
//!
//! 163 Mail's replies (as documented by NetEase, seen 2020) drive the sorting:
//! `451 MI:SFQ` (too many in 15 minutes) and `421` are worth a retry later;
//! `550 RP:TRC` / `550 MI:STC` mean the account hit its daily quota and every
//! further attempt today is wasted and counts against us; `554 DT:SPM` (judged
//! spam) will not pass however often it is retried.

use std::error::Error as StdError;

use lettre::transport::smtp;

/// What the outbox does with the message, by variant:
///
/// | variant | the message | the outbox |
/// |---|---|---|
/// | `Transient` | retry after [`super::retry_delay`] | goes on |
/// | `Network` | retry after [`super::retry_delay`] | goes on |
/// | `DailyLimit` | stays queued | stops sending until the next day; tell staff |
/// | `Permanent` | failed, not retried; tell staff | goes on |
/// | `Setup` | stays queued | stops; tell the administrator (login, TLS, sender) |
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// A 4xx reply (incl. 421, 451 MI:SFQ), or a local write that may succeed later.
    #[error("temporary failure{}: {detail}", reply_code(*code))]
    Transient { code: Option<u16>, detail: String },
    /// The account's daily quota is used up (550 RP:TRC / MI:STC).
    #[error("daily sending limit reached ({code}): {detail}")]
    DailyLimit { code: u16, detail: String },
    /// Any other 5xx, or a recipient that is no address: this message will never pass.
    #[error("permanent failure{}: {detail}", reply_code(*code))]
    Permanent { code: Option<u16>, detail: String },
    /// No connection, a timeout, a connection dropped mid-transaction.
    #[error("network failure: {detail}")]
    Network { detail: String },
    /// Nothing can be sent until the settings are fixed: login refused,
    /// certificate not trusted, envelope sender not the login.
    #[error("transport unusable as configured: {detail}")]
    Setup { detail: String },
}

impl SendError {
    /// Stable name, as stored and logged.
    pub fn as_str(&self) -> &'static str {
        match self {
            SendError::Transient { .. } => "transient",
            SendError::DailyLimit { .. } => "daily_limit",
            SendError::Permanent { .. } => "permanent",
            SendError::Network { .. } => "network",
            SendError::Setup { .. } => "setup",
        }
    }

    /// True when this message should be tried again after a backoff.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SendError::Transient { .. } | SendError::Network { .. }
        )
    }

    /// Sorts a negative SMTP reply by its code and text.
    pub fn from_reply(code: u16, text: &str) -> SendError {
        let detail = format!("{code} {}", text.trim());
        // 163's daily quota markers; seen with 550, matched on any 5xx.
        let daily_limit = ["RP:TRC", "MI:STC"].iter().any(|m| text.contains(m));
        // 530 auth required, 534 mechanism too weak, 535 credentials refused, 538 needs TLS.
        let login_refused = matches!(code, 530 | 534 | 535 | 538);
        // 163: "553 Mail from must equal authorized user".
        let sender_refused = code == 553 && text.to_ascii_lowercase().contains("authorized user");
        match code {
            400..=499 => SendError::Transient {
                code: Some(code),
                detail,
            },
            500..=599 if daily_limit => SendError::DailyLimit { code, detail },
            500..=599 if login_refused || sender_refused => SendError::Setup { detail },
            500..=599 => SendError::Permanent {
                code: Some(code),
                detail,
            },
            // Not a negative reply at all: lettre would not report one; retrying is harmless.
            _ => SendError::Transient {
                code: Some(code),
                detail,
            },
        }
    }

    /// Sorts a lettre SMTP error.
    pub fn from_smtp(error: &smtp::Error) -> SendError {
        if let Some(code) = error.status() {
            // The source is the server's reply text, every line joined.
            let reply = error.source().map(ToString::to_string).unwrap_or_default();
            return SendError::from_reply(u16::from(code), &reply);
        }
        let detail = error.to_string();
        if error.is_timeout() {
            return SendError::Network { detail };
        }
        if certificate_refused(error) {
            return SendError::Setup { detail };
        }
        // lettre's client errors: no common AUTH mechanism, no STARTTLS offered,
        // no 8BITMIME; the server and the settings disagree, so retrying cannot help.
        if error.is_client() {
            return SendError::Setup { detail };
        }
        SendError::Network { detail }
    }
}

fn reply_code(code: Option<u16>) -> String {
    code.map(|c| format!(" ({c})")).unwrap_or_default()
}

/// True when somewhere in the chain rustls refused the server's certificate.
/// tokio-rustls wraps the rustls error in an `io::Error`, whose `source()`
/// skips it, so each `io::Error` is opened with `get_ref`.
fn certificate_refused(error: &smtp::Error) -> bool {
    use tokio_rustls::rustls;
    let mut next: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(current) = next {
        let inner = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn StdError + 'static));
        for candidate in [Some(current), inner].into_iter().flatten() {
            if let Some(tls) = candidate.downcast_ref::<rustls::Error>()
                && matches!(
                    tls,
                    rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
                )
            {
                return true;
            }
        }
        next = inner
            .and_then(StdError::source)
            .or_else(|| current.source());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_sorted_as_163_means_them() {
        #[rustfmt::skip]
        let cases: &[(u16, &str, &str)] = &[
            (451, "MI:SFQ 发信人在15分钟内发送的邮件数量超过限制", "transient"),
            (421, "HL:ICC too many connections", "transient"),
            (450, "MI:DMC too many mails in this connection", "transient"),
            (451, "DT:SPM please try again", "transient"),
            (550, "User has no permission", "permanent"),
            (550, "RP:TRC 发件人当天内累计邮件数量超过限制", "daily_limit"),
            (550, "MI:STC 发件人当天内累计邮件数量超过限制", "daily_limit"),
            (554, "DT:SPM 发送的邮件内容包含了未被许可的信息", "permanent"),
            (550, "5.1.1 User unknown in virtual mailbox table", "permanent"),
            (535, "Error: authentication failed", "setup"),
            (553, "Mail from must equal authorized user", "setup"),
            (553, "5.1.3 Bad recipient address syntax", "permanent"),
        ];
        for (code, text, expected) in cases {
            let sorted = SendError::from_reply(*code, text);
            assert_eq!(sorted.as_str(), *expected, "{code} {text}: {sorted}");
        }
    }

    #[test]
    fn only_transient_and_network_are_retried() {
        assert!(SendError::from_reply(451, "MI:SFQ").is_retryable());
        assert!(
            SendError::Network {
                detail: "reset".into()
            }
            .is_retryable()
        );
        assert!(!SendError::from_reply(550, "RP:TRC").is_retryable());
        assert!(!SendError::from_reply(554, "DT:SPM").is_retryable());
        assert!(!SendError::Setup { detail: "x".into() }.is_retryable());
    }

    #[test]
    fn daily_limit_keeps_the_code() {
        assert_eq!(
            SendError::from_reply(550, "MI:STC"),
            SendError::DailyLimit {
                code: 550,
                detail: "550 MI:STC".into()
            }
        );
    }
}
