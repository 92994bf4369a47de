package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RedisURLEnv names the variable holding the URL of the Redis server tests
// run against, e.g. redis://127.0.0.1:6379/0.
const RedisURLEnv = "AGENTD_TEST_REDIS_URL"

// Redis returns the URL of the Redis server at $AGENTD_TEST_REDIS_URL and a
// fresh key prefix (agentd_test_<random>:) for t. Redis has no schemas, so
// tests isolate themselves by prefixing every key they write with it; when
// t ends (after cleanups registered later, such as closing a client) every
// key containing the prefix is deleted. It fails t when the server does
// not answer and skips t when the variable is unset.
func Redis(t testing.TB) (url, prefix string) {
	t.Helper()
	url = os.Getenv(RedisURLEnv)
	if url == "" {
		t.Skipf("%s is not set: skipping a test that needs Redis "+
			"(set it to e.g. redis://127.0.0.1:6379/0)", RedisURLEnv)
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse %s: %v", RedisURLEnv, err)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("random key prefix: %v", err)
	}
	prefix = "agentd_test_" + hex.EncodeToString(b[:]) + ":"

	rdb := goredis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		t.Fatalf("redis at %s does not answer: %v", RedisURLEnv, err)
	}
	t.Cleanup(func() {
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// "*" in front: libraries may put their own prefix before ours
		// (redis_rate writes rate:<key>).
		iter := rdb.Scan(ctx, 0, "*"+prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean up redis keys %s*: %v", prefix, err)
			return
		}
		if len(keys) > 0 {
			if err := rdb.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("clean up redis keys %s*: %v", prefix, err)
			}
		}
	})
	return url, prefix
}
