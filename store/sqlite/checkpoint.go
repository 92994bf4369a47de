package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointer copies the WAL back into the database file from its own
// connection, off the writer's path.
//
// SQLite's default is that the commit which grows the WAL past 1,000
// pages checkpoints it, inside the commit: page reads, writes and the only
// fsyncs of synchronous=NORMAL, while every other write waits. The write
// connection has that turned off (wal_autocheckpoint(0)), and this runs
// PASSIVE checkpoints instead, which never wait for the writer nor stop
// it: the writer keeps appending while the checkpoint copies what was
// committed before it began. The WAL is reused from its start by the first
// write after a checkpoint has copied all of it.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
}

// checkpointEvery is how often the WAL is copied back: often enough that
// it stays small (a few MB at thousands of turns per second).
const checkpointEvery = 200 * time.Millisecond

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// A failure (say, a disk error) is left for the next tick
			// and, if it lasts, surfaces in the writes themselves.
			c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// close stops the loop and checkpoints what is left.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	_, err := c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	return err
}
