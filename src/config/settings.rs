//! The daemon settings file (`config/shenbao.toml`).

use std::path::PathBuf;

use super::Limits;

/// Settings as read; paths relative to the settings file are resolved by `load`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The call file, e.g. config/call-2020.toml.
    pub call: PathBuf,
    pub roster: PathBuf,
    pub limits: Limits,
}

impl Settings {
    pub fn load(path: &std::path::Path) -> Result<Settings, super::ConfigError> {
        let _ = path;
        todo!("config helper")
    }
}
