-- Superseded history: an edit or a regenerate no longer deletes the
-- messages after its fork point. They stay in messages, marked with the
-- run that replaced them, and only DELETE of the thread removes them. The
-- design is the SQLite store's (see its 00003_superseded.sql):
--   * seq becomes the message's insertion number in its thread (0-based,
--     no gaps, never reused: rows are deleted only with their thread).
--     Every existing row already is a current message with a valid number.
--   * The current branch is the rows with superseded_by = '' in seq order:
--     a fork always cuts a suffix of the current branch and appends after
--     it, so seq order is the branch's order, and "truncate at position n"
--     is "mark the current rows from the n-th on".
--   * Message ids are unique among the current rows only (a partial unique
--     index): a superseded id may be sent again.
--   * threads.message_count stays the length of the current branch.
--
-- superseded_by  the run whose fork replaced the message; '' while the
--                message is on the current branch.
--
-- Adding a column with a constant default does not rewrite the table
-- (PostgreSQL 11 and later).

-- +goose Up
ALTER TABLE messages ADD COLUMN superseded_by text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE messages DROP CONSTRAINT messages_id_key;
CREATE UNIQUE INDEX messages_current_id ON messages (thread_id, id) WHERE superseded_by = '';

-- +goose Down
-- Going back deletes the superseded messages (the old schema has no place
-- for them) and renumbers the rest as positions; via negative numbers, so
-- that no two rows share a seq midway.
DELETE FROM messages WHERE superseded_by <> '';
UPDATE messages m SET seq = -1 - r.pos
FROM (SELECT thread_id, seq, row_number() OVER (PARTITION BY thread_id ORDER BY seq) - 1 AS pos
      FROM messages) r
WHERE m.thread_id = r.thread_id AND m.seq = r.seq;
UPDATE messages SET seq = -1 - seq;
DROP INDEX messages_current_id;
ALTER TABLE messages ADD CONSTRAINT messages_id_key UNIQUE (thread_id, id);
ALTER TABLE messages DROP COLUMN superseded_by;
