//! "Sending" by writing each message as an `.eml` file into a directory: the
//! default beside a local Maildir (staff or a relay pick the files up), and
//! what tests read back.
//!
//! Written by hand rather than with lettre's file transport, for two things it
//! does not do:
//! - **Whole files only.** Each message is written to a hidden temporary name
//!   and renamed into place, so whoever watches the directory never sees half a
//!   message.
//! - **The same answer, the same file.** A file is named by its bytes'
//!   SHA-256. The sender writes an answer again only when a crash came between
//!   the write and its `sent` mark, with the same bytes (kept in the outbox):
//!   the rename then replaces the file, and no second copy appears.
//!
//! Not synced to disk, as lettre did not either: after a power cut the last
//! answers may be missing from the directory while the outbox has them as sent.

use std::io::Write;
use std::path::{Path, PathBuf};

use lettre::Address;
use sha2::{Digest, Sha256};

use super::config::{DirectoryConfig, SetupError};
use super::{SendError, envelope};

#[derive(Debug)]
pub struct DirectoryTransport {
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
        envelope(&self.account, envelope_from, recipients)?;
        let directory = self.path.clone();
        let bytes = bytes.to_vec();
        let written = tokio::task::spawn_blocking(move || write_whole(&directory, &bytes))
            .await
            .unwrap_or_else(|_| Err(std::io::Error::other("the writing thread panicked")));
        match written {
            Ok(file) => {
                tracing::debug!(file = %file.display(), "written");
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

/// Writes `bytes` as `<sha256>.eml` in `directory` by way of a hidden temporary
/// file; returns the file's path.
fn write_whole(directory: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let name = hex::encode(&Sha256::digest(bytes)[..16]);
    let file = directory.join(format!("{name}.eml"));
    // Unique per writer: two processes writing the same answer do not share it.
    let temporary = directory.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut out| out.write_all(bytes))
        .and_then(|()| std::fs::rename(&temporary, &file));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map(|()| file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transport writing into `path` for apply@example.test.
    fn into(path: &Path) -> DirectoryTransport {
        let config = DirectoryConfig {
            path: path.to_path_buf(),
            from: "apply@example.test".into(),
        };
        DirectoryTransport::new(&config).expect("builds")
    }

    #[tokio::test]
    async fn message_lands_as_an_eml_file_with_its_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outbox = dir.path().join("sent");
        // Made by the transport: it does not exist yet.
        let mut transport = into(&outbox);
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

    /// An answer written again after a crash (same bytes) replaces its file;
    /// another answer gets a file of its own; no temporary file is left.
    #[tokio::test]
    async fn the_same_bytes_twice_leave_one_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut transport = into(dir.path());
        let to = ["a@b.test".to_string()];
        let first = b"Message-ID: <1@x>\r\n\r\none\r\n";
        let second = b"Message-ID: <2@x>\r\n\r\ntwo\r\n";
        for bytes in [&first[..], &first[..], &second[..]] {
            transport
                .send("apply@example.test", &to, bytes)
                .await
                .expect("written");
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.iter().all(|name| name.ends_with(".eml")), "{names:?}");
        let contents: Vec<Vec<u8>> = names
            .iter()
            .map(|name| std::fs::read(dir.path().join(name)).expect("read"))
            .collect();
        assert!(contents.contains(&first.to_vec()) && contents.contains(&second.to_vec()));
    }

    #[tokio::test]
    async fn envelope_is_checked_as_for_smtp() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut transport = into(dir.path());
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
