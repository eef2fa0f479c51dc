//! What can go wrong on the staff side; each names the step that failed.

use crate::notice::ComposeError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("reading the store: {0}")]
    Store(#[from] StoreError),
    #[error("writing the summary workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    #[error("rendering the digest: {0}")]
    Template(#[from] minijinja::Error),
    #[error("composing the digest mail: {0}")]
    Compose(#[from] ComposeError),
    #[error("no application with receipt {0}")]
    UnknownReceipt(String),
    #[error("application {0} has no answer to send again")]
    NothingToResend(String),
    #[error(
        "the latest answer about {receipt} (#{answer}) is still {state} in the outbox: it will go out without a resend"
    )]
    StillInOutbox {
        receipt: String,
        answer: i64,
        state: &'static str,
    },
}

pub type StaffResult<T> = Result<T, StaffError>;
