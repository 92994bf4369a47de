package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/agentd/agentd/coord"
)

var _ coord.Signals = (*EventLog)(nil)

// signalChannel is the NOTIFY channel of run signals.
const signalChannel = "agentd_run_signals"

// notice is a signal's NOTIFY payload. Channels are per database, not per
// schema: Schema keeps deployments (or tests) that share a database in
// separate schemas from stopping each other's runs.
type notice struct {
	Schema string `json:"schema"`
	coord.Signal
}

// Send implements coord.Signals with pg_notify. PostgreSQL refuses
// payloads of 8000 bytes or more, so ids near that long cannot be signalled.
func (e *EventLog) Send(ctx context.Context, sig coord.Signal) error {
	if !sig.Valid() {
		return fmt.Errorf("postgres: send signal: invalid %+v: a cancel names a run, an interrupt a thread", sig)
	}
	payload, err := json.Marshal(notice{Schema: e.listen.signals.schema, Signal: sig})
	if err != nil {
		return fmt.Errorf("postgres: send %s signal: %w", sig.Kind, err)
	}
	if _, err := e.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, signalChannel, string(payload)); err != nil {
		return fmt.Errorf("postgres: send %s signal: %w", sig.Kind, err)
	}
	return nil
}

// Listen implements coord.Signals on the connection that already listens
// for appends; it reconnects on its own (listener.run).
func (e *EventLog) Listen(ctx context.Context, fn func(coord.Signal)) error {
	release := e.listen.signals.add(fn)
	defer release()
	select {
	case <-ctx.Done():
		return nil
	case <-e.closed:
		return errors.New("postgres: listen for run signals: the event log was closed")
	}
}

// signalSubs are the Listen calls of one EventLog.
type signalSubs struct {
	schema string // deliver only the signals of this schema

	mu   sync.Mutex
	next int
	fns  map[int]func(coord.Signal)
}

// add registers fn until release is called.
func (s *signalSubs) add(fn func(coord.Signal)) (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]func(coord.Signal){}
	}
	id := s.next
	s.next++
	s.fns[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.fns, id)
	}
}

// deliver passes a notification's signal to every Listen call, unless it
// belongs to another schema or cannot be understood.
func (s *signalSubs) deliver(payload string) {
	var n notice
	if json.Unmarshal([]byte(payload), &n) != nil || n.Schema != s.schema || !n.Valid() {
		return
	}
	s.mu.Lock()
	fns := make([]func(coord.Signal), 0, len(s.fns))
	for _, fn := range s.fns {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn(n.Signal)
	}
}
