//! Secrets (mail passwords, 163 authorization codes 授权码): read from an
//! environment variable or a file named in the config, never from the config
//! itself, and never shown in `Debug` output or logs. One reader for every edge.

use std::fmt;
use std::path::Path;

/// A secret that prints as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself, for handing to a login only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Reads the secret now (so it can be rotated without a restart) from exactly one of
/// `env` (a variable's name) or `file` (a path; surrounding white space ignored).
/// The error says which setting is wrong, never the secret.
pub fn read_secret(env: Option<&str>, file: Option<&Path>) -> Result<Secret, String> {
    match (env, file) {
        (Some(_), Some(_)) => Err("give password_env or password_file, not both".into()),
        (None, None) => Err("neither password_env nor password_file is set".into()),
        (Some(name), None) => match std::env::var(name) {
            Ok(value) if !value.is_empty() => Ok(Secret(value)),
            _ => Err(format!(
                "environment variable {name} (password_env) is unset or empty"
            )),
        },
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read password_file {}: {e}", path.display()))?;
            let secret = text.trim();
            if secret.is_empty() {
                return Err(format!("password_file {} is empty", path.display()));
            }
            Ok(Secret(secret.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_trimmed_and_never_shows_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "  s3cret\n").unwrap();
        let secret = read_secret(None, Some(&path)).unwrap();
        assert_eq!(secret.expose(), "s3cret");
        assert!(!format!("{secret:?}").contains("s3cret"));
    }

    #[test]
    fn exactly_one_source() {
        assert!(read_secret(None, None).is_err());
        assert!(read_secret(Some("A"), Some(Path::new("/b"))).is_err());
        let err = read_secret(Some("SHENBAO_TEST_SURELY_UNSET_VARIABLE"), None).unwrap_err();
        assert!(err.contains("SHENBAO_TEST_SURELY_UNSET_VARIABLE"));
    }
}
