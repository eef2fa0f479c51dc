-- shenbao store, version 4: an answer's text and bytes apart from its state.
-- The sender changes an answer's state twice per send (queued → sending →
-- sent). With the message's kilobytes in the same row SQLite wrote the whole
-- row, overflow pages and all, for each change: ten pages per change, two
-- when the row holds only the state.
CREATE TABLE outbox_content (
    answer      INTEGER PRIMARY KEY REFERENCES outbox (id),
    body_text   TEXT    NOT NULL,
    body_html   TEXT,
    rfc5322     BLOB    NOT NULL
);
INSERT INTO outbox_content (answer, body_text, body_html, rfc5322)
    SELECT id, body_text, body_html, rfc5322 FROM outbox;
ALTER TABLE outbox DROP COLUMN body_text;
ALTER TABLE outbox DROP COLUMN body_html;
ALTER TABLE outbox DROP COLUMN rfc5322;
