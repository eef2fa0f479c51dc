//! The daemon settings file (`config/shenbao.toml`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ConfigError, Limits};

/// Settings as used; relative paths are resolved against the settings file's folder.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the settings were read from.
    pub file: PathBuf,
    /// The call file, e.g. config/call-2020.toml.
    pub call: PathBuf,
    pub roster: PathBuf,
    pub limits: Limits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    call: PathBuf,
    roster: PathBuf,
    #[serde(default)]
    limits: Limits,
}

impl Settings {
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = super::read_text(path)?;
        let raw: RawSettings = super::parse_toml(&text, &path.display().to_string())?;
        let base = path.parent().unwrap_or(Path::new("."));
        Ok(Settings {
            file: path.to_path_buf(),
            call: base.join(raw.call),
            roster: base.join(raw.roster),
            limits: raw.limits,
        })
    }
}
