-- The first schema of agentd's SQLite store.
--
-- Conventions:
--   * Timestamps are INTEGER Unix milliseconds (UTC). They sort and compare as
--     plain integers and round-trip exactly; 0 or NULL means "not set".
--   * Tables are STRICT, so a value of the wrong type is an error instead of
--     being silently stored as something else.
--   * Foreign keys need PRAGMA foreign_keys=ON, which the store sets on every
--     connection.

-- +goose Up

-- threads: one row per conversation, carrying its lease.
--   version        grows by one with every committed write; writers compare
--                  it to detect a concurrent change (optimistic locking).
--   state          the shared AG-UI state as JSON text; '{}' when none.
--   message_count  kept in step with messages so listings need no COUNT(*).
--                  Messages are numbered 0..message_count-1 (see messages).
--   lease_run_id   the run that holds the thread ('' when free). At most one
--                  run writes a thread at a time.
--   lease_until    when that lease ends unless renewed (ms); 0 when free.
--   fence          the fencing token of the latest lease. It only grows, and
--                  is kept when a lease is released, so a run that lost its
--                  lease can never write again.
CREATE TABLE threads (
    id            TEXT    NOT NULL PRIMARY KEY,
    agent         TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 0,
    state         TEXT    NOT NULL DEFAULT '{}',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0,
    lease_run_id  TEXT    NOT NULL DEFAULT '',
    lease_until   INTEGER NOT NULL DEFAULT 0,
    fence         INTEGER NOT NULL DEFAULT 0
) STRICT;

-- ListThreads pages by (updated_at DESC, id ASC); DeleteIdleThreads scans
-- by updated_at. One index serves both.
CREATE INDEX threads_by_updated ON threads (updated_at DESC, id);

-- messages: a thread's history, append-only except for a fork that cuts the
-- tail. seq is the message's position in the thread (0-based, no gaps), so
-- "truncate at position n" is "delete seq >= n".
--   id     the AG-UI message id, unique within its thread.
--   role   copied out of body for inspection and future queries.
--   run_id the run that produced the message; '' when the client sent it.
--   body   the whole AG-UI message as JSON, read back verbatim.
CREATE TABLE messages (
    thread_id TEXT    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    id        TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    run_id    TEXT    NOT NULL DEFAULT '',
    body      TEXT    NOT NULL,
    PRIMARY KEY (thread_id, seq),
    UNIQUE (thread_id, id)
) STRICT;

-- runs: one row per run. A run is deleted with its thread.
--   fence        the thread fence this run was given; its writes must match.
--   lease_until  mirrors threads.lease_until while the run holds the lease.
--   finished_at  NULL while running.
CREATE TABLE runs (
    id          TEXT    NOT NULL PRIMARY KEY,
    thread_id   TEXT    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    agent       TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN
                    ('running', 'succeeded', 'failed', 'interrupted', 'cancelled')),
    owner       TEXT    NOT NULL DEFAULT '',
    fence       INTEGER NOT NULL,
    lease_until INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    error_code  TEXT    NOT NULL DEFAULT '',
    error_msg   TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The cascade from threads, and the "has a running run" test of
-- DeleteIdleThreads, look runs up by thread.
CREATE INDEX runs_by_thread ON runs (thread_id, status);

-- InterruptExpired scans only running runs, by lease end. The partial index
-- stays as small as the number of runs in flight.
CREATE INDEX runs_running_by_lease ON runs (lease_until) WHERE status = 'running';

-- +goose Down
DROP TABLE runs;
DROP TABLE messages;
DROP TABLE threads;
