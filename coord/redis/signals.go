package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentd/agentd/coord"
)

var _ coord.Signals = (*Client)(nil)

// signalChannel is the Pub/Sub channel of run signals, under the prefix so
// deployments sharing a server do not hear each other. Pub/Sub channels
// are not keys: the prefix is the only separation there is.
func (c *Client) signalChannel() string { return c.prefix + "run-signals" }

// Send implements coord.Signals with PUBLISH.
func (c *Client) Send(ctx context.Context, sig coord.Signal) error {
	if !sig.Valid() {
		return fmt.Errorf("redis: send signal: invalid %+v: a cancel names a run, an interrupt a thread", sig)
	}
	payload, err := json.Marshal(sig)
	if err != nil {
		return fmt.Errorf("redis: send %s signal: %w", sig.Kind, err)
	}
	if err := c.rdb.Publish(ctx, c.signalChannel(), payload).Err(); err != nil {
		return fmt.Errorf("redis: send %s signal: %w", sig.Kind, err)
	}
	return nil
}

// Listen implements coord.Signals with one SUBSCRIBE connection. go-redis
// pings it every few seconds and, when it fails, reconnects and subscribes
// again; what was published in between is lost.
func (c *Client) Listen(ctx context.Context, fn func(coord.Signal)) error {
	ps := c.rdb.Subscribe(ctx, c.signalChannel())
	defer ps.Close()
	msgs := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				return errors.New("redis: listen for run signals: the client was closed")
			}
			var sig coord.Signal
			if json.Unmarshal([]byte(m.Payload), &sig) == nil && sig.Valid() {
				fn(sig)
			}
		}
	}
}
