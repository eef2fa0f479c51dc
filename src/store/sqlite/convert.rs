//! Between SQLite values and the store's types: times, states, sizes, hashes.
//! Anything unreadable becomes [`StoreError::Corrupt`], never a panic.

use jiff::Timestamp;

use crate::store::error::{StoreError, StoreResult};
use crate::store::model::ContentHash;
use crate::verdict::{Code, Deficiency, Status};

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Backend(Box::new(error))
    }
}

/// Times are kept as Unix seconds: mail dates carry no finer precision.
pub fn time_to_sql(time: Timestamp) -> i64 {
    time.as_second()
}

pub fn time_from_sql(seconds: i64) -> StoreResult<Timestamp> {
    Timestamp::from_second(seconds)
        .map_err(|error| StoreError::Corrupt(format!("time {seconds}: {error}")))
}

pub fn optional_time_from_sql(seconds: Option<i64>) -> StoreResult<Option<Timestamp>> {
    seconds.map(time_from_sql).transpose()
}

pub fn size_to_sql(size: usize) -> StoreResult<i64> {
    i64::try_from(size).map_err(|_| StoreError::Invalid(format!("size {size} too large")))
}

pub fn size_from_sql(size: i64) -> StoreResult<u64> {
    u64::try_from(size).map_err(|_| StoreError::Corrupt(format!("negative size {size}")))
}

pub fn count_from_sql(count: i64) -> StoreResult<u32> {
    u32::try_from(count).map_err(|_| StoreError::Corrupt(format!("count {count} out of range")))
}

/// What a query for the row `id` of `what` found, or `NotFound` if it found nothing.
pub fn found<T>(row: Option<T>, what: &'static str, id: i64) -> StoreResult<T> {
    row.ok_or_else(|| StoreError::NotFound {
        what,
        key: id.to_string(),
    })
}

pub fn hash_from_sql(text: &str) -> StoreResult<ContentHash> {
    ContentHash::from_hex(text).ok_or_else(|| StoreError::Corrupt(format!("sha256 {text:?}")))
}

/// Parses a state text with the parser of its enum.
pub fn parse_text<T>(what: &str, text: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {text:?}")))
}

pub fn status_from_sql(text: &str) -> StoreResult<Status> {
    parse_text("status", text, Status::parse)
}

/// A deficiency row: (code, field, cell, text).
pub fn deficiency_from_sql(
    code: &str,
    field: Option<String>,
    cell: Option<String>,
    message: String,
) -> StoreResult<Deficiency> {
    Ok(Deficiency {
        code: parse_text("deficiency code", code, Code::parse)?,
        field,
        cell,
        message,
    })
}
