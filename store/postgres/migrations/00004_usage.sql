-- Token accounting: the tokens of a run's model calls, and of each user's
-- runs per UTC day (for --user-tokens-per-day).
--
-- Usage is added by every Commit that carries some, so a run's totals
-- grow step by step and a crash loses at most the step in flight.
-- input_tokens counts the whole prompt, cached_input_tokens the part of it
-- the provider read from its prompt cache. Adding a column with a constant
-- default rewrites nothing (PostgreSQL 11 and later).

-- +goose Up
ALTER TABLE runs
    ADD COLUMN input_tokens        bigint NOT NULL DEFAULT 0,
    ADD COLUMN output_tokens       bigint NOT NULL DEFAULT 0,
    ADD COLUMN cached_input_tokens bigint NOT NULL DEFAULT 0;

-- user_usage: the same sums per user and UTC day the tokens were
-- committed on. A quota check at run start is one primary-key read, and
-- deleting a thread does not give its user the tokens back. Runs from
-- before this migration are not counted. A commit locks its user's row
-- of the day last, after the thread's, so it adds no lock cycle.
CREATE TABLE user_usage (
    user_id             text COLLATE "C" NOT NULL,
    day                 date   NOT NULL,
    input_tokens        bigint NOT NULL DEFAULT 0,
    output_tokens       bigint NOT NULL DEFAULT 0,
    cached_input_tokens bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, day)
);

-- +goose Down
DROP TABLE user_usage;
ALTER TABLE runs
    DROP COLUMN cached_input_tokens,
    DROP COLUMN output_tokens,
    DROP COLUMN input_tokens;
