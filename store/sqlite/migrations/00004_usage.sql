-- Token accounting: the tokens of a run's model calls, and of each user's
-- runs per UTC day (for --user-tokens-per-day).
--
-- Usage is added by every Commit that carries some, so a run's totals
-- grow step by step and a crash loses at most the step in flight.
-- input_tokens counts the whole prompt, cached_input_tokens the part of it
-- the provider read from its prompt cache.

-- +goose Up
ALTER TABLE runs ADD COLUMN input_tokens        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN output_tokens       INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0;

-- user_usage: the same sums per user and UTC day ('YYYY-MM-DD') the
-- tokens were committed on. A quota check at run start is one primary-key
-- read, and deleting a thread does not give its user the tokens back.
-- Runs from before this migration are not counted.
CREATE TABLE user_usage (
    user_id             TEXT    NOT NULL,
    day                 TEXT    NOT NULL,
    input_tokens        INTEGER NOT NULL DEFAULT 0,
    output_tokens       INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
) STRICT;

-- +goose Down
DROP TABLE user_usage;
ALTER TABLE runs DROP COLUMN cached_input_tokens;
ALTER TABLE runs DROP COLUMN output_tokens;
ALTER TABLE runs DROP COLUMN input_tokens;
