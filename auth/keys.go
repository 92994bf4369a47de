package auth

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"os"
	"strings"
)

// MinKeyLen is the shortest service key accepted: shorter ones are
// guessable.
const MinKeyLen = 16

// LoadKeys reads a --api-keys value: comma-separated keys, or @/path/file
// with one key per line (blank lines and # comments ignored).
func LoadKeys(spec string) ([]string, error) {
	var keys []string
	if path, ok := strings.CutPrefix(spec, "@"); ok {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("api keys: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("api keys: %s: %w", path, err)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("api keys: %s holds no key", path)
		}
		return keys, nil
	}
	for _, k := range strings.Split(spec, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// keySet holds the service keys' SHA-256 digests: comparing digests of one
// length, every key every time, tells a timing observer nothing about
// which key, or how much of one, a guess matched.
type keySet [][sha256.Size]byte

func newKeySet(keys []string) (keySet, error) {
	s := make(keySet, 0, len(keys))
	for i, k := range keys {
		if len(k) < MinKeyLen {
			// Say which one by position: the key itself is never printed.
			return nil, fmt.Errorf("auth: service key %d is shorter than %d characters", i+1, MinKeyLen)
		}
		if strings.ContainsAny(k, " \t,") {
			return nil, fmt.Errorf("auth: service key %d contains a space or comma", i+1)
		}
		s = append(s, sha256.Sum256([]byte(k)))
	}
	return s, nil
}

func (s keySet) has(cred string) bool {
	sum := sha256.Sum256([]byte(cred))
	match := 0
	for i := range s {
		match |= subtle.ConstantTimeCompare(s[i][:], sum[:])
	}
	return match == 1
}
