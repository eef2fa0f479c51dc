//! The store's one error type; no backend type shows in it.

use std::path::PathBuf;

use super::filing::RenderError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing a content-addressed file.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database failed (locked past the timeout, disk full, ...).
    #[error("database: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database was written by a newer shenbao, or a migration failed.
    #[error("schema: {0}")]
    Schema(String),
    #[error("no {what} {key}")]
    NotFound { what: &'static str, key: String },
    /// An operation that needs a thing in one state found it in another
    /// (filing a message twice, marking an answer sent that is not sending).
    #[error("{what} {key} is {found}, expected {expected}")]
    WrongState {
        what: &'static str,
        key: String,
        found: String,
        expected: &'static str,
    },
    /// Something in the store that this binary cannot read (an unknown state text,
    /// a blob whose bytes no longer hash to its name).
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The render closure of `file` failed; nothing was filed.
    #[error("rendering the answers: {0}")]
    Render(#[source] RenderError),
    /// A value the store cannot keep (an index past the attachments, a size past i64).
    #[error("invalid filing: {0}")]
    Invalid(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
