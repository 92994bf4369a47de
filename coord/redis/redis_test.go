package redis_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/agentd/agentd/coord"
	"github.com/agentd/agentd/coord/coordtest"
	"github.com/agentd/agentd/coord/redis"
	"github.com/agentd/agentd/internal/testenv"
)

// target is where one test's clients live: the server and the test's own
// key prefix, shared by every client the test opens (its "instances").
type target struct{ url, prefix string }

// opener opens clients with opts, one key prefix per test.
func opener(opts redis.Options) func(t *testing.T) coord.EventLog {
	var mu sync.Mutex
	targets := map[*testing.T]target{}
	return func(t *testing.T) coord.EventLog {
		mu.Lock()
		tg, ok := targets[t]
		mu.Unlock()
		if !ok {
			tg.url, tg.prefix = testenv.Redis(t)
			mu.Lock()
			targets[t] = tg
			mu.Unlock()
		}
		return openClient(t, tg, opts)
	}
}

func openClient(t *testing.T, tg target, opts redis.Options) *redis.Client {
	t.Helper()
	opts.Prefix = tg.prefix
	c, err := redis.Open(t.Context(), tg.url, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawClient is a plain go-redis client, to look at the keys written.
func rawClient(t *testing.T, url string) *goredis.Client {
	t.Helper()
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(o)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestEventLog(t *testing.T) {
	testenv.Redis(t) // skip once here, not in every subtest
	coordtest.RunEventLog(t, opener(redis.Options{}))
}

func TestExpiry(t *testing.T) {
	const ttl = time.Second
	testenv.Redis(t)
	coordtest.RunExpiry(t, opener(redis.Options{TTL: ttl}), func(t *testing.T) {
		time.Sleep(ttl + 500*time.Millisecond) // Redis expires keys by its own clock
	})
}

// TestLayout pins the representation other tools may rely on: one stream
// per run whose entry ids are the seqs, with fields seq and data, and a
// state key, both under the prefix and in one hash slot.
func TestLayout(t *testing.T) {
	url, prefix := testenv.Redis(t)
	c := openClient(t, target{url, prefix}, redis.Options{})
	ctx := t.Context()
	if err := c.Append(ctx, "r1", []coord.Frame{{Seq: 1, Data: []byte(`{"a":1}`)}, {Seq: 2, Data: []byte(`{"b":2}`)}}, true); err != nil {
		t.Fatal(err)
	}
	rdb := rawClient(t, url)
	msgs, err := rdb.XRange(ctx, prefix+"run:{r1}:events", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].ID != "1-0" || msgs[1].ID != "2-0" ||
		msgs[1].Values["seq"] != "2" || msgs[1].Values["data"] != `{"b":2}` {
		t.Fatalf("stream entries = %v", msgs)
	}
	if st, err := rdb.Get(ctx, prefix+"run:{r1}:state").Result(); err != nil || st != "sealed" {
		t.Fatalf("state = %q, %v; want sealed", st, err)
	}
}

// TestTTLRefreshed: every write moves both keys' expiry to TTL from then.
func TestTTLRefreshed(t *testing.T) {
	url, prefix := testenv.Redis(t)
	const ttl = time.Minute
	c := openClient(t, target{url, prefix}, redis.Options{TTL: ttl})
	rdb := rawClient(t, url)
	ctx := t.Context()
	keys := []string{prefix + "run:{r1}:events", prefix + "run:{r1}:state"}
	shorten := func() {
		t.Helper()
		for _, k := range keys {
			if err := rdb.PExpire(ctx, k, 5*time.Second).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkTTL := func(after string) {
		t.Helper()
		for _, k := range keys {
			d, err := rdb.PTTL(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if d < ttl-10*time.Second || d > ttl {
				t.Fatalf("after %s, %s expires in %v, want about %v", after, k, d, ttl)
			}
		}
	}
	if err := c.Append(ctx, "r1", []coord.Frame{{Seq: 1, Data: []byte(`{}`)}}, false); err != nil {
		t.Fatal(err)
	}
	checkTTL("the first Append")
	shorten()
	if err := c.Append(ctx, "r1", []coord.Frame{{Seq: 2, Data: []byte(`{}`)}}, false); err != nil {
		t.Fatal(err)
	}
	checkTTL("a later Append")
	shorten()
	if err := c.Seal(ctx, "r1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	checkTTL("Seal")
}

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := redis.Open(ctx, "", redis.Options{}); err == nil {
		t.Error("Open of an empty url: no error")
	}
	if _, err := redis.Open(ctx, "http://user:s3cret@127.0.0.1:6379", redis.Options{}); err == nil {
		t.Error("Open of an http url: no error")
	} else if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
	// Nothing listens on port 1.
	_, err := redis.Open(ctx, "redis://:s3cret@127.0.0.1:1/0?dial_timeout=1s&max_retries=-1", redis.Options{})
	if err == nil {
		t.Fatal("Open of a closed port: no error")
	}
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error should name the server but not the password: %v", err)
	}
}
