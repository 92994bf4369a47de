package fakellm

import (
	"hash/maphash"
	"strings"
	"sync"
)

// prefixCache simulates a provider's prompt cache, so cached-token
// accounting can be tested offline: a request's cached tokens are the
// prompt tokens of its longest prefix of messages that an earlier request
// also began with (a conversation's next turn repeats all of its earlier
// turns). Unlike a real cache there is no minimum length, no block
// granularity and no expiry. It keeps one hash per prefix seen, at most
// maxPrefixes of them; when full it starts over, as a cache that evicted
// everything would.
type prefixCache struct {
	mu   sync.Mutex
	seed maphash.Seed
	seen map[uint64]struct{}
}

const maxPrefixes = 1 << 18

func newPrefixCache() *prefixCache {
	return &prefixCache{seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
}

// cached records req's prefixes and returns the prompt tokens of the
// longest one seen before.
func (c *prefixCache) cached(req *chatRequest) int {
	var h maphash.Hash
	h.SetSeed(c.seed)
	hashes := make([]uint64, len(req.Messages))
	tokens := make([]int, len(req.Messages))
	n := 0
	for i := range req.Messages {
		m := &req.Messages[i]
		// Each hash covers every message up to i: the role, the call it
		// answers and the raw content, separated so that no two prefixes
		// run together.
		h.WriteString(m.Role)
		h.WriteByte(0)
		h.WriteString(m.ToolCallID)
		h.WriteByte(0)
		h.Write(m.Content)
		h.WriteByte(0)
		hashes[i] = h.Sum64()
		n += len(strings.Fields(m.text()))
		tokens[i] = n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	hit := 0
	for i, sum := range hashes {
		if _, ok := c.seen[sum]; ok {
			hit = tokens[i]
		}
	}
	if len(c.seen)+len(hashes) > maxPrefixes {
		clear(c.seen)
	}
	for _, sum := range hashes {
		c.seen[sum] = struct{}{}
	}
	return hit
}
