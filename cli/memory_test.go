package cli

import (
	"runtime/debug"
	"testing"
)

func TestDefaultMaxRunsFollowsTheMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(512 << 20)
	defer debug.SetMemoryLimit(old)
	want := int64(512<<20-baseMemory) / perRunMemory // 2867
	if c := cgroupMemoryMax(); c < 512<<20 {
		want = (c - baseMemory) / perRunMemory
	}
	if got := defaultMaxRuns(); int64(got) != want {
		t.Fatalf("max runs %d under a 512 MiB limit, want %d", got, want)
	}
	debug.SetMemoryLimit(32 << 20)
	if got := defaultMaxRuns(); got != 16 {
		t.Fatalf("max runs %d under a 32 MiB limit, want the floor of 16", got)
	}
}
