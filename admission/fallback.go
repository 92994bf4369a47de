package admission

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Fallback uses a shared limiter and, when it fails (Redis unreachable),
// a local one: limits then hold per instance instead of failing every
// request or letting every request through.
type Fallback struct {
	Shared Limiter
	Local  Limiter
	Logger *slog.Logger

	lastWarn atomic.Int64 // unix seconds of the last warning
}

// Allow implements Limiter.
func (f *Fallback) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	ok, retry, err := f.Shared.Allow(ctx, key)
	if err == nil {
		return ok, retry, nil
	}
	if now := time.Now().Unix(); f.Logger != nil && f.lastWarn.Swap(now) < now-10 {
		f.Logger.Warn("shared rate limiter unavailable; limiting per instance", "err", err)
	}
	return f.Local.Allow(ctx, key)
}
