//! "Sending" by writing each message as `<uuid>.eml` into a directory: the
//! default beside a local Maildir (staff or a relay pick the files up), and
//! what tests read back.
//!
//! lettre writes the file in place, not via a temporary name: a watcher may
//! see a file before its last byte. Whoever picks files up should wait for
//! them to stop growing (or this can move to write-then-rename).

use std::path::{Path, PathBuf};

use lettre::{Address, AsyncFileTransport, AsyncTransport, Tokio1Executor};

use super::config::{DirectoryConfig, SetupError};
use super::{SendError, envelope};

#[derive(Debug)]
pub struct DirectoryTransport {
    inner: AsyncFileTransport<Tokio1Executor>,
    path: PathBuf,
    account: Address,
}

impl DirectoryTransport {
    /// Creates the directory when missing.
    pub fn new(config: &DirectoryConfig) -> Result<DirectoryTransport, SetupError> {
        let account: Address = config
            .from
            .trim()
            .parse()
            .map_err(|_| SetupError::Address(config.from.clone()))?;
        std::fs::create_dir_all(&config.path).map_err(|source| SetupError::Directory {
            path: config.path.display().to_string(),
            source,
        })?;
        Ok(DirectoryTransport {
            inner: AsyncFileTransport::new(&config.path),
            path: config.path.clone(),
            account,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn account(&self) -> &Address {
        &self.account
    }

    /// Checks the envelope as SMTP would, then writes the bytes unchanged.
    pub async fn send(
        &mut self,
        envelope_from: &str,
        recipients: &[String],
        bytes: &[u8],
    ) -> Result<(), SendError> {
        let envelope = envelope(&self.account, envelope_from, recipients)?;
        match self.inner.send_raw(&envelope, bytes).await {
            Ok(id) => {
                tracing::debug!(path = %self.path.display(), %id, "written");
                Ok(())
            }
            // A full disk or a permission fixed later: worth retrying.
            Err(error) => Err(SendError::Transient {
                code: None,
                detail: format!("writing into {}: {error}", self.path.display()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn message_lands_as_an_eml_file_with_its_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outbox = dir.path().join("sent");
        let config = DirectoryConfig {
            path: outbox.clone(),
            from: "apply@example.test".into(),
        };
        let mut transport = DirectoryTransport::new(&config).expect("builds");
        let bytes = b"From: apply@example.test\r\nTo: a@b.test\r\nSubject: x\r\n\r\nbody\r\n";
        transport
            .send("apply@example.test", &["a@b.test".to_string()], bytes)
            .await
            .expect("written");

        let files: Vec<PathBuf> = std::fs::read_dir(&outbox)
            .expect("directory exists")
            .map(|entry| entry.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
        assert_eq!(std::fs::read(&files[0]).expect("read"), bytes);
    }

    #[tokio::test]
    async fn envelope_is_checked_as_for_smtp() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = DirectoryConfig {
            path: dir.path().to_path_buf(),
            from: "apply@example.test".into(),
        };
        let mut transport = DirectoryTransport::new(&config).expect("builds");
        let refused = transport
            .send("someone@else.test", &["a@b.test".to_string()], b"x")
            .await;
        assert!(
            matches!(refused, Err(SendError::Setup { .. })),
            "{refused:?}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}
