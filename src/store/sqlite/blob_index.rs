//! Where each blob is: the `blobs` table over the pack files (see `store::blobs`).
//!
//! Storing is two steps around the caller's transaction: [`write_unstored`]
//! writes the bytes not indexed yet into one durable pack, before the
//! transaction commits (before it begins, unless the bytes are made inside it,
//! as a filing's answers are); [`record`] adds their rows inside it, with
//! whatever refers to them. Two processes storing the same bytes at once both write them; the
//! first row wins and the other copy is never read.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::convert::size_from_sql;
use super::in_one_read;
use crate::store::blobs::{BlobLocation, LooseFiles, Packs};
use crate::store::error::{StoreError, StoreResult};
use crate::store::model::ContentHash;

/// Bytes written by [`write_unstored`], to be recorded in the transaction that uses them.
#[derive(Debug, Default)]
pub struct Written {
    blobs: Vec<(ContentHash, BlobLocation)>,
}

/// Writes the blobs the index does not hold yet (each distinct one once) into one pack.
pub fn write_unstored(
    conn: &Connection,
    packs: &Packs,
    blobs: &[(ContentHash, &[u8])],
) -> StoreResult<Written> {
    let mut seen = HashSet::with_capacity(blobs.len());
    let mut hashes = Vec::new();
    let mut bytes = Vec::new();
    in_one_read(conn, |conn| {
        for (hash, blob) in blobs {
            if seen.insert(*hash) && locate(conn, hash)?.is_none() {
                hashes.push(*hash);
                bytes.push(*blob);
            }
        }
        Ok(())
    })?;
    let locations = packs.write(&bytes)?;
    Ok(Written {
        blobs: hashes.into_iter().zip(locations).collect(),
    })
}

/// Indexes what [`write_unstored`] wrote; a blob indexed meanwhile keeps its first row.
pub fn record(tx: &Transaction<'_>, written: &Written) -> StoreResult<()> {
    let mut statement = tx.prepare_cached(
        "INSERT INTO blobs (sha256, pack, start, size) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sha256) DO NOTHING",
    )?;
    for (hash, location) in &written.blobs {
        statement.execute(params![
            hash.to_hex(),
            location.pack,
            offset_to_sql(location.start)?,
            offset_to_sql(location.size)?,
        ])?;
    }
    Ok(())
}

pub fn locate(conn: &Connection, hash: &ContentHash) -> StoreResult<Option<BlobLocation>> {
    let mut statement =
        conn.prepare_cached("SELECT pack, start, size FROM blobs WHERE sha256 = ?1")?;
    let found: Option<(String, i64, i64)> = statement
        .query_row([hash.to_hex()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    found
        .map(|(pack, start, size)| {
            Ok(BlobLocation {
                pack,
                start: size_from_sql(start)?,
                size: size_from_sql(size)?,
            })
        })
        .transpose()
}

/// The blob's bytes: from its pack, or from the loose files of an older store.
pub fn read(
    conn: &Connection,
    packs: &Packs,
    loose: &LooseFiles,
    hash: &ContentHash,
) -> StoreResult<Vec<u8>> {
    match read_if_stored(conn, packs, loose, hash)? {
        Some(bytes) => Ok(bytes),
        // The error names the file looked for last.
        None => loose.get(hash),
    }
}

/// Like [`read`], but `None` when neither a pack nor a loose file holds the blob.
pub fn read_if_stored(
    conn: &Connection,
    packs: &Packs,
    loose: &LooseFiles,
    hash: &ContentHash,
) -> StoreResult<Option<Vec<u8>>> {
    match locate(conn, hash)? {
        Some(location) => packs.read(&location, hash).map(Some),
        None if loose.path_of(hash).exists() => loose.get(hash).map(Some),
        None => Ok(None),
    }
}

fn offset_to_sql(offset: u64) -> StoreResult<i64> {
    i64::try_from(offset).map_err(|_| StoreError::Invalid(format!("offset {offset} too large")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::migrate;

    #[test]
    fn bytes_already_indexed_or_repeated_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path().join("packs"));
        let loose = LooseFiles::new(dir.path().join("raw"));
        let mut conn = Connection::open_in_memory().unwrap();
        migrate::migrate(&mut conn).unwrap();
        let one = (ContentHash::of(b"one"), b"one".as_slice());
        let two = (ContentHash::of(b"two"), b"two".as_slice());
        let written = write_unstored(&conn, &packs, &[one, one]).unwrap();
        assert_eq!(written.blobs.len(), 1, "the same bytes twice in a batch");
        let tx = conn.transaction().unwrap();
        record(&tx, &written).unwrap();
        tx.commit().unwrap();
        let written = write_unstored(&conn, &packs, &[one, two]).unwrap();
        assert_eq!(written.blobs.len(), 1, "only the bytes not indexed yet");
        assert_eq!(written.blobs[0].0, two.0);
        let tx = conn.transaction().unwrap();
        record(&tx, &written).unwrap();
        tx.commit().unwrap();
        assert_eq!(read(&conn, &packs, &loose, &one.0).unwrap(), b"one");
        assert_eq!(read(&conn, &packs, &loose, &two.0).unwrap(), b"two");
    }

    #[test]
    fn bytes_written_but_never_recorded_are_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let packs = Packs::new(dir.path().join("packs"));
        let loose = LooseFiles::new(dir.path().join("raw"));
        let mut conn = Connection::open_in_memory().unwrap();
        migrate::migrate(&mut conn).unwrap();
        let one = (ContentHash::of(b"one"), b"one".as_slice());
        write_unstored(&conn, &packs, &[one]).unwrap();
        assert!(locate(&conn, &one.0).unwrap().is_none());
        assert!(matches!(
            read(&conn, &packs, &loose, &one.0),
            Err(StoreError::Io { .. })
        ));
    }
}
