#!/usr/bin/env bash
# Capacity ladder: one agentd (SQLite, GOMEMLIMIT=450MiB for a 512 MB
# budget) in front of `agentd fakellm`, driven by `agentd loadtest` at 100,
# 500, 1,000, 2,000 and 5,000 concurrent users holding conversations of
# 10–30 s turns. Each step starts a fresh agentd and fakellm, ramps up,
# holds steady, and stops by itself.
#
#   bash bench/ladder.sh                                  # full ladder, ~15 min
#   LADDER_STEPS="100 1000" LADDER_STEADY_S=30 bash bench/ladder.sh   # quick
#
# Results: bench/results/ladder/<users>.{json,html,samples} and summary.md.
# agentd is sampled every 10 s (samples columns: seconds, RSS KiB,
# goroutines, runs in flight, SSE clients, heap in use, live heap after a
# forced GC through --admin-addr; one forced GC per 10 s is a small cost).
# Knobs (environment): LADDER_STEPS, LADDER_RAMP_S (20), LADDER_STEADY_S
# (90), LADDER_THINK (2s), LADDER_TTFT (750ms), LADDER_TPS (20),
# LADDER_TOKENS (400), LADDER_TOKENS_JITTER (0.5: each reply 200–600 tokens,
# so turns of 10–30 s), LADDER_JITTER (0.33), LADDER_GOMEMLIMIT (450MiB),
# LADDER_MODEL_CONCURRENCY (10000), LADDER_TURN_TIMEOUT (90s), LADDER_OUT
# (results subdirectory, default ladder),
# LADDER_EXTRA_SERVE_FLAGS (appended to `agentd serve`), LADDER_PPROF
# (steps, e.g. "2000", at which to take 15 s CPU and heap profiles mid-step
# into <users>.cpu.pprof, …; default none),
# BENCH_QUIET_WAIT_S / BENCH_QUIET_LOAD (wait for a quiet machine first).
source "$(dirname "$0")/lib.sh"
need_jq

steps="${LADDER_STEPS:-100 500 1000 2000 5000}"
ramp="${LADDER_RAMP_S:-20}"
steady="${LADDER_STEADY_S:-90}"
think="${LADDER_THINK:-2s}"
ttft="${LADDER_TTFT:-750ms}"
tps="${LADDER_TPS:-20}"
tokens="${LADDER_TOKENS:-400}"
tokens_jitter="${LADDER_TOKENS_JITTER:-0.5}"
jitter="${LADDER_JITTER:-0.33}"
memlimit="${LADDER_GOMEMLIMIT:-450MiB}"
model_conc="${LADDER_MODEL_CONCURRENCY:-10000}"
turn_timeout="${LADDER_TURN_TIMEOUT:-90s}"
read -r -a extra <<<"${LADDER_EXTRA_SERVE_FLAGS:-}"
pprof_steps=" ${LADDER_PPROF:-} "

max_users=0
for u in $steps; do ((u > max_users)) && max_users=$u; done
# agentd holds a client and a model socket per stream.
raise_nofile $((max_users * 2 + 1024))
out="$(results_dir "${LADDER_OUT:-ladder}")"
build

for users in $steps; do
  wait_quiet
  log "=== step: $users users (ramp ${ramp}s, steady ${steady}s) load: $(cut -d' ' -f1-3 /proc/loadavg)"
  machine="$(machine_json)"
  start_fakellm --ttft "$ttft" --tps "$tps" --tokens "$tokens" --tokens-jitter "$tokens_jitter" --jitter "$jitter" --tools never
  pprof=0
  [[ "$pprof_steps" == *" $users "* ]] && pprof=1
  pprof_addr="127.0.0.1:$(free_port)"
  GOMEMLIMIT="$memlimit" start_agentd --store "sqlite://$WORK/ladder-$users.db" \
    --model openai:fakellm --openai-base-url "$FAKELLM_URL" \
    --model-concurrency "$model_conc" --admin-addr "$pprof_addr" "${extra[@]}"
  slots="$(metric "$AGENTD_URL" agentd_run_slots)"
  sleep 2
  idle_rss="$(rss_kib "$AGENTD_PID")"
  idle_live="$(curl -fsS --max-time 20 "http://$pprof_addr/debug/pprof/heap?gc=1&debug=1" |
    awk '$1=="#" && $2=="HeapAlloc" && !f {print $4; f=1}')"
  start_sampler "$AGENTD_URL" "$AGENTD_PID" "$out/$users.samples" 10 "$pprof_addr"
  fake_cpu0="$(cpu_ticks "$FAKELLM_PID")"
  children_cpu
  lg_cpu0="$CHILDREN_CPU"

  if [[ "$pprof" == 1 ]]; then
    (sleep $((ramp + steady / 2)); profile "$pprof_addr" 15 "$out/$users") &
    STARTED_PIDS+=("$!")
  fi
  "$AGENTD" loadtest --url "$AGENTD_URL/" --users "$users" --ramp-up "${ramp}s" --turns 100000 \
    --think "$think" --think-jitter 0.5 --turn-timeout "$turn_timeout" --duration "$((ramp + steady))s" \
    --pid "$AGENTD_PID" --out "$out/$users.json" --html "$out/$users.html" | tee "$out/$users.txt"

  children_cpu
  lg_cpu="$(awk -v a="$lg_cpu0" -v b="$CHILDREN_CPU" 'BEGIN{printf "%.1f", b - a}')"
  fake_cpu="$(($(cpu_ticks "$FAKELLM_PID") - fake_cpu0))"
  alive "$AGENTD_PID" && agentd_alive=true || agentd_alive=false
  server_fe="$(hist_quantiles "$AGENTD_URL" agentd_run_first_event_seconds || echo null)"
  signal TERM "$SAMPLER_PID"
  jq -n --argjson m "$machine" --argjson users "$users" --argjson idle "$idle_rss" \
    --argjson slots "${slots:-0}" --argjson alive "$agentd_alive" \
    --argjson peakInFlight "$(sampler_max "$out/$users.samples" 4)" \
    --argjson peakSSE "$(sampler_max "$out/$users.samples" 5)" \
    --argjson peakGoroutines "$(sampler_max "$out/$users.samples" 3)" \
    --argjson peakHeap "$(sampler_max "$out/$users.samples" 6)" \
    --argjson peakLive "$(sampler_max "$out/$users.samples" 7)" --argjson idleLive "${idle_live:-0}" \
    --argjson fakeCPU "$(awk -v t="$fake_cpu" 'BEGIN{print t/100}')" \
    --argjson loadgenCPU "$lg_cpu" --argjson serverFirstEvent "${server_fe:-null}" \
    '{machine:$m, serverFirstEvent:$serverFirstEvent, users:$users, idleRssKiB:$idle, runSlots:$slots, agentdAlive:$alive,
      peakRunsInFlight:$peakInFlight, peakSSEClients:$peakSSE, peakGoroutines:$peakGoroutines, peakHeapInuseBytes:$peakHeap, idleLiveHeapBytes:$idleLive, peakLiveHeapBytes:$peakLive,
      fakellmCPUSeconds:$fakeCPU, loadgenCPUSeconds:$loadgenCPU}' >"$out/$users.extra.json"

  stop_pid "$AGENTD_PID"
  stop_pid "$FAKELLM_PID"
done

# One row per step.
{
  echo "| users | peak streams | turns ok | 429 | 503 | other | silent | first event p50 / p99 | server-added first event p50 / p99 (bucket bound) | first token p99 | turn p50 / p99 | RSS idle → peak | RSS KiB per stream | live heap peak | live heap KiB per stream | agentd CPU | CPU ms/turn | fakellm + loadgen CPU | load avg |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for users in $steps; do
    jq -r -s '.[0] as $r | .[1] as $x |
      def ms: if . == null then "–" elif . >= 1000 then "\(. / 1000 * 100 | round / 100) s" else "\(. * 10 | round / 10) ms" end;
      def le: if type == "number" then "≤ \(. * 1000 | ms)" else "> 10 s" end;
      ($r.outcomes // {}) as $o |
      ([$o | to_entries[] | select(.key != "ok" and .key != "http_429" and .key != "http_503") | .value] | add // 0) as $other |
      (($r.server.peakRssBytes // 0) / 1024) as $peak |
      "| \($x.users) | \($x.peakRunsInFlight) | \($o.ok // 0) | \($o.http_429 // 0) | \($o.http_503 // 0) | \($other) | \($r.silentFailures) " +
      "| \($r.latency.first_event.p50 | ms) / \($r.latency.first_event.p99 | ms) " +
      "| \(if $x.serverFirstEvent then "\($x.serverFirstEvent.p50 | le) / \($x.serverFirstEvent.p99 | le)" else "–" end) " +
      "| \($r.latency.first_token.p99 | ms) " +
      "| \($r.latency.turn.p50 | ms) / \($r.latency.turn.p99 | ms) " +
      "| \($x.idleRssKiB / 1024 | round) → \($peak / 1024 | round) MiB " +
      "| \(if $x.peakRunsInFlight > 0 then (($peak - $x.idleRssKiB) / $x.peakRunsInFlight | round) else "–" end) " +
      "| \($x.peakLiveHeapBytes / 1048576 | round) MiB " +
      "| \(if $x.peakRunsInFlight > 0 then (($x.peakLiveHeapBytes - $x.idleLiveHeapBytes) / 1024 / $x.peakRunsInFlight | round) else "–" end) " +
      "| \($r.server.avgCpuPercent // 0 | round)% | \($r.server.cpuMsPerTurn // 0 | . * 10 | round / 10) " +
      "| \($x.fakellmCPUSeconds | round) s + \($x.loadgenCPUSeconds | round) s | \($x.machine.loadavg) |"' \
      "$out/$users.json" "$out/$users.extra.json"
  done
} | tee "$out/summary.md"
log "results in $out"
