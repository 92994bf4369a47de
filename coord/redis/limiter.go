package redis

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// Limiter is a per-caller rate limit shared by every instance using the
// same Redis and prefix: a caller's budget is global, not per instance. It
// is GCRA (a token bucket kept as one timestamp per caller) through
// redis_rate, whose script reads the clock of the Redis server, so the
// instances' clocks do not matter. Its keys are rate:<prefix>ratelimit:<key>
// (redis_rate puts "rate:" first) and expire once the caller's bucket is
// full again.
type Limiter struct {
	lim    *redis_rate.Limiter
	limit  redis_rate.Limit
	prefix string
}

// NewLimiter returns a limiter allowing perSecond calls per key on average
// with bursts of burst (at least 1). perSecond must be positive and finite.
func NewLimiter(c *Client, perSecond float64, burst int) *Limiter {
	if !(perSecond > 0) || math.IsInf(perSecond, 1) {
		panic(fmt.Sprintf("redis: NewLimiter: rate %v per second, want a positive finite number", perSecond))
	}
	// redis_rate takes whole events per period; one event per emission
	// interval expresses any rate, fractional ones included.
	interval := time.Duration(float64(time.Second) / perSecond)
	return &Limiter{
		lim:    redis_rate.NewLimiter(c.rdb),
		limit:  redis_rate.Limit{Rate: 1, Period: max(interval, time.Microsecond), Burst: max(burst, 1)},
		prefix: c.prefix + "ratelimit:",
	}
}

// Allow takes one token for key. When it is refused, retryAfter says when
// a token will be available. It has the method set of admission.Limiter.
func (l *Limiter) Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error) {
	res, err := l.lim.Allow(ctx, l.prefix+key, l.limit)
	if err != nil {
		return false, 0, fmt.Errorf("redis: rate limit: %w", err)
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, max(res.RetryAfter, time.Millisecond), nil
}
