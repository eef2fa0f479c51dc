//! Raw messages and answers on disk, known by their SHA-256. Any
//! backend may use this; it knows nothing of databases: where each blob went is
//! for the backend's index ([`BlobLocation`]).
//!
//! # Pack files
//!
//! The bytes of one batch (the raw messages of a claim, the composed answers of
//! a filing, the answers queued by staff; attachments of stores before) are written
//! together into one new pack file, `packs/NAME.pack`:
//! a header line, then the blobs one after another. The file is fsynced, then
//! its directory: two syncs per batch however many blobs it holds, where a
//! file per blob cost two syncs and an inode each. The backend records the
//! locations in the transaction that references the blobs, and calls
//! [`Packs::write`] before that transaction commits: a committed reference
//! therefore always points at bytes already on disk. A crash between the two
//! leaves a pack nobody references, which costs disk space and nothing else.
//!
//! # Loose files
//!
//! Stores written before packs keep each blob as a file `root/ab/cdef…`;
//! [`LooseFiles`] still reads them. Every read checks that the bytes still
//! hash to their name.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{StoreError, StoreResult};
use super::model::ContentHash;

/// The first line of every pack: what the file is, and its format's version.
const PACK_HEADER: &[u8] = b"shenbao-pack 1\n";

/// Makes pack names unique within the process (several stores may write at once).
static PACK_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Where one blob's bytes are: `size` bytes from `start` in pack file `pack`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobLocation {
    pub pack: String,
    pub start: u64,
    pub size: u64,
}

/// One directory of pack files (e.g. `data_dir/packs`).
#[derive(Debug, Clone)]
pub struct Packs {
    dir: PathBuf,
}

impl Packs {
    pub fn new(dir: impl Into<PathBuf>) -> Packs {
        Packs { dir: dir.into() }
    }

    /// Writes `blobs` into one new pack file and makes it durable (file, then
    /// directory); returns where each went, in order. Nothing is written for none.
    pub fn write(&self, blobs: &[&[u8]]) -> StoreResult<Vec<BlobLocation>> {
        if blobs.is_empty() {
            return Ok(Vec::new());
        }
        fs::create_dir_all(&self.dir).map_err(|source| io_error(&self.dir, source))?;
        let name = new_pack_name();
        let path = self.path_of(&name);
        let locations = write_synced(&path, &name, blobs).inspect_err(|_| {
            let _ = fs::remove_file(&path);
        })?;
        sync_dir(&self.dir)?;
        Ok(locations)
    }

    /// Reads one blob back, checking it still hashes to `hash`.
    pub fn read(&self, location: &BlobLocation, hash: &ContentHash) -> StoreResult<Vec<u8>> {
        if !is_pack_name(&location.pack) {
            return Err(StoreError::Corrupt(format!(
                "{:?} is not a pack file name",
                location.pack
            )));
        }
        let path = self.path_of(&location.pack);
        let too_large = || StoreError::Corrupt(format!("{}: blob size too large", path.display()));
        let mut bytes = vec![0; usize::try_from(location.size).map_err(|_| too_large())?];
        let mut file = File::open(&path).map_err(|source| io_error(&path, source))?;
        file.seek(SeekFrom::Start(location.start))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|source| io_error(&path, source))?;
        check_hash(bytes, hash, &path)
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.pack"))
    }
}

/// Time, process and counter: unique across processes and restarts without asking anyone.
fn new_pack_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}-{:09}-{}-{}",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id(),
        PACK_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Names this module makes: digits and dashes only, so a name can never leave the directory.
fn is_pack_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

fn write_synced(path: &Path, name: &str, blobs: &[&[u8]]) -> StoreResult<Vec<BlobLocation>> {
    let mut file = File::create_new(path).map_err(|source| io_error(path, source))?;
    let mut locations = Vec::with_capacity(blobs.len());
    let mut start = PACK_HEADER.len() as u64;
    file.write_all(PACK_HEADER)
        .map_err(|source| io_error(path, source))?;
    // One write per blob: a single writev of the whole batch (~6 MB) was
    // measured to cost 0.4-0.6 s more system time per 10,000 mails.
    for blob in blobs {
        file.write_all(blob)
            .map_err(|source| io_error(path, source))?;
        let size = blob.len() as u64;
        locations.push(BlobLocation {
            pack: name.to_string(),
            start,
            size,
        });
        start += size;
    }
    file.sync_all().map_err(|source| io_error(path, source))?;
    Ok(locations)
}

/// Blobs kept one file each under `root/ab/cdef…` (stores written before packs): read only.
#[derive(Debug, Clone)]
pub struct LooseFiles {
    root: PathBuf,
}

impl LooseFiles {
    pub fn new(root: impl Into<PathBuf>) -> LooseFiles {
        LooseFiles { root: root.into() }
    }

    /// `root/ab/cdef…`: two hex digits of fan-out.
    pub fn path_of(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.to_hex();
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    /// Reads stored bytes back, checking they still hash to their name.
    pub fn get(&self, hash: &ContentHash) -> StoreResult<Vec<u8>> {
        let path = self.path_of(hash);
        let bytes = fs::read(&path).map_err(|source| io_error(&path, source))?;
        check_hash(bytes, hash, &path)
    }
}

fn check_hash(bytes: Vec<u8>, hash: &ContentHash, path: &Path) -> StoreResult<Vec<u8>> {
    if ContentHash::of(&bytes) != *hash {
        return Err(StoreError::Corrupt(format!(
            "{}: the bytes of {hash} no longer hash to it",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Makes a new directory entry durable.
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
    fn a_pack_holds_its_blobs_in_order_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path().join("packs"));
        let blobs: [&[u8]; 3] = [b"first", b"", b"third blob"];
        let locations = packs.write(&blobs).unwrap();
        assert_eq!(locations.len(), 3);
        assert!(locations.iter().all(|l| l.pack == locations[0].pack));
        for (blob, location) in blobs.iter().zip(&locations) {
            assert_eq!(location.size, blob.len() as u64);
            assert_eq!(packs.read(location, &ContentHash::of(blob)).unwrap(), *blob);
        }
        let files: Vec<_> = fs::read_dir(dir.path().join("packs")).unwrap().collect();
        assert_eq!(files.len(), 1, "one file for the batch");
        assert!(packs.write(&[]).unwrap().is_empty());
        let files: Vec<_> = fs::read_dir(dir.path().join("packs")).unwrap().collect();
        assert_eq!(files.len(), 1, "no file for nothing");
    }

    /// A batch of thousands of blobs, each found again where it was written.
    #[test]
    fn a_large_batch_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path());
        let blobs: Vec<Vec<u8>> = (0..3000u32)
            .map(|i| i.to_string().repeat(7).into_bytes())
            .collect();
        let refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
        let locations = packs.write(&refs).unwrap();
        for (blob, location) in blobs.iter().zip(&locations) {
            assert_eq!(packs.read(location, &ContentHash::of(blob)).unwrap(), *blob);
        }
    }

    #[test]
    fn each_write_is_a_new_pack() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path());
        let first = packs.write(&[b"a"]).unwrap();
        let second = packs.write(&[b"a"]).unwrap();
        assert_ne!(first[0].pack, second[0].pack);
        assert!(is_pack_name(&first[0].pack), "{}", first[0].pack);
    }

    #[test]
    fn a_changed_pack_is_reported_not_returned() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path());
        let location = packs.write(&[b"original"]).unwrap().remove(0);
        let path = packs.path_of(&location.pack);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, bytes).unwrap();
        let hash = ContentHash::of(b"original");
        assert!(matches!(
            packs.read(&location, &hash),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn pack_names_from_the_index_cannot_leave_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path());
        for name in ["", "../x", "a/b", "1.pack"] {
            let location = BlobLocation {
                pack: name.to_string(),
                start: 0,
                size: 1,
            };
            assert!(
                matches!(
                    packs.read(&location, &ContentHash::of(b"x")),
                    Err(StoreError::Corrupt(_))
                ),
                "{name:?}"
            );
        }
    }

    #[test]
    fn loose_files_of_older_stores_are_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let loose = LooseFiles::new(dir.path().join("raw"));
        let hash = ContentHash::of(b"hello");
        let hex = hash.to_hex();
        let path = dir.path().join("raw").join(&hex[..2]).join(&hex[2..]);
        assert_eq!(loose.path_of(&hash), path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"hello").unwrap();
        assert_eq!(loose.get(&hash).unwrap(), b"hello");
        fs::write(&path, b"tampered").unwrap();
        assert!(matches!(loose.get(&hash), Err(StoreError::Corrupt(_))));
    }
}
