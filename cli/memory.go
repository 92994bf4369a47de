package cli

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Memory an instance needs besides its runs, and what one run may take:
// its event log, SSE and upstream buffers, goroutines, and the collector's
// headroom. bench/streammem.sh measured ~65 KiB of live heap and ~53 KiB
// of goroutine stacks per 400-token stream once the run log was compacted
// (it was ~270 KiB of RSS before; docs/benchmarks.md).
const (
	baseMemory   = 64 << 20
	perRunMemory = 160 << 10
	maxRunsCap   = 10000
)

// defaultMaxRuns sizes the run budget for the process's memory limit: the
// smaller of GOMEMLIMIT and its cgroup's memory.max, when either is set.
func defaultMaxRuns() int {
	limit := min(debug.SetMemoryLimit(-1), cgroupMemoryMax())
	if limit == math.MaxInt64 || limit <= baseMemory {
		if limit <= baseMemory {
			return 16
		}
		return maxRunsCap
	}
	return int(min((limit-baseMemory)/perRunMemory, maxRunsCap))
}

// cgroupMemoryMax reads memory.max of this process's cgroup (v2): the
// container's limit, or a systemd unit's MemoryMax. MaxInt64 when none.
func cgroupMemoryMax() int64 {
	dir := "/sys/fs/cgroup"
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if path, ok := strings.CutPrefix(line, "0::"); ok {
				dir += path
			}
		}
	}
	limit := int64(math.MaxInt64)
	// A limit may sit on any ancestor: take the smallest on the way up.
	for ; strings.HasPrefix(dir, "/sys/fs/cgroup"); dir = dir[:strings.LastIndex(dir, "/")] {
		b, err := os.ReadFile(dir + "/memory.max")
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n < limit {
			limit = n
		}
	}
	return limit
}
