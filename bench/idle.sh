#!/usr/bin/env bash
# Idle threads: a stored conversation nobody is using should cost the
# server no memory. Creates IDLE_THREADS threads (one turn each, instant
# model, SQLite), waits until the rejoin window has released the finished
# runs (and one more run has swept them), forces a GC through --admin-addr
# and compares the Go heap in use with the same measure before the threads
# existed. The heap profile at the end is kept to show what is left.
#
#   bash bench/idle.sh            # ~1 min
#
# Knobs: IDLE_THREADS (20000), IDLE_REJOIN_WINDOW (5s: agentd's
# --rejoin-window, shortened from the 1m default so the wait is short).
# Results: bench/results/idle/{idle.json,summary.md,heap.pprof,heap.top.txt}.
source "$(dirname "$0")/lib.sh"
need_jq

threads="${IDLE_THREADS:-20000}"
window="${IDLE_REJOIN_WINDOW:-5s}"

raise_nofile 4096
out="$(results_dir idle)"
build
machine="$(machine_json)"
pprof_addr="127.0.0.1:$(free_port)"
start_agentd --store "sqlite://$WORK/idle.db" --model sim --sim-tps 0 \
  --rejoin-window "$window" --admin-addr "$pprof_addr"

# heap_after_gc prints the bytes of live Go heap right after full GCs: two
# of them, since sync.Pool contents (net/http's per-connection buffers)
# survive one.
heap_after_gc() {
  curl -fsS --max-time 30 -o /dev/null "http://$pprof_addr/debug/pprof/heap?gc=1"
  curl -fsS --max-time 30 "http://$pprof_addr/debug/pprof/heap?gc=1&debug=1" |
    awk '$1=="#" && $2=="HeapAlloc" && !f {print $4; f=1}'
}

sleep 2
heap0="$(heap_after_gc)"
rss0="$(rss_kib "$AGENTD_PID")"
log "creating $threads threads"
"$AGENTD" loadtest --url "$AGENTD_URL/" --users "$threads" --ramp-up 20s --turns 1 --think 0s \
  --turn-timeout 30s --duration 40s --out "$out/create.json" | tee "$out/create.txt"
# Let the rejoin window lapse. agentd forgets expired runs when a run
# starts or ends, so one more small run (on a new thread) sweeps them.
sleep "$(( ${window%s} + 5 ))"
curl -fsS --max-time 30 -o /dev/null -H 'Content-Type: application/json' "$AGENTD_URL/" \
  -d '{"threadId":"idle-sweep","runId":"idle-sweep-1","messages":[{"id":"m1","role":"user","content":"hi"}]}'
sleep 1
heap1="$(heap_after_gc)"
curl -fsS --max-time 30 -o "$out/heap.pprof" "http://$pprof_addr/debug/pprof/heap?gc=1"
conns="$(ss -Htn state established "( sport = :${AGENTD_URL##*:} )" | wc -l)"
go tool pprof -top -sample_index=inuse_space -nodecount=25 "$AGENTD" "$out/heap.pprof" >"$out/heap.top.txt" 2>/dev/null || true
rss1="$(rss_kib "$AGENTD_PID")"
inflight="$(curl -fsS --max-time 10 "$AGENTD_URL/metrics" | awk '$1=="agentd_runs_in_flight"{print $2}')"
ok="$(jq '.outcomes.ok // 0' "$out/create.json")"

jq -n --argjson m "$machine" --argjson threads "$ok" --argjson heap0 "$heap0" --argjson heap1 "$heap1" \
  --argjson rss0 "$rss0" --argjson rss1 "$rss1" --arg window "$window" --argjson inflight "${inflight:-0}" --argjson conns "$conns" \
  '{machine:$m, threadsCreated:$threads, rejoinWindow:$window, runsInFlightAtEnd:$inflight, openConnectionsAtEnd:$conns,
    heapBeforeBytes:$heap0, heapAfterBytes:$heap1, rssBeforeKiB:$rss0, rssAfterKiB:$rss1,
    heapBytesPerThread:(if $threads > 0 then ($heap1 - $heap0) / $threads else null end)}' >"$out/idle.json"
{
  echo "| threads stored | runs in flight at end | open client connections at end | live Go heap: before → after | bytes per idle thread | RSS before → after |"
  echo "|---:|---:|---:|---:|---:|---:|"
  jq -r '"| \(.threadsCreated) | \(.runsInFlightAtEnd) | \(.openConnectionsAtEnd) | \(.heapBeforeBytes / 1048576 * 10 | round / 10) → \(.heapAfterBytes / 1048576 * 10 | round / 10) MiB " +
    "| \(.heapBytesPerThread | round) | \(.rssBeforeKiB / 1024 | round) → \(.rssAfterKiB / 1024 | round) MiB |"' "$out/idle.json"
} | tee "$out/summary.md"
log "results in $out"
