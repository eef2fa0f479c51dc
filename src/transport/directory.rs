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
