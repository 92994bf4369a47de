#!/usr/bin/env bash
# Soak: steady load for a long time; RSS, Go heap and goroutines must stay
# flat. One agentd (SQLite, GOMEMLIMIT=450MiB) in front of `agentd
# fakellm` (turns of 5–15 s, 10 s on average) for SOAK_DURATION.
# SOAK_USERS conversations are in progress at any time: each virtual user
# holds one conversation of SOAK_CONV_TURNS turns (2 s think time) and new
# users keep arriving for the whole run, so conversations do not grow without bound (a run's cost
# grows with its conversation's length). agentd is sampled every SOAK_SAMPLE_S seconds: RSS from
# /proc; goroutines and runs in flight from /metrics; the live heap right
# after a forced GC through --admin-addr (the sample forces one GC each
# time, which costs little at this interval).
#
#   bash bench/soak.sh                      # 30 minutes
#   SOAK_DURATION=3m bash bench/soak.sh     # a short version
#
# Flat means: over the part after SOAK_WARMUP_S (default 150 s: one
# conversation's life plus the 1-minute rejoin window that retains finished
# runs), the mean of the
# last third is at most 10 % above the mean of the first third, for RSS,
# live heap and goroutines (samples while the load is winding down, under half
# the peak runs in flight, are left out). Knobs: SOAK_USERS (500), SOAK_DURATION (30m),
# SOAK_SAMPLE_S (10), SOAK_WARMUP_S (120), SOAK_GOMEMLIMIT (450MiB).
# Results: bench/results/soak/{soak.json,soak.html,samples.txt,summary.md};
# exits non-zero when a series is not flat, a turn failed silently, or
# agentd exited.
source "$(dirname "$0")/lib.sh"
need_jq

users="${SOAK_USERS:-500}"
conv_turns="${SOAK_CONV_TURNS:-5}"
duration="${SOAK_DURATION:-30m}"
sample="${SOAK_SAMPLE_S:-10}"
warmup="${SOAK_WARMUP_S:-150}"
# Users arrive evenly over the run; a conversation lasts about conv_turns ×
# (10.5 s turn + 2 s think), so this many users keep `users` in progress.
dur_s="$(awk -v d="$duration" 'BEGIN{ s = 0; while (match(d, /^[0-9.]+[hms]/)) { u = substr(d, RLENGTH, 1); v = substr(d, 1, RLENGTH - 1) + 0;
  s += (u == "h" ? 3600 : u == "m" ? 60 : 1) * v; d = substr(d, RLENGTH + 1) } print int(s) }')"
[[ "$dur_s" -gt 0 ]] || die "SOAK_DURATION $duration: want e.g. 30m, 1h or 90s"
total_users=$((users * dur_s * 10 / (conv_turns * 125)))
memlimit="${SOAK_GOMEMLIMIT:-450MiB}"

raise_nofile $((users * 4 + 1024))
out="$(results_dir soak)"
build
wait_quiet
machine="$(machine_json)"
start_fakellm --ttft 500ms --tps 20 --tokens 200 --tokens-jitter 0.5 --jitter 0.2 --tools never
pprof_addr="127.0.0.1:$(free_port)"
GOMEMLIMIT="$memlimit" start_agentd --store "sqlite://$WORK/soak.db" --model openai:fakellm \
  --openai-base-url "$FAKELLM_URL" --model-concurrency 10000 --admin-addr "$pprof_addr"
start_sampler "$AGENTD_URL" "$AGENTD_PID" "$out/samples.txt" "$sample" "$pprof_addr"
log "soak: $total_users users arriving over $duration, about $users conversations at a time, load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$AGENTD" loadtest --url "$AGENTD_URL/" --users "$total_users" --ramp-up "$duration" --turns "$conv_turns" \
  --think 2s --think-jitter 0.5 --turn-timeout 60s --duration "$duration" --interval 10s \
  --pid "$AGENTD_PID" --out "$out/soak.json" --html "$out/soak.html" | tee "$out/soak.txt"
alive "$AGENTD_PID" && agentd_alive=1 || agentd_alive=0
signal TERM "$SAMPLER_PID"

# Thirds of the window after warm-up: mean of the first and of the last.
flat="$(awk -v w="$warmup" 'BEGIN { n = 0 }
  NR == FNR { if ($4 > m) m = $4; next }  # first pass: peak runs in flight
  $1 >= w && $4 >= m / 2 { t[n] = $1; rss[n] = $2; gor[n] = $3; heap[n] = $7; n++ }
  function mean(a, from, to,   s, i) { s = 0; for (i = from; i < to; i++) s += a[i]; return s / (to - from) }
  END {
    if (n < 6) { print "{\"error\":\"too few samples after warm-up\"}"; exit }
    k = int(n / 3)
    printf "{\"samples\":%d,\"from\":%d,\"to\":%d", n, t[0], t[n-1]
    split("rss gor heap", names, " ")
    for (j = 1; j <= 3; j++) {
      if (names[j] == "rss") { a0 = mean(rss, 0, k); a1 = mean(rss, n - k, n) }
      if (names[j] == "gor") { a0 = mean(gor, 0, k); a1 = mean(gor, n - k, n) }
      if (names[j] == "heap") { a0 = mean(heap, 0, k); a1 = mean(heap, n - k, n) }
      printf ",\"%s\":{\"first\":%.0f,\"last\":%.0f,\"change\":%.3f,\"flat\":%s}", names[j], a0, a1,
        (a1 - a0) / a0, ((a1 - a0) / a0 <= 0.10 ? "true" : "false")
    }
    print "}"
  }' "$out/samples.txt" "$out/samples.txt")"
jq -n --argjson m "$machine" --argjson flat "$flat" --argjson alive "$agentd_alive" \
  --arg duration "$duration" --argjson users "$users" \
  '{machine:$m, users:$users, duration:$duration, agentdAlive:($alive == 1), flatness:$flat}' >"$out/soak.extra.json"

{
  echo "| conversations at a time | duration | turns ok | other | silent | turn p50 / p99 | RSS first → last third (MiB) | live heap first → last (MiB) | goroutines first → last | flat | load avg at start |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
  jq -r -s '.[0] as $r | .[1] as $x | $x.flatness as $f |
    def ms: if . == null then "–" elif . >= 1000 then "\(. / 1000 * 100 | round / 100) s" else "\(. * 10 | round / 10) ms" end;
    ([$r.outcomes | to_entries[] | select(.key != "ok") | .value] | add // 0) as $other |
    "| \($x.users) | \($x.duration) | \($r.outcomes.ok // 0) | \($other) | \($r.silentFailures) | \($r.latency.turn.p50 | ms) / \($r.latency.turn.p99 | ms) " +
    "| \($f.rss.first / 1024 | round) → \($f.rss.last / 1024 | round) | \($f.heap.first / 1048576 | round) → \($f.heap.last / 1048576 | round) " +
    "| \($f.gor.first) → \($f.gor.last) | \(if ($f.rss.flat and $f.heap.flat and $f.gor.flat) then "yes" else "no" end) | \($x.machine.loadavg) |"' \
    "$out/soak.json" "$out/soak.extra.json"
} | tee "$out/summary.md"
log "results in $out"
jq -e '.agentdAlive and .flatness.rss.flat and .flatness.heap.flat and .flatness.gor.flat' "$out/soak.extra.json" >/dev/null \
  && jq -e '.silentFailures == 0' "$out/soak.json" >/dev/null || die "FAIL: not flat, silent failures, or agentd exited"
