-- shenbao store, version 2: what the staff digest needs.

-- Every staff digest queued: on demand (slot_at NULL) or for a scheduled slot.
-- The UNIQUE slot makes "one digest per slot" hold across restarts and processes.
CREATE TABLE digests (
    id            INTEGER PRIMARY KEY,
    slot_at       INTEGER UNIQUE,
    slot_kind     TEXT,
    queued_at     INTEGER NOT NULL
);
CREATE INDEX digests_queued_at ON digests (queued_at);

-- The outbox entries (one per staff address) of each digest.
CREATE TABLE digest_answers (
    digest        INTEGER NOT NULL REFERENCES digests (id),
    answer        INTEGER NOT NULL REFERENCES outbox (id),
    PRIMARY KEY (digest, answer)
);

-- How polling each mailbox went, as the daemon reports it; failures count
-- since the last success.
CREATE TABLE mailbox_health (
    mailbox              TEXT    PRIMARY KEY,
    last_success_at      INTEGER,
    last_failure_at      INTEGER,
    last_error           TEXT,
    failures             INTEGER NOT NULL DEFAULT 0,
    auth_failures        INTEGER NOT NULL DEFAULT 0
);
