# Shared helpers for the bench/ scripts; source it, do not run it.
#
# Everything listens on 127.0.0.1 with a port the kernel picks. Every
# process a script starts is remembered by PID and stopped by that PID when
# the script exits (normally, on error or on Ctrl-C); nothing is stopped by
# name.

set -euo pipefail

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
export PGOPTIONS="${PGOPTIONS:--c client_min_messages=warning}"

# WORK holds the binary, databases and logs of this run.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/agentd-bench.XXXXXX")"
STARTED_PIDS=()
CLEANUP_CMDS=() # run after the processes are stopped, e.g. dropping a schema

# ours succeeds when pid is still a child of this script: a PID that has
# exited may have been reused by someone else's process, which must never
# be signalled.
ours() { [[ -n "$1" && "$(awk '{print $4}' "/proc/$1/stat" 2>/dev/null)" == "$$" ]]; }

# signal sends a signal to a process this script started, if it still is one.
signal() { # SIG pid
  if ours "$2"; then kill "-$1" "$2" 2>/dev/null || true; fi
}

bench_cleanup() {
  local pid cmd
  for pid in "${STARTED_PIDS[@]:-}"; do
    signal TERM "$pid"
  done
  for pid in "${STARTED_PIDS[@]:-}"; do
    for _ in $(seq 50); do ours "$pid" || break; sleep 0.1; done
    signal KILL "$pid"
  done
  for cmd in "${CLEANUP_CMDS[@]:-}"; do
    [[ -n "$cmd" ]] && { eval "$cmd" || echo "bench: cleanup failed: $cmd" >&2; }
  done
  if [[ "${BENCH_KEEP_WORK:-0}" == 1 ]]; then
    echo "bench: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# build compiles agentd once into $WORK/agentd (or uses AGENTD_BIN, a
# binary built before, so several scenarios measure the same code).
build() {
  if [[ -n "${AGENTD_BIN:-}" ]]; then
    AGENTD="$AGENTD_BIN"
    log "using $AGENTD"
    return
  fi
  log "building agentd"
  (cd "$BENCH_ROOT" && go build -o "$WORK/agentd" ./cmd/agentd)
  AGENTD="$WORK/agentd"
}

# raise_nofile lifts the open-file limit as far as the hard limit allows and
# checks it covers need descriptors (each stream holds a client socket, and
# with fakellm a model socket too).
raise_nofile() { # need
  local want=65536 hard
  hard="$(ulimit -Hn)"
  [[ "$hard" != unlimited && "$hard" -lt "$want" ]] && want="$hard"
  ulimit -n "$want" 2>/dev/null || true
  if [[ "$(ulimit -n)" != unlimited && "$(ulimit -n)" -lt "$1" ]]; then
    die "open-file limit $(ulimit -n) is below the $1 this scenario needs (raise the hard limit: ulimit -Hn)"
  fi
}

# wait_log_addr waits until a log file shows the address a server bound and
# prints it. pattern is a sed expression capturing the host:port.
wait_log_addr() { # file pid sed-expr
  local addr=""
  for _ in $(seq 300); do
    addr="$(sed -n "$3" "$1" | head -n1)"
    [[ -n "$addr" ]] && { echo "$addr"; return 0; }
    alive "$2" || { cat "$1" >&2; die "process $2 exited during start-up"; }
    sleep 0.1
  done
  cat "$1" >&2
  die "no listen address in $1 after 30s"
}

# start_fakellm [flags...] starts the model simulator; sets FAKELLM_URL
# (the /v1 base URL) and FAKELLM_PID.
start_fakellm() {
  local logf="$WORK/fakellm.$RANDOM.log"
  "$AGENTD" fakellm --addr 127.0.0.1:0 "$@" >"$logf" 2>&1 &
  FAKELLM_PID=$!
  STARTED_PIDS+=("$FAKELLM_PID")
  local addr
  addr="$(wait_log_addr "$logf" "$FAKELLM_PID" 's|^fakellm listening on http://\([0-9.:]*\).*|\1|p')"
  FAKELLM_URL="http://$addr/v1"
  log "fakellm pid $FAKELLM_PID on $FAKELLM_URL ($*)"
}

# start_agentd [serve flags...] starts a server on a free port; sets
# AGENTD_PID, AGENTD_URL (base, no trailing slash) and AGENTD_LOG, and waits
# until /readyz answers 200. Extra environment (GOMEMLIMIT, …) is inherited.
# With AGENTD_CGROUP set (a directory made by cgroup_cpu_new) the server
# starts inside that cgroup: the shell joins it before it execs agentd, so
# the Go runtime sees its CPU quota from its first instruction.
start_agentd() {
  AGENTD_LOG="$WORK/agentd.$RANDOM.log"
  local launch=()
  if [[ -n "${AGENTD_CGROUP:-}" ]]; then
    launch=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$AGENTD_CGROUP")
  fi
  "${launch[@]}" "$AGENTD" serve --addr 127.0.0.1:0 --log-format json "$@" >"$AGENTD_LOG" 2>&1 &
  AGENTD_PID=$!
  STARTED_PIDS+=("$AGENTD_PID")
  if [[ -n "${AGENTD_CGROUP:-}" ]]; then
    # sh writes its PID, which exec keeps, before agentd runs.
    for _ in $(seq 50); do
      grep -qx "$AGENTD_PID" "$AGENTD_CGROUP/cgroup.procs" && break
      alive "$AGENTD_PID" || { cat "$AGENTD_LOG" >&2; die "agentd could not join cgroup $AGENTD_CGROUP"; }
      sleep 0.1
    done
    grep -qx "$AGENTD_PID" "$AGENTD_CGROUP/cgroup.procs" || die "agentd $AGENTD_PID is not in cgroup $AGENTD_CGROUP"
  fi
  local addr
  addr="$(wait_log_addr "$AGENTD_LOG" "$AGENTD_PID" 's|.*"msg":"listening".*"addr":"\([0-9.:]*\)".*|\1|p')"
  AGENTD_URL="http://$addr"
  for _ in $(seq 300); do
    if curl -fsS -o /dev/null --max-time 2 "$AGENTD_URL/readyz" 2>/dev/null; then
      log "agentd pid $AGENTD_PID ready on $AGENTD_URL"
      return 0
    fi
    alive "$AGENTD_PID" || { cat "$AGENTD_LOG" >&2; die "agentd exited during start-up"; }
    sleep 0.1
  done
  cat "$AGENTD_LOG" >&2
  die "agentd not ready after 30s"
}

# stop_pid stops one process this script started, by its PID, and waits
# (up to 30 s, then SIGKILL) until it is gone.
stop_pid() { # pid
  ours "$1" || return 0
  kill -TERM "$1" 2>/dev/null || return 0 # ours, checked above
  for _ in $(seq 300); do
    wait_gone "$1" && return 0
    sleep 0.1
  done
  signal KILL "$1"
  wait "$1" 2>/dev/null || true
}

# wait_gone succeeds once the child pid has exited (and reaps it).
wait_gone() {
  if [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" == Z ]] || ! ours "$1"; then
    wait "$1" 2>/dev/null || true
    return 0
  fi
  return 1
}

# alive fails when a process this script started has exited (a zombie not
# yet reaped counts as exited).
alive() { ours "$1" && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

# rss_kib prints a process's resident set in KiB.
rss_kib() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

# hist_quantiles prints {"p50":…,"p99":…,"count":…} for an unlabelled
# Prometheus histogram on agentd's /metrics: the upper bounds (seconds) of
# the buckets that hold its median and its 99th percentile ("+Inf" past the
# last bound).
hist_quantiles() {
  curl -fsS --max-time 5 "$1/metrics" | awk -v n="$2_bucket{le=" '
    index($1, n) == 1 { split($1, a, "\""); k++; le[k] = a[2]; c[k] = $2 }
    END {
      p50 = p99 = ""
      for (i = 1; i <= k; i++) {
        if (p50 == "" && c[i] >= 0.5 * c[k]) p50 = le[i]
        if (p99 == "" && c[i] >= 0.99 * c[k]) p99 = le[i]
      }
      q = "\""
      if (p50 == "+Inf" || p50 == "") p50 = q "+Inf" q
      if (p99 == "+Inf" || p99 == "") p99 = q "+Inf" q
      printf "{\"p50\":%s,\"p99\":%s,\"count\":%d}\n", p50, p99, c[k]
    }'
}

# metric prints one unlabelled Prometheus sample from agentd's /metrics.
metric() { # base-url name
  curl -fsS --max-time 5 "$1/metrics" | awk -v n="$2" '$1==n && !f {print $2; f=1}'
}

# machine_json describes this machine and its load right now.
machine_json() {
  local cpu mem load
  cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  mem="$(awk '/^MemTotal:/{printf "%.1f", $2/1048576}' /proc/meminfo)"
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  # With AGENTD_BIN built elsewhere, BENCH_COMMIT names what it was built from.
  local commit="${BENCH_COMMIT:-}" dirty=0
  if [[ -z "$commit" && -n "${AGENTD_BIN:-}" ]]; then
    commit="unknown (AGENTD_BIN; set BENCH_COMMIT)"
  elif [[ -z "$commit" ]]; then
    commit="$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    dirty="$(git -C "$BENCH_ROOT" status --porcelain 2>/dev/null | grep -vc '^?? bench/' || true)"
  fi
  printf '{"nproc":%s,"cpu":"%s","memGiB":%s,"go":"%s","loadavg":"%s","nofile":"%s","commit":"%s","dirtyFiles":%s,"at":"%s"}' \
    "$(nproc)" "$cpu" "$mem" "$(go env GOVERSION)" "$load" "$(ulimit -n)" "$commit" "${dirty:-0}" "$(date -u +%FT%TZ)"
}

need_jq() { command -v jq >/dev/null || die "this script needs jq for its summary table"; }

# results_dir is where JSON and HTML reports go (gitignored).
results_dir() { # scenario
  local d="$BENCH_ROOT/bench/results/$1"
  mkdir -p "$d"
  echo "$d"
}

# start_sampler scrapes agentd every interval until it exits or the script
# stops the sampler: one line per sample,
#   seconds rss_kib goroutines runs_in_flight sse_clients heap_inuse_bytes live_heap_bytes
# live_heap_bytes is the heap after a forced GC, read through the optional
# pprof address (0 without one); it is the number that shows a leak, as
# heap_inuse also counts garbage not yet collected. Sets SAMPLER_PID.
start_sampler() { # base-url agentd-pid out-file interval-seconds [pprof-host:port]
  (
    t0=$SECONDS
    while alive "$2"; do
      live=0
      if [[ -n "${5:-}" ]]; then
        live="$(curl -fsS --max-time 20 "http://$5/debug/pprof/heap?gc=1&debug=1" 2>/dev/null |
          awk '$1=="#" && $2=="HeapAlloc" {print $4}' || true)"
      fi
      m="$(curl -fsS --max-time 5 "$1/metrics" 2>/dev/null || true)"
      rss="$(awk '/^VmRSS:/{print $2}' "/proc/$2/status" 2>/dev/null || echo 0)"
      echo "$((SECONDS - t0)) ${rss:-0} $(awk '
        $1=="go_goroutines"{g=$2} $1=="agentd_runs_in_flight"{r=$2} $1=="agentd_sse_clients"{s=$2}
        $1=="go_memstats_heap_inuse_bytes"{h=$2}
        END{printf "%d %d %d %.0f", g, r, s, h}' <<<"$m") ${live:-0}"
      sleep "$4"
    done
  ) >"$3" &
  SAMPLER_PID=$!
  STARTED_PIDS+=("$SAMPLER_PID")
}

# sampler_max prints the largest value of a column (1-based) of a sampler file.
sampler_max() { awk -v c="$2" 'BEGIN{m=0} $c>m{m=$c} END{print m}' "$1"; }

# cpu_ticks prints a process's user+system CPU time in clock ticks (1/100 s).
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# children_cpu sets CHILDREN_CPU to the CPU seconds (user+system) used so
# far by this shell's finished children, e.g. the load generator once it has
# exited. (`times` must run in this shell, not a $(…) subshell.)
children_cpu() {
  times >"$WORK/times"
  CHILDREN_CPU="$(awk 'NR==2{
    for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
    printf "%.2f\n", t }' "$WORK/times")"
}

# free_port prints a port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# profile saves CPU (for seconds) and heap profiles from agentd's
# --admin-addr listener into prefix.cpu.pprof and prefix.heap.pprof, plus a
# text top of each.
profile() { # pprof-host:port seconds prefix
  curl -fsS --max-time $(($2 + 30)) -o "$3.cpu.pprof" "http://$1/debug/pprof/profile?seconds=$2"
  curl -fsS --max-time 30 -o "$3.heap.pprof" "http://$1/debug/pprof/heap"
  curl -fsS --max-time 30 -o "$3.goroutine.txt" "http://$1/debug/pprof/goroutine?debug=1"
  go tool pprof -top -nodecount=40 "$AGENTD" "$3.cpu.pprof" >"$3.cpu.top.txt" 2>/dev/null || true
  go tool pprof -top -cum -nodecount=40 "$AGENTD" "$3.cpu.pprof" >"$3.cpu.cum.txt" 2>/dev/null || true
  go tool pprof -top -sample_index=inuse_space -nodecount=30 "$AGENTD" "$3.heap.pprof" >"$3.heap.top.txt" 2>/dev/null || true
}

# pg_schema creates a dedicated schema in the PostgreSQL database at url,
# dropped when the script exits, and sets PG_STORE_URL to a store URL that
# uses it (search_path), so a run never touches the database's public
# schema. (Call it directly, not in $(…): the cleanup must be registered in
# this shell.)
pg_schema() { # url name-prefix
  command -v psql >/dev/null || die "psql is needed to create the benchmark schema"
  local schema="$2_$$_$RANDOM" sep='?'
  psql "$1" -qAtc "CREATE SCHEMA $schema" >/dev/null || die "cannot create schema $schema at $1"
  CLEANUP_CMDS+=("psql '$1' -qAtc 'DROP SCHEMA IF EXISTS $schema CASCADE' >/dev/null")
  [[ "$1" == *\?* ]] && sep='&'
  PG_STORE_URL="$1${sep}search_path=$schema"
}

# wait_quiet waits, up to BENCH_QUIET_WAIT_S seconds (default 0: not at
# all), for the 1-minute load average to fall below BENCH_QUIET_LOAD
# (default 1.0): on a shared machine the numbers mean more when nothing
# else runs. It goes on regardless and the load is recorded with each step.
wait_quiet() {
  local limit="${BENCH_QUIET_LOAD:-1.0}" waited=0 max="${BENCH_QUIET_WAIT_S:-0}"
  while ((waited < max)); do
    awk -v l="$limit" '{exit !($1 < l)}' /proc/loadavg && return 0
    ((waited == 0)) && log "waiting up to ${max}s for load average < $limit (now $(cut -d' ' -f1 /proc/loadavg))"
    sleep 5
    waited=$((waited + 5))
  done
}

# CPU quotas through the cgroup v1 CPU controller (BENCH_CGROUP_CPU, default
# /sys/fs/cgroup/cpu; needs root). A cgroup made here is removed at exit,
# after the processes in it are stopped, on success, error or Ctrl-C.
CGROUP_CPU_ROOT="${BENCH_CGROUP_CPU:-/sys/fs/cgroup/cpu}"

# cgroup_cpu_check dies with the reason when no cgroup can be made here.
cgroup_cpu_check() {
  [[ -f "$CGROUP_CPU_ROOT/cpu.cfs_quota_us" ]] ||
    die "no cgroup v1 CPU controller at $CGROUP_CPU_ROOT (no cpu.cfs_quota_us there; set BENCH_CGROUP_CPU to where it is mounted)"
  [[ -w "$CGROUP_CPU_ROOT/cgroup.procs" ]] ||
    die "the cgroup v1 CPU controller at $CGROUP_CPU_ROOT is not writable (run as root)"
}

# cgroup_cpu_new makes the cgroup CGROUP_CPU_ROOT/name, capped at cores
# (e.g. 0.3) per 100 ms period, with cpu.shares weight (default 1024): a
# weight above the other processes' makes the quota what the cgroup gets
# first when the machine is busy, not only its ceiling. Sets CGROUP_DIR.
cgroup_cpu_new() { # name cores [shares]
  local d="$CGROUP_CPU_ROOT/$1" period=100000 quota
  quota="$(awk -v c="$2" -v p="$period" 'BEGIN { q = int(c * p + 0.5); if (q < 1000) q = 1000; print q }')"
  mkdir "$d" 2>/dev/null || die "cannot create cgroup $d (is $CGROUP_CPU_ROOT writable? run as root)"
  CLEANUP_CMDS+=("cgroup_remove '$d'")
  { echo "$period" >"$d/cpu.cfs_period_us" && echo "$quota" >"$d/cpu.cfs_quota_us" &&
    echo "${3:-1024}" >"$d/cpu.shares"; } 2>/dev/null ||
    die "cannot set the CPU quota of cgroup $d"
  [[ "$(cat "$d/cpu.cfs_quota_us")" == "$quota" ]] || die "cgroup $d did not take quota $quota"
  CGROUP_DIR="$d"
}

# cgroup_remove removes a cgroup once its processes have gone (an exiting
# process may linger in it for a moment).
cgroup_remove() { # dir
  [[ -d "$1" ]] || return 0
  for _ in $(seq 100); do
    rmdir "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: could not remove cgroup $1 (processes left: $(tr '\n' ' ' <"$1/cgroup.procs"))" >&2
  return 1
}

# cgroup_stat prints one counter of a cgroup's cpu.stat (nr_periods,
# nr_throttled, throttled_time in ns).
cgroup_stat() { # dir key
  awk -v k="$2" '$1 == k { print $2 }' "$1/cpu.stat"
}
