-- shenbao store, version 3: raw messages and attachments in pack files.
-- Each blob's bytes are `size` bytes from `start` in data_dir/packs/{pack}.pack,
-- written (and synced) before the transaction that adds its row commits.
-- Blobs of stores older than version 3 stay loose files under raw/ and files/;
-- a blob with no row here is read from there.
CREATE TABLE blobs (
    sha256  TEXT    PRIMARY KEY,
    pack    TEXT    NOT NULL,
    start   INTEGER NOT NULL,
    size    INTEGER NOT NULL
) WITHOUT ROWID;
