//! File-level Maildir helpers: names (`base:2,FLAGS`), listings, durable writes.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::mailbox::{MailboxError, MailboxErrorKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subdir {
    Tmp,
    New,
    Cur,
}

impl Subdir {
    pub fn name(self) -> &'static str {
        match self {
            Subdir::Tmp => "tmp",
            Subdir::New => "new",
            Subdir::Cur => "cur",
        }
    }
}

/// One message file as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaildirFile {
    pub path: PathBuf,
    pub file_name: String,
    /// The unique part before `:`, kept by every reader that renames the file.
    pub base: String,
    /// The flag letters after `:2,`; empty when there is no (or another version of) info.
    pub flags: String,
    pub modified: Option<SystemTime>,
}

impl MaildirFile {
    /// `None` for names that are not messages: dot files, and names no line-based list could
    /// hold.
    pub fn from_path(path: &Path) -> Option<MaildirFile> {
        let file_name = path.file_name()?.to_str()?.to_string();
        if file_name.starts_with('.') || file_name.contains(['\n', '\r']) {
            return None;
        }
        let (base, info) = match file_name.split_once(':') {
            Some((base, info)) => (base, Some(info)),
            None => (file_name.as_str(), None),
        };
        if base.is_empty() {
            return None;
        }
        let flags = info
            .and_then(|info| info.strip_prefix("2,"))
            .unwrap_or("")
            .to_string();
        Some(MaildirFile {
            path: path.to_path_buf(),
            base: base.to_string(),
            flags,
            file_name,
            modified: None,
        })
    }
}

/// `flags` with `flag` added, kept in ASCII order as the Maildir convention asks.
pub fn add_flag(flags: &str, flag: char) -> String {
    let mut letters: Vec<char> = flags.chars().collect();
    if !letters.contains(&flag) {
        letters.push(flag);
    }
    letters.sort_unstable();
    letters.into_iter().collect()
}

/// A Maildir++ folder name must stay one directory inside the Maildir.
pub fn check_folder_name(folder: &str) -> Result<(), MailboxError> {
    let bad =
        folder.is_empty() || folder.starts_with('.') || folder.contains(['/', '\\', '\0', '\n']);
    if bad {
        return Err(MailboxError::new(
            MailboxErrorKind::Config,
            format!("after_filing folder {folder:?} is not usable as a Maildir++ folder name"),
        ));
    }
    Ok(())
}

/// Message files in one subdirectory (regular files only).
pub async fn list(root: &Path, subdir: Subdir) -> Result<Vec<MaildirFile>, MailboxError> {
    let dir = root.join(subdir.name());
    let mut entries = tokio::fs::read_dir(&dir)
        .await
        .map_err(|error| io_error(&dir, "list", error))?;
    let mut files = Vec::new();
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|error| io_error(&dir, "list", error))?
    {
        let Some(mut file) = MaildirFile::from_path(&entry.path()) else {
            continue;
        };
        // A file renamed away between listing and stat is simply not there any more.
        let Ok(metadata) = entry.metadata().await else {
            continue;
        };
        if !metadata.is_file() {
            continue;
        }
        file.modified = metadata.modified().ok();
        files.push(file);
    }
    Ok(files)
}

/// The message's bytes and its delivery time (the file's mtime, as Dovecot takes it).
pub async fn read_message(path: &Path) -> Result<(Vec<u8>, Option<jiff::Timestamp>), MailboxError> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|error| io_error(path, "read", error))?;
    let modified = tokio::fs::metadata(path)
        .await
        .ok()
        .and_then(|metadata| metadata.modified().ok());
    let internal_date = modified.and_then(|time| jiff::Timestamp::try_from(time).ok());
    Ok((bytes, internal_date))
}

pub async fn rename(from: &Path, to: &Path) -> Result<(), MailboxError> {
    tokio::fs::rename(from, to)
        .await
        .map_err(|error| io_error(from, "move", error))
}

pub async fn create_dir_all(dir: &Path) -> Result<(), MailboxError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|error| io_error(dir, "create", error))
}

pub async fn exists(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok()
}

/// Writes `root/name` so that after a crash it holds either the old or the new content:
/// write a temporary file, sync it, rename it over, sync the directory.
pub async fn write_durably(root: &Path, name: &str, content: &[u8]) -> Result<(), MailboxError> {
    use tokio::io::AsyncWriteExt;

    let final_path = root.join(name);
    let temporary_path = root.join(format!("{name}.tmp"));
    let mut file = tokio::fs::File::create(&temporary_path)
        .await
        .map_err(|error| io_error(&temporary_path, "create", error))?;
    file.write_all(content)
        .await
        .map_err(|error| io_error(&temporary_path, "write", error))?;
    file.sync_all()
        .await
        .map_err(|error| io_error(&temporary_path, "sync", error))?;
    drop(file);
    rename(&temporary_path, &final_path).await?;
    let directory = tokio::fs::File::open(root)
        .await
        .map_err(|error| io_error(root, "open", error))?;
    directory
        .sync_all()
        .await
        .map_err(|error| io_error(root, "sync", error))
}

pub fn io_error(path: &Path, doing: &str, error: std::io::Error) -> MailboxError {
    MailboxError::with_source(
        MailboxErrorKind::Io,
        format!("cannot {doing} {}", path.display()),
        error,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_base_and_flags() {
        for (name, base, flags) in [
            ("1732.M1P2.host", "1732.M1P2.host", ""),
            ("1732.M1P2.host:2,", "1732.M1P2.host", ""),
            ("1732.M1P2.host:2,FS", "1732.M1P2.host", "FS"),
            ("1732.M1P2.host,S=4012:2,S", "1732.M1P2.host,S=4012", "S"),
            ("1732.M1P2.host:1,experimental", "1732.M1P2.host", ""),
        ] {
            let file = MaildirFile::from_path(Path::new(name)).expect(name);
            assert_eq!(
                (file.base.as_str(), file.flags.as_str()),
                (base, flags),
                "{name}"
            );
        }
        for name in [".hidden", ":2,S", "a\nb"] {
            assert_eq!(MaildirFile::from_path(Path::new(name)), None, "{name:?}");
        }
    }

    #[test]
    fn flags_stay_sorted_and_unique() {
        assert_eq!(add_flag("", 'S'), "S");
        assert_eq!(add_flag("FT", 'S'), "FST");
        assert_eq!(add_flag("RS", 'S'), "RS");
    }

    #[test]
    fn folder_names_cannot_escape_the_maildir() {
        assert!(check_folder_name("Filed").is_ok());
        assert!(check_folder_name("已受理").is_ok());
        for bad in ["", "..", "../x", "a/b", ".Filed"] {
            assert!(check_folder_name(bad).is_err(), "{bad:?}");
        }
    }
}
