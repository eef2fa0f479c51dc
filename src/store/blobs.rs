//! Content-addressed files: bytes kept under `root/ab/cdef…` by their SHA-256.
//!
//! Written to a temporary file in the same directory, fsynced, renamed into
//! place, and the directory fsynced, so a file under its final name is always
//! complete: a crash leaves at most a stray temporary file. The same bytes are
//! stored once. Any backend may use this; it knows nothing of databases.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{StoreError, StoreResult};
use super::model::ContentHash;

/// One directory of content-addressed files (e.g. `data_dir/raw`).
#[derive(Debug, Clone)]
pub struct Blobs {
    root: PathBuf,
}

/// Makes temporary names unique within the process (threads may store the same bytes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Blobs {
    pub fn new(root: impl Into<PathBuf>) -> Blobs {
        Blobs { root: root.into() }
    }

    /// `root/ab/cdef…`: two hex digits of fan-out keep directories small.
    pub fn path_of(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.to_hex();
        self.dir_of(&hex).join(&hex[2..])
    }

    fn dir_of(&self, hex: &str) -> PathBuf {
        self.root.join(&hex[..2])
    }

    /// Stores the bytes (once) and returns their hash.
    pub fn put(&self, bytes: &[u8]) -> StoreResult<ContentHash> {
        let hash = ContentHash::of(bytes);
        let hex = hash.to_hex();
        let final_path = self.path_of(&hash);
        if final_path.exists() {
            return Ok(hash);
        }
        let dir = self.dir_of(&hex);
        fs::create_dir_all(&dir).map_err(|source| io_error(&dir, source))?;
        let temp_path = dir.join(format!(
            ".tmp-{}-{}-{}",
            &hex[2..10],
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        write_synced(&temp_path, bytes).inspect_err(|_| {
            let _ = fs::remove_file(&temp_path);
        })?;
        // Another writer may have renamed the same bytes into place meanwhile: rename
        // replaces atomically with identical content, so that race is harmless.
        fs::rename(&temp_path, &final_path).map_err(|source| {
            let _ = fs::remove_file(&temp_path);
            io_error(&final_path, source)
        })?;
        sync_dir(&dir)?;
        Ok(hash)
    }

    /// Reads stored bytes back, checking they still hash to their name.
    pub fn get(&self, hash: &ContentHash) -> StoreResult<Vec<u8>> {
        let path = self.path_of(hash);
        let bytes = fs::read(&path).map_err(|source| io_error(&path, source))?;
        if ContentHash::of(&bytes) != *hash {
            return Err(StoreError::Corrupt(format!(
                "{} does not hash to its name",
                path.display()
            )));
        }
        Ok(bytes)
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> StoreResult<()> {
    let mut file = File::create_new(path).map_err(|source| io_error(path, source))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|source| io_error(path, source))
}

/// Makes the rename itself durable (the new directory entry).
fn sync_dir(dir: &Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| io_error(dir, source))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_are_stored_once_under_their_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path().join("raw"));
        let first = blobs.put(b"hello").unwrap();
        let second = blobs.put(b"hello").unwrap();
        assert_eq!(first, second);
        let hex = first.to_hex();
        let expected = dir.path().join("raw").join(&hex[..2]).join(&hex[2..]);
        assert_eq!(blobs.path_of(&first), expected);
        assert_eq!(fs::read(&expected).unwrap(), b"hello");
        let entries: Vec<_> = fs::read_dir(expected.parent().unwrap()).unwrap().collect();
        assert_eq!(entries.len(), 1, "no temporary file left behind");
        assert_eq!(blobs.get(&first).unwrap(), b"hello");
    }

    #[test]
    fn a_changed_file_is_reported_not_returned() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let hash = blobs.put(b"original").unwrap();
        fs::write(blobs.path_of(&hash), b"tampered").unwrap();
        assert!(matches!(blobs.get(&hash), Err(StoreError::Corrupt(_))));
    }
}
