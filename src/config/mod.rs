//! Configuration: the daemon settings, the call (rules of one year's call, as
//! data), the roster of eligible societies, and the limits on hostile input.
//!
//! Parse, then resolve: serde reads raw files, which are validated into the
//! types here. Only validated types reach `form/` and `rules/`. Nothing of the
//! 2020 call is in code: next year's call is a new file under `config/`.

pub mod call;
pub mod limits;
pub mod roster;
pub mod secret;
pub mod settings;

pub use call::{AmountRule, Call, Category, FieldKind, FieldSpec, MoneyUnit, SubCategory};
pub use limits::Limits;
pub use roster::{Roster, Society};
pub use secret::{Secret, read_secret};
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

/// Reads a configuration file as UTF-8 text.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.display().to_string(),
        line: None,
        key: None,
        message: e.to_string(),
    })
}

/// Deserializes TOML, turning serde's error into one that names file, line and key.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError {
        file: file.to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        key: None,
        message: e.message().to_string(),
    })
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
