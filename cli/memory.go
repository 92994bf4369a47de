package cli

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Memory an instance needs besides its runs, and what one run may take
// (its event log, SSE buffers, goroutines; measured well under this).
const (
	baseMemory   = 64 << 20
	perRunMemory = 128 << 10
	maxRunsCap   = 10000
)

// defaultMaxRuns sizes the run budget for the process's memory limit: the
// smaller of GOMEMLIMIT and the cgroup's memory.max, when either is set.
func defaultMaxRuns() int {
	limit := debug.SetMemoryLimit(-1)
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n < limit {
			limit = n
		}
	}
	if limit == math.MaxInt64 || limit <= baseMemory {
		if limit <= baseMemory {
			return 16
		}
		return maxRunsCap
	}
	return int(min((limit-baseMemory)/perRunMemory, maxRunsCap))
}
