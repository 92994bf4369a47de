#!/usr/bin/env bash
# Memory per active stream, in about a minute: one agentd (SQLite) in front
# of `agentd fakellm` (400 tokens at 20 tokens/s, the ladder's turn), and
# `agentd loadtest` with STREAMMEM_USERS users ramped over one turn's length
# so the streams sit at every point of their turn, as in the ladder's steady
# state. Mid-run it forces a GC and reads the live heap, the runs in flight
# and the goroutines, and saves heap profiles and the goroutine stacks.
#
#   bash bench/streammem.sh                     # 500 users, ~70 s
#   AGENTD_BIN=/tmp/agentd-old bash bench/streammem.sh   # another build
#   BENCH_QUIET_WAIT_S=120 bash bench/streammem.sh       # wait for a quieter machine
#
# Prints, at each of the sample times, per stream: live heap = (live heap −
# idle live heap) / runs in flight; goroutines; goroutine stacks (not in the
# heap) = (stack in use − idle stack in use) / runs in flight. The live heap
# includes finished runs kept for rejoining (each user's first turn), as in
# the ladder. Results in bench/results/streammem/.
# Knobs: STREAMMEM_USERS (500), STREAMMEM_SAMPLES ("32 40", seconds after
# the load starts), STREAMMEM_PROFILE_RATE (heap profile sampling, bytes;
# 8192), STREAMMEM_GODEBUG (more GODEBUG settings for agentd), STREAMMEM_OUT
# (results subdirectory, streammem).
source "$(dirname "$0")/lib.sh"

users="${STREAMMEM_USERS:-500}"
samples="${STREAMMEM_SAMPLES:-32 40}"
raise_nofile $((users * 2 + 1024))
out="$(results_dir "${STREAMMEM_OUT:-streammem}")"
: >"$out/summary.txt"
wait_quiet
build

start_fakellm --ttft 750ms --tps 20 --tokens 400 --jitter 0.33 --tools never
pprof_addr="127.0.0.1:$(free_port)"
# A finer heap sampling rate than the default 512 KiB, so that the profile's
# per-stream numbers are more than a few samples.
GODEBUG="memprofilerate=${STREAMMEM_PROFILE_RATE:-8192}${STREAMMEM_GODEBUG:+,$STREAMMEM_GODEBUG}" start_agentd --store "sqlite://$WORK/mem.db" --model openai:fakellm --openai-base-url "$FAKELLM_URL" \
  --model-concurrency 10000 --admin-addr "$pprof_addr"

# save_heap saves a heap profile taken right after a forced GC; heap_total
# prints its total in use, in bytes: the live heap at that GC. (MemStats'
# HeapAlloc is read after the profile is written, by when garbage has piled
# up.)
save_heap() { curl -fsS --max-time 60 -o "$1" "http://$pprof_addr/debug/pprof/heap?gc=1"; }
heap_total() {
  go tool pprof -sample_index=inuse_space -top -unit=B -nodecount=1 "$AGENTD" "$1" 2>/dev/null |
    sed -n 's/.* of \([0-9]*\)B total.*/\1/p'
}
sleep 1
save_heap "$out/idle.heap.pprof"
idle="$(heap_total "$out/idle.heap.pprof")"
idle_stack="$(curl -fsS --max-time 5 "$AGENTD_URL/metrics" | awk '$1=="go_memstats_stack_inuse_bytes"{print $2}')"
log "idle live heap $idle bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Two turns per user: the second carries the first as history.
"$AGENTD" loadtest --url "$AGENTD_URL/" --users "$users" --ramp-up 20s --turns 2 --think 1s \
  --think-jitter 0.5 --turn-timeout 60s --duration 60s --out "$out/loadtest.json" >"$out/loadtest.txt" &
LOAD_PID=$!
STARTED_PIDS+=("$LOAD_PID")

t0=$SECONDS
last=""
for at in $samples; do
  sleep $((at - (SECONDS - t0)))
  save_heap "$out/$at.heap.pprof"
  m="$(curl -fsS --max-time 5 "$AGENTD_URL/metrics")"
  live="$(heap_total "$out/$at.heap.pprof")"
  inflight="$(awk '$1=="agentd_runs_in_flight"{print $2}' <<<"$m")"
  gor="$(awk '$1=="go_goroutines"{print $2}' <<<"$m")"
  stack="$(awk '$1=="go_memstats_stack_inuse_bytes"{print $2}' <<<"$m")"
  awk -v t="$at" -v l="$live" -v i="$idle" -v n="$inflight" -v g="$gor" -v s="$stack" -v s0="$idle_stack" 'BEGIN{
    printf "t=%ss  live heap %.1f MiB  runs in flight %d  goroutines %d  => per stream: %.1f KiB live heap, %.2f goroutines, %.1f KiB of stacks\n",
      t, l/1048576, n, g, (n>0 ? (l-i)/1024/n : 0), (n>0 ? g/n : 0), (n>0 ? (s-s0)/1024/n : 0) }' | tee -a "$out/summary.txt"
  last=$at
done
curl -fsS --max-time 30 -o "$out/goroutine.txt" "http://$pprof_addr/debug/pprof/goroutine?debug=1"
go tool pprof -top -sample_index=inuse_space -nodecount=30 "$AGENTD" "$out/$last.heap.pprof" >"$out/heap.top.txt" 2>/dev/null || true
log "heap profile at ~${last}s: $out/heap.top.txt; goroutines: $out/goroutine.txt"

wait "$LOAD_PID" || log "loadtest exited with $?"
tail -n 20 "$out/loadtest.txt"
