//! Configuration: the daemon settings, the call (rules of one year's call, as
//! data), the roster of eligible societies, and the limits on hostile input.
//!
//! Parse, then resolve: serde reads raw files, which are validated into the
//! types here. Only validated types reach `form/` and `rules/`. Nothing of the
//! 2020 call is in code: next year's call is a new file under `config/`.

pub mod call;
pub mod limits;
pub mod roster;
pub mod settings;

pub use call::{AmountRule, Call, Category, FieldKind, FieldSpec, MoneyUnit, SubCategory};
pub use limits::Limits;
pub use roster::{Roster, Society};
pub use settings::Settings;

/// A configuration file that could not be used: names the file, the line and the key.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default(), key.as_deref().map(|k| format!(" (key `{k}`)")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}
