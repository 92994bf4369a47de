-- Ownership: every thread belongs to one user, and its runs to that user.
--
-- Threads stored before this migration had no owner; they, and their runs,
-- become the threads of "local" (agentd.LocalUser), the user of every
-- request when no authentication is configured. That keeps a single-user
-- installation's history where it was; with authentication configured
-- they are reachable only as "local".
--
-- The columns are added with the default 'local' (PostgreSQL 11 and later
-- store it once instead of rewriting the table), and the default is then
-- dropped: from here on every insert must name its user.

-- +goose Up

-- user_id  the user the thread belongs to; no other user may see, delete
--          or run on it.
ALTER TABLE threads ADD COLUMN user_id text COLLATE "C" NOT NULL DEFAULT 'local';
ALTER TABLE threads ALTER COLUMN user_id DROP DEFAULT;

-- user_id  copied from the thread when the run starts, so a run's owner is
--          checked without reading its thread.
ALTER TABLE runs ADD COLUMN user_id text COLLATE "C" NOT NULL DEFAULT 'local';
ALTER TABLE runs ALTER COLUMN user_id DROP DEFAULT;

-- ListThreads pages through one user's threads by (updated_at DESC, id
-- ASC); StartRun counts a user's threads against a cap with it.
-- threads_by_updated still serves DeleteIdleThreads, which spans users.
CREATE INDEX threads_by_user ON threads (user_id, updated_at DESC, id);

-- +goose Down
DROP INDEX threads_by_user;
ALTER TABLE runs DROP COLUMN user_id;
ALTER TABLE threads DROP COLUMN user_id;
