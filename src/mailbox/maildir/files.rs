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

/// Message files in one subdirectory (regular files only), without their mtimes: the type
/// comes with the listing, so a known file costs no `stat` (see [`with_modified_times`]).
pub async fn list(root: &Path, subdir: Subdir) -> Result<Vec<MaildirFile>, MailboxError> {
    let dir = root.join(subdir.name());
    blocking(move || list_now(&dir)).await
}

fn list_now(dir: &Path) -> Result<Vec<MaildirFile>, MailboxError> {
    let entries = std::fs::read_dir(dir).map_err(|error| io_error(dir, "list", error))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| io_error(dir, "list", error))?;
        let Some(file) = MaildirFile::from_path(&entry.path()) else {
            continue;
        };
        // A file renamed away between listing and looking is simply not there any more.
        if entry.file_type().is_ok_and(|kind| kind.is_file()) {
            files.push(file);
        }
    }
    Ok(files)
}

/// Fills in each file's mtime (the order new mail is numbered in); a file gone meanwhile is
/// dropped.
pub async fn with_modified_times(files: Vec<MaildirFile>) -> Vec<MaildirFile> {
    let stat_all = move || {
        let timed = files
            .into_iter()
            .filter_map(|mut file| {
                let metadata = std::fs::metadata(&file.path).ok()?;
                file.modified = metadata.modified().ok();
                Some(file)
            })
            .collect();
        Ok(timed)
    };
    blocking(stat_all).await.unwrap_or_default()
}

/// A message's bytes and its delivery time (the file's mtime, as Dovecot takes it).
pub type ReadMessage = (Vec<u8>, Option<jiff::Timestamp>);

/// Reads message files in order, at once, until their bytes reach `byte_budget` (the first
/// one is read whatever its size); `None` for a file no longer at its path. Files past the
/// budget are left unread: the result may be shorter than `paths`.
pub async fn read_messages(
    paths: Vec<PathBuf>,
    byte_budget: u64,
) -> Result<Vec<Option<ReadMessage>>, MailboxError> {
    blocking(move || {
        let mut read = Vec::with_capacity(paths.len());
        let mut n_bytes = 0u64;
        for path in &paths {
            let Some(file) = open_message(path)? else {
                read.push(None);
                continue;
            };
            let size = file.metadata().map_or(0, |metadata| metadata.len());
            if n_bytes > 0 && n_bytes.saturating_add(size) > byte_budget {
                break;
            }
            n_bytes = n_bytes.saturating_add(size);
            read.push(Some(read_open(path, file)?));
        }
        Ok(read)
    })
    .await
}

/// The message's bytes and its delivery time; `None` when the file is not there.
pub async fn read_message(path: &Path) -> Result<Option<ReadMessage>, MailboxError> {
    let path = path.to_path_buf();
    blocking(move || read_message_now(&path)).await
}

fn read_message_now(path: &Path) -> Result<Option<ReadMessage>, MailboxError> {
    match open_message(path)? {
        Some(file) => read_open(path, file).map(Some),
        None => Ok(None),
    }
}

/// The file, or `None` when it is not there.
fn open_message(path: &Path) -> Result<Option<std::fs::File>, MailboxError> {
    match std::fs::File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io_error(path, "read", error)),
    }
}

fn read_open(path: &Path, mut file: std::fs::File) -> Result<ReadMessage, MailboxError> {
    use std::io::Read;

    let metadata = file
        .metadata()
        .map_err(|error| io_error(path, "read", error))?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)
        .map_err(|error| io_error(path, "read", error))?;
    let internal_date = metadata
        .modified()
        .ok()
        .and_then(|time| jiff::Timestamp::try_from(time).ok());
    Ok((bytes, internal_date))
}

/// Renames many files at once, each result in order (a file already gone is `NotFound`).
pub async fn rename_all(
    moves: Vec<(PathBuf, PathBuf)>,
) -> Result<Vec<std::io::Result<()>>, MailboxError> {
    blocking(move || {
        Ok(moves
            .iter()
            .map(|(from, to)| std::fs::rename(from, to))
            .collect())
    })
    .await
}

/// Runs file system work on a blocking thread: one hop for a whole batch, not one per call.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, MailboxError> + Send + 'static,
) -> Result<T, MailboxError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        MailboxError::new(
            MailboxErrorKind::Io,
            format!("a file system task failed: {error}"),
        )
    })?
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
