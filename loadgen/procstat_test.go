package loadgen

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestProc_ParsesStatAndStatus(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "42")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(utime, stime int, rssKB int) {
		// comm holds spaces and a ')' to check fields are counted from the last ')'
		stat := "42 (my (odd) srv) S 1 42 42 0 -1 4194560 100 0 0 0 " +
			strconv.Itoa(utime) + " " + strconv.Itoa(stime) + " 0 0 20 0 9 0 100 1000000 300 18446744073709551615\n"
		status := "Name:\tsrv\nVmHWM:\t  204800 kB\nVmRSS:\t  " + strconv.Itoa(rssKB) + " kB\nThreads:\t9\n"
		os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644)
		os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644)
	}
	p := &procSampler{root: root, pid: 42}
	t0 := time.Now()
	write(100, 50, 1024)
	first := p.sample(t0)
	if first == nil || first.RSSBytes != 1024*1024 || first.CPUTicks != 150 || first.Threads != 9 || first.HWMBytes != 200<<20 {
		t.Fatalf("first sample %+v (err %v)", first, p.lastError)
	}
	write(250, 100, 4096) // 200 ticks = 2 CPU seconds over 4 s: 50%
	second := p.sample(t0.Add(4 * time.Second))
	if second == nil || second.CPUPercent != 50 || second.RSSBytes != 4<<20 {
		t.Fatalf("second sample %+v", second)
	}
	st := p.stats(4*time.Second, 100)
	if st.CPUSeconds != 2 || st.AvgCPUPercent != 50 || st.CPUMsPerTurn != 20 || st.PeakRSSBytes != 4<<20 || st.Error != "" {
		t.Errorf("stats %+v", st)
	}
}

func TestProc_MissingProcess(t *testing.T) {
	t.Parallel()
	p := &procSampler{root: t.TempDir(), pid: 7}
	if s := p.sample(time.Now()); s != nil {
		t.Fatalf("sample of a missing process: %+v", s)
	}
	if st := p.stats(time.Second, 1); st.Error == "" {
		t.Error("no error reported for a missing process")
	}
}
