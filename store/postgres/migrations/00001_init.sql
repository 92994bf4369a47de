-- The first schema of agentd's PostgreSQL store. It mirrors the SQLite
-- store's schema; the differences are PostgreSQL types.
--
-- Conventions:
--   * Tables are created in the first schema of the connection's
--     search_path, so one database can hold several agentd schemas.
--   * Times are timestamptz. The store writes them rounded down to the
--     millisecond, the precision of the SQLite store, so both stores give
--     back exactly the times they were given. NULL means "not set".
--   * Ids are COLLATE "C": they compare and sort byte by byte, as in SQLite
--     and Go, whatever the database's locale (thread listings order by id).
--   * JSON is stored as json, not jsonb: json keeps the exact text it was
--     given (key order, duplicate keys, escapes, number spelling), so a
--     message is read back byte for byte as written, while PostgreSQL still
--     rejects anything that is not JSON.

-- +goose Up

-- threads: one row per conversation, carrying its lease. Every write to a
-- thread locks this row first (SELECT ... FOR UPDATE), which serialises the
-- writers of one thread across all instances.
--   version        grows by one with every committed write; writers compare
--                  it to detect a concurrent change (optimistic locking).
--   state          the shared AG-UI state; '{}' when none.
--   message_count  kept in step with messages so listings need no COUNT(*).
--                  Messages are numbered 0..message_count-1 (see messages).
--   lease_run_id   the run that holds the thread ('' when free). At most one
--                  run writes a thread at a time; a run is 'running' exactly
--                  while it holds its thread's lease.
--   lease_until    when that lease ends unless renewed; NULL when free.
--   fence          the fencing token of the latest lease. It only grows, and
--                  is kept when a lease is released, so a run that lost its
--                  lease can never write again.
CREATE TABLE threads (
    id            text COLLATE "C" NOT NULL,
    agent         text        NOT NULL,
    version       bigint      NOT NULL DEFAULT 0,
    state         json        NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    message_count integer     NOT NULL DEFAULT 0,
    lease_run_id  text COLLATE "C" NOT NULL DEFAULT '',
    lease_until   timestamptz,
    fence         bigint      NOT NULL DEFAULT 0,
    CONSTRAINT threads_pkey PRIMARY KEY (id),
    CONSTRAINT threads_lease_check CHECK ((lease_run_id = '') = (lease_until IS NULL))
);

-- ListThreads pages by (updated_at DESC, id ASC); DeleteIdleThreads scans
-- by updated_at. One index serves both.
CREATE INDEX threads_by_updated ON threads (updated_at DESC, id);

-- messages: a thread's history, append-only except for a fork that cuts the
-- tail. seq is the message's position in the thread (0-based, no gaps), so
-- "truncate at position n" is "delete seq >= n".
--   id     the AG-UI message id, unique within its thread.
--   role   copied out of body for inspection and future queries.
--   run_id the run that produced the message; '' when the client sent it.
--   body   the whole AG-UI message, read back verbatim.
CREATE TABLE messages (
    thread_id text COLLATE "C" NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    id        text COLLATE "C" NOT NULL,
    role      text    NOT NULL,
    run_id    text COLLATE "C" NOT NULL DEFAULT '',
    body      json    NOT NULL,
    CONSTRAINT messages_pkey PRIMARY KEY (thread_id, seq),
    CONSTRAINT messages_id_key UNIQUE (thread_id, id)
);

-- runs: one row per run. A run is deleted with its thread.
--   fence        the thread fence this run was given; its writes must match.
--   lease_until  mirrors threads.lease_until while the run holds the lease.
--   finished_at  NULL while running.
CREATE TABLE runs (
    id          text COLLATE "C" NOT NULL,
    thread_id   text COLLATE "C" NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    agent       text        NOT NULL,
    status      text        NOT NULL CHECK (status IN
                    ('running', 'succeeded', 'failed', 'interrupted', 'cancelled')),
    owner       text        NOT NULL DEFAULT '',
    fence       bigint      NOT NULL,
    lease_until timestamptz NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    error_code  text        NOT NULL DEFAULT '',
    error_msg   text        NOT NULL DEFAULT '',
    CONSTRAINT runs_pkey PRIMARY KEY (id)
);

-- The cascade from threads looks runs up by thread.
CREATE INDEX runs_by_thread ON runs (thread_id);

-- InterruptExpired scans only running runs, by lease end. The partial index
-- stays as small as the number of runs in flight.
CREATE INDEX runs_running_by_lease ON runs (lease_until) WHERE status = 'running';

-- +goose Down
DROP TABLE runs;
DROP TABLE messages;
DROP TABLE threads;
