-- Superseded history: an edit or a regenerate no longer deletes the
-- messages after its fork point. They stay in messages, marked with the
-- run that replaced them, and only DELETE of the thread removes them.
--
-- Design: one table, two meanings of a row.
--   * seq becomes the message's insertion number in its thread (0-based,
--     no gaps, never reused: rows are deleted only with their thread).
--     Before this migration seq was the position, and no row had been
--     deleted but by a truncation that also reset the numbering, so every
--     existing row already is a current message with a valid number.
--   * The current branch, what the model sees and GET /threads/{id}
--     returns, is the rows with superseded_by = '' in seq order. A fork
--     always cuts a suffix of the current branch and appends after it, so
--     seq order is the branch's order; "truncate at position n" is "mark
--     the current rows from the n-th on".
--   * A superseded id is no longer in the kept history and may be sent
--     again: message ids are unique among the current rows only (a partial
--     unique index), no longer in the whole thread.
--   * threads.message_count stays the length of the current branch.
--
-- superseded_by  the run whose fork replaced the message; '' while the
--                message is on the current branch.
--
-- SQLite cannot drop a table's UNIQUE constraint, so messages is rebuilt.
-- No table references messages, so the rebuild needs no foreign-key
-- detour.

-- +goose Up
CREATE TABLE messages_new (
    thread_id     TEXT    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    id            TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    run_id        TEXT    NOT NULL DEFAULT '',
    body          TEXT    NOT NULL,
    superseded_by TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (thread_id, seq)
) STRICT;
INSERT INTO messages_new (thread_id, seq, id, role, run_id, body)
    SELECT thread_id, seq, id, role, run_id, body FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_current_id ON messages (thread_id, id) WHERE superseded_by = '';

-- +goose Down
-- Going back deletes the superseded messages (the old schema has no place
-- for them) and renumbers the rest as positions.
CREATE TABLE messages_old (
    thread_id TEXT    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    id        TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    run_id    TEXT    NOT NULL DEFAULT '',
    body      TEXT    NOT NULL,
    PRIMARY KEY (thread_id, seq),
    UNIQUE (thread_id, id)
) STRICT;
INSERT INTO messages_old (thread_id, seq, id, role, run_id, body)
    SELECT thread_id, row_number() OVER (PARTITION BY thread_id ORDER BY seq) - 1, id, role, run_id, body
    FROM messages WHERE superseded_by = '';
DROP TABLE messages;
ALTER TABLE messages_old RENAME TO messages;
