-- shenbao store, version 5: a message interrupted with others in hand is
-- retried alone. When the daemon dies with a batch claimed, nothing says which
-- message killed it, so none of them is charged an attempt: each is marked to
-- be claimed on its own next time, and only a message that was alone in hand
-- when the daemon died is charged. Rows from before start unmarked.
ALTER TABLE messages ADD COLUMN retry_alone INTEGER NOT NULL DEFAULT 0;
