-- Run event logs, shared by every agentd instance so a client can rejoin a
-- run on any of them. A log is one run_logs row and its frames.

-- +goose Up
CREATE TABLE run_logs (
    run_id     text PRIMARY KEY,
    sealed     boolean NOT NULL DEFAULT false,
    -- The seq of the last frame, so appends and reads need no max(seq).
    last_seq   bigint NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL
);
CREATE INDEX run_logs_expires_at ON run_logs (expires_at);

CREATE TABLE run_events (
    run_id text NOT NULL REFERENCES run_logs (run_id) ON DELETE CASCADE,
    seq    bigint NOT NULL,
    -- The event's JSON bytes exactly as appended.
    data   bytea NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- +goose Down
DROP TABLE run_events;
DROP TABLE run_logs;
