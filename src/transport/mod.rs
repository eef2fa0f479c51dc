//! How queued answers leave: over SMTP, or into a directory as `.eml` files.
//!
//! The outbox (the daemon's) hands over finished bytes from
//! [`compose`](fn@crate::notice::compose) with their envelope; a [`Transport`] delivers
//! them or says, as a [`SendError`], whether to retry, wait for tomorrow, or
//! give up. The retry schedule is [`retry_delay`]. This module is the only
//! user of lettre's SMTP transport; it knows nothing of notices or the store.
//!
//! The envelope sender is always our own account, never null and never
//! another address: 163 refuses any MAIL FROM other than the logged-in user
//! (`553 Mail from must equal authorized user`).

pub mod config;
pub mod directory;
pub mod error;
pub mod retry;
pub mod smtp;

use lettre::Address;
use lettre::address::Envelope;

pub use config::{DirectoryConfig, Password, SetupError, SmtpConfig, TlsMode, TransportConfig};
pub use directory::DirectoryTransport;
pub use error::SendError;
pub use retry::{retry_delay, retry_delay_base};
pub use smtp::SmtpTransport;

/// One way out for queued messages.
#[derive(Debug)]
pub enum Transport {
    Smtp(SmtpTransport),
    Directory(DirectoryTransport),
}

impl Transport {
    /// Builds the configured transport, reading the password and the CA file.
    /// Nothing connects until the first send.
    pub fn from_config(config: &TransportConfig) -> Result<Transport, SetupError> {
        match config {
            TransportConfig::Smtp(smtp) => {
                let password = smtp.load_password()?;
                Ok(Transport::Smtp(SmtpTransport::new(smtp, password)?))
            }
            TransportConfig::Directory(directory) => {
                Ok(Transport::Directory(DirectoryTransport::new(directory)?))
            }
        }
    }

    /// Our address: From of every answer and the envelope sender.
    pub fn account(&self) -> &Address {
        match self {
            Transport::Smtp(smtp) => smtp.account(),
            Transport::Directory(directory) => directory.account(),
        }
    }

    /// Delivers `bytes` (a whole RFC 5322 message) to `recipients`.
    /// `envelope_from` must be our account ([`Transport::account`]).
    pub async fn send(
        &mut self,
        envelope_from: &str,
        recipients: &[String],
        bytes: &[u8],
    ) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(envelope_from, recipients, bytes).await,
            Transport::Directory(directory) => {
                directory.send(envelope_from, recipients, bytes).await
            }
        }
    }

    /// Closes a kept SMTP connection; call before the runtime stops.
    pub async fn shutdown(&self) {
        if let Transport::Smtp(smtp) = self {
            smtp.shutdown().await;
        }
    }
}

/// The SMTP envelope, refused before any connection when it could not pass:
/// a sender other than our account is a settings bug (`Setup`); a recipient
/// that is no address will never become one (`Permanent`).
fn envelope(
    account: &Address,
    envelope_from: &str,
    recipients: &[String],
) -> Result<Envelope, SendError> {
    let sender: Address = envelope_from.trim().parse().map_err(|_| SendError::Setup {
        detail: format!("envelope sender {envelope_from:?} is not an address"),
    })?;
    let sender_text: &str = sender.as_ref();
    if !sender_text.eq_ignore_ascii_case(account.as_ref()) {
        return Err(SendError::Setup {
            detail: format!("envelope sender {sender} is not the account {account}"),
        });
    }
    let to = recipients
        .iter()
        .map(|recipient| {
            recipient
                .trim()
                .parse::<Address>()
                .map_err(|_| SendError::Permanent {
                    code: None,
                    detail: format!("recipient {recipient:?} is not an address"),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if to.is_empty() {
        return Err(SendError::Permanent {
            code: None,
            detail: "no recipient".into(),
        });
    }
    Envelope::new(Some(sender), to).map_err(|e| SendError::Permanent {
        code: None,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Address {
        "czkxxhb@163.com".parse().expect("address")
    }

    #[test]
    fn envelope_sender_must_be_the_account() {
        let to = vec!["secretary@qq.com".to_string()];
        assert!(envelope(&account(), "CZKXXHB@163.com", &to).is_ok());
        for sender in ["other@163.com", "", "<>"] {
            let refused = envelope(&account(), sender, &to);
            assert!(
                matches!(refused, Err(SendError::Setup { .. })),
                "{sender:?}: {refused:?}"
            );
        }
    }

    #[test]
    fn bad_or_missing_recipients_are_permanent() {
        for to in [vec![], vec!["not an address".to_string()]] {
            let refused = envelope(&account(), "czkxxhb@163.com", &to);
            assert!(
                matches!(refused, Err(SendError::Permanent { .. })),
                "{to:?}: {refused:?}"
            );
        }
    }
}
