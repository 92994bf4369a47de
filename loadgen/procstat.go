package loadgen

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
// Linux fixes it at 100 for user space on every architecture it supports.
const clockTicks = 100

// procSample is one reading of the server process.
type procSample struct {
	RSSBytes   int64
	HWMBytes   int64 // peak RSS as the kernel saw it
	Threads    int64
	CPUTicks   int64   // utime + stime
	CPUPercent float64 // of one core since the previous reading
}

// procSampler reads /proc/PID/stat and /proc/PID/status.
type procSampler struct {
	root      string // "/proc"; tests point it elsewhere
	pid       int
	first     procSample
	last      procSample
	lastAt    time.Time
	peakRSS   int64
	readings  int
	lastError error
}

func newProcSampler(pid int) *procSampler { return &procSampler{root: "/proc", pid: pid} }

// sample reads the process now; nil when it cannot (the error is kept).
func (p *procSampler) sample(now time.Time) *procSample {
	s, err := readProc(p.root, p.pid)
	if err != nil {
		p.lastError = err
		return nil
	}
	if p.readings == 0 {
		p.first = s
	} else if dt := now.Sub(p.lastAt).Seconds(); dt > 0 {
		s.CPUPercent = float64(s.CPUTicks-p.last.CPUTicks) / clockTicks / dt * 100
	}
	p.last, p.lastAt = s, now
	p.peakRSS = max(p.peakRSS, s.RSSBytes)
	p.readings++
	return &s
}

func readProc(root string, pid int) (procSample, error) {
	var s procSample
	dir := root + "/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return s, fmt.Errorf("reading server stats: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces, so
	// fields are counted from the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("%s/stat: no command name", dir)
	}
	f := bytes.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 18 {
		return s, fmt.Errorf("%s/stat: %d fields, want at least 20", dir, len(f)+2)
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)   // field 14
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)   // field 15
	threads, err3 := strconv.ParseInt(string(f[17]), 10, 64) // field 20
	if err1 != nil || err2 != nil || err3 != nil {
		return s, fmt.Errorf("%s/stat: bad utime, stime or num_threads", dir)
	}
	s.CPUTicks, s.Threads = utime+stime, threads
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return s, fmt.Errorf("reading server memory: %w", err)
	}
	s.RSSBytes = statusKB(status, "VmRSS:")
	s.HWMBytes = statusKB(status, "VmHWM:")
	return s, nil
}

// statusKB reads a "Key:   123 kB" line of /proc/PID/status, in bytes.
func statusKB(status []byte, key string) int64 {
	for line := range bytes.SplitSeq(status, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte(key)); ok {
			fs := bytes.Fields(v)
			if len(fs) > 0 {
				n, _ := strconv.ParseInt(string(fs[0]), 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

// ServerStats summarise the server process over the run.
type ServerStats struct {
	PID           int     `json:"pid"`
	PeakRSSBytes  int64   `json:"peakRssBytes"` // highest sampled VmRSS
	HWMBytes      int64   `json:"hwmBytes"`     // VmHWM at the end (peak since the process started)
	EndRSSBytes   int64   `json:"endRssBytes"`
	Threads       int64   `json:"threads"`
	CPUSeconds    float64 `json:"cpuSeconds"` // user+system during the run
	AvgCPUPercent float64 `json:"avgCpuPercent"`
	CPUMsPerTurn  float64 `json:"cpuMsPerTurn"` // CPUSeconds over completed turns
	Error         string  `json:"error,omitempty"`
}

func (p *procSampler) stats(elapsed time.Duration, turns int64) *ServerStats {
	st := &ServerStats{PID: p.pid}
	if p.lastError != nil {
		st.Error = p.lastError.Error()
	}
	if p.readings == 0 {
		return st
	}
	st.PeakRSSBytes, st.HWMBytes, st.EndRSSBytes, st.Threads = p.peakRSS, p.last.HWMBytes, p.last.RSSBytes, p.last.Threads
	st.CPUSeconds = float64(p.last.CPUTicks-p.first.CPUTicks) / clockTicks
	if s := elapsed.Seconds(); s > 0 {
		st.AvgCPUPercent = st.CPUSeconds / s * 100
	}
	if turns > 0 {
		st.CPUMsPerTurn = st.CPUSeconds * 1000 / float64(turns)
	}
	return st
}
