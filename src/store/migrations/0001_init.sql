-- shenbao store, version 1.
-- Times are INTEGER Unix seconds (UTC). State columns hold the texts of
-- store/model.rs; codes those of verdict.rs. Raw bytes live in files named by
-- their SHA-256 (hex), not in the database.

-- A message, known by its content: (Message-ID, SHA-256). message_id is ''
-- when the mail has none, so that identical bytes still collide.
CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    message_id    TEXT    NOT NULL,
    from_addr     TEXT,
    subject       TEXT    NOT NULL,
    received_at   INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('claimed', 'filed', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    claimed_at    INTEGER NOT NULL,
    filed_at      INTEGER,
    verdict       TEXT
);
CREATE UNIQUE INDEX messages_identity ON messages (message_id, sha256);
CREATE INDEX messages_status ON messages (status);

-- Every place a message was seen; a UIDVALIDITY change or a second delivery adds a row.
CREATE TABLE message_locations (
    mailbox       TEXT    NOT NULL,
    uid_validity  INTEGER NOT NULL,
    uid           INTEGER NOT NULL,
    message       INTEGER NOT NULL REFERENCES messages (id),
    seen_at       INTEGER NOT NULL,
    PRIMARY KEY (mailbox, uid_validity, uid)
);
CREATE INDEX message_locations_message ON message_locations (message);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    message       INTEGER NOT NULL REFERENCES messages (id),
    position      INTEGER NOT NULL,
    filename      TEXT,
    content_type  TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('form', 'evidence', 'unreadable', 'ignored')),
    UNIQUE (message, position)
);

-- The last receipt number handed out per call.
CREATE TABLE receipt_sequences (
    call_id       TEXT    PRIMARY KEY,
    last          INTEGER NOT NULL
);

-- An application: one per (call, society, category, project key). The receipt
-- belongs here, not to a version.
CREATE TABLE applications (
    id              INTEGER PRIMARY KEY,
    call_id         TEXT    NOT NULL,
    society         TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    project_key     TEXT    NOT NULL DEFAULT '',
    receipt         TEXT    NOT NULL UNIQUE,
    current_version INTEGER REFERENCES application_versions (id),
    created_at      INTEGER NOT NULL,
    UNIQUE (call_id, society, category, project_key)
);

CREATE TABLE application_versions (
    id            INTEGER PRIMARY KEY,
    application   INTEGER NOT NULL REFERENCES applications (id),
    number        INTEGER NOT NULL,
    message       INTEGER NOT NULL REFERENCES messages (id),
    attachment    INTEGER REFERENCES attachments (id),
    sheet         TEXT    NOT NULL,
    fields        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    received_at   INTEGER NOT NULL,
    filed_at      INTEGER NOT NULL,
    UNIQUE (application, number)
);
CREATE INDEX application_versions_message ON application_versions (message);

-- Deficiencies of a version, or of the message itself when version is NULL.
CREATE TABLE deficiencies (
    id            INTEGER PRIMARY KEY,
    message       INTEGER NOT NULL REFERENCES messages (id),
    version       INTEGER REFERENCES application_versions (id),
    position      INTEGER NOT NULL,
    code          TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    field         TEXT,
    cell          TEXT,
    text          TEXT    NOT NULL
);
CREATE INDEX deficiencies_version ON deficiencies (version);
CREATE INDEX deficiencies_message ON deficiencies (message);

-- Evidence sent after the application, in a reply.
CREATE TABLE evidence_links (
    application   INTEGER NOT NULL REFERENCES applications (id),
    attachment    INTEGER NOT NULL REFERENCES attachments (id),
    linked_at     INTEGER NOT NULL,
    PRIMARY KEY (application, attachment)
);

-- Answers to send, sent, failed, or suppressed (with the reason why not sent).
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    kind              TEXT    NOT NULL
        CHECK (kind IN ('confirmation', 'deficiency', 'late', 'review', 'digest')),
    recipient         TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    body_text         TEXT    NOT NULL,
    body_html         TEXT,
    message_id        TEXT    NOT NULL UNIQUE,
    rfc5322           BLOB    NOT NULL,
    regarding         INTEGER REFERENCES messages (id),
    state             TEXT    NOT NULL
        CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'suppressed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    queued_at         INTEGER NOT NULL,
    next_attempt_at   INTEGER NOT NULL,
    last_error        TEXT,
    sent_at           INTEGER,
    suppressed_reason TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_recipient ON outbox (recipient, queued_at);

CREATE TABLE outbox_applications (
    answer        INTEGER NOT NULL REFERENCES outbox (id),
    application   INTEGER NOT NULL REFERENCES applications (id),
    PRIMARY KEY (answer, application)
);
CREATE INDEX outbox_applications_application ON outbox_applications (application);

CREATE TABLE mailboxes (
    mailbox       TEXT    PRIMARY KEY,
    uid_validity  INTEGER NOT NULL,
    highest_uid   INTEGER NOT NULL
);

-- Bounces of our answers, on the applications they were about.
CREATE TABLE delivery_failures (
    id             INTEGER PRIMARY KEY,
    application    INTEGER NOT NULL REFERENCES applications (id),
    answer         INTEGER NOT NULL REFERENCES outbox (id),
    report_message INTEGER REFERENCES messages (id),
    detail         TEXT    NOT NULL,
    at             INTEGER NOT NULL
);
CREATE INDEX delivery_failures_application ON delivery_failures (application);
