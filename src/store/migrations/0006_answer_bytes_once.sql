-- shenbao store, version 6: an answer is kept once, as the bytes that go out.
-- Its text and HTML were also kept beside them, two thirds again of the
-- message's size, read by nothing: 130 of 170 MB per 10,000 answers, all of
-- it written twice (WAL, then the database). The text is in the bytes, except
-- for an answer suppressed before it could be composed (no usable address):
-- never sent, it keeps its subject and the reason, and its text is dropped.
ALTER TABLE outbox_content DROP COLUMN body_text;
ALTER TABLE outbox_content DROP COLUMN body_html;
