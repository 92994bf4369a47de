#!/usr/bin/env bash
# Overhead: what agentd itself costs per turn when the model answers at
# once. Conversations of OVERHEAD_TURNS turns (think time 0, full history as
# CopilotKit sends it) arrive at a fixed rate; each step offers a higher
# rate of turns per second and measures what completes, durably stored, on
# SQLite and on PostgreSQL. A CPU and heap profile of the SQLite run at
# OVERHEAD_PROFILE_RATE is taken through --admin-addr.
#
#   bash bench/overhead.sh                    # ~6 min
#   OVERHEAD_STORES=sqlite OVERHEAD_RATES="1000 3000" bash bench/overhead.sh
#
# Knobs: OVERHEAD_RATES ("1000 2000 3000 4000 6000" turns/s offered),
# OVERHEAD_STEP_S (15), OVERHEAD_TURNS (10 per conversation),
# OVERHEAD_STORES ("sqlite postgres"), OVERHEAD_MODEL (sim: the in-process
# instant model; fakellm: `agentd fakellm` with ttft 0, unpaced, through the
# OpenAI provider), OVERHEAD_PROFILE_RATE (3000; empty: no profile),
# AGENTD_BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test?sslmode=disable;
# a schema is created for the run and dropped after), BENCH_QUIET_WAIT_S /
# BENCH_QUIET_LOAD (wait for a quiet machine before each step).
# Results: bench/results/overhead/<store>-<rate>.{json,html} and summary.md.
source "$(dirname "$0")/lib.sh"
need_jq

rates="${OVERHEAD_RATES:-1000 2000 3000 4000 6000}"
step="${OVERHEAD_STEP_S:-15}"
turns="${OVERHEAD_TURNS:-10}"
stores="${OVERHEAD_STORES:-sqlite postgres}"
model="${OVERHEAD_MODEL:-sim}"
profile_rate="${OVERHEAD_PROFILE_RATE-3000}"
pg_url="${AGENTD_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

raise_nofile 20000
out="$(results_dir overhead)"
build
rows=()

for st in $stores; do
  case "$st" in
    sqlite) store_url="sqlite://$WORK/overhead.db" ;;
    postgres) pg_schema "$pg_url" agentd_bench; store_url="$PG_STORE_URL" ;;
    *) die "unknown store $st (sqlite or postgres)" ;;
  esac
  model_flags=(--model sim --sim-tps 0)
  if [[ "$model" == fakellm ]]; then
    start_fakellm --ttft 0 --tps 0 --tokens 12 --jitter 0 --tools never
    model_flags=(--model openai:fakellm --openai-base-url "$FAKELLM_URL")
  fi
  pprof_addr="127.0.0.1:$(free_port)"
  start_agentd --store "$store_url" "${model_flags[@]}" --admin-addr "$pprof_addr"

  for rate in $rates; do
    users=$((rate * step / turns))
    name="$st-$rate"
    wait_quiet
    log "=== $st: offering $rate turns/s ($users conversations of $turns turns over ${step}s) load: $(cut -d' ' -f1-3 /proc/loadavg)"
    machine="$(machine_json)"
    prof_pid=""
    if [[ "$st" == sqlite && "$rate" == "$profile_rate" ]]; then
      (sleep 3; profile "$pprof_addr" $((step - 5)) "$out/$name") &
      prof_pid=$!
      STARTED_PIDS+=("$prof_pid")
    fi
    children_cpu
    lg_cpu0="$CHILDREN_CPU"
    "$AGENTD" loadtest --url "$AGENTD_URL/" --users "$users" --ramp-up "${step}s" --turns "$turns" \
      --think 0s --turn-timeout 30s --duration "${step}s" --pid "$AGENTD_PID" \
      --out "$out/$name.json" --html "$out/$name.html" | tee "$out/$name.txt"
    children_cpu
    alive "$AGENTD_PID" || die "agentd exited during $name"
    jq -n --argjson m "$machine" --arg store "$st" --arg model "$model" --argjson rate "$rate" --argjson step "$step" \
      --argjson lg "$(awk -v a="$lg_cpu0" -v b="$CHILDREN_CPU" 'BEGIN{printf "%.1f", b - a}')" \
      '{machine:$m, store:$store, model:$model, offered:$rate, step:$step, loadgenCPUSeconds:$lg}' >"$out/$name.extra.json"
    rows+=("$name")
    [[ -n "$prof_pid" ]] && { wait "$prof_pid" || log "profile failed"; }
    sleep 3
  done
  stop_pid "$AGENTD_PID"
  [[ "$model" == fakellm ]] && stop_pid "$FAKELLM_PID"
done

{
  echo "| store | offered turns/s | completed ok/s (steady) | ok | other outcomes | silent | first event p50 / p99 | turn p50 / p99 | agentd CPU | CPU ms/turn | loadgen CPU | peak RSS | load avg |"
  echo "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
  for name in "${rows[@]}"; do
    jq -r -s '.[0] as $r | .[1] as $x |
      def ms: if . == null then "–" elif . >= 1000 then "\(. / 1000 * 100 | round / 100) s" else "\(. * 100 | round / 100) ms" end;
      # completed per second over the steady part: from 3 s in to the end of the arrivals.
      ([$r.series[] | select(.t > 3 and .t <= $x.step) | (.outcomes.ok // 0)]) as $w |
      (if ($w | length) > 0 then ($w | add) / ($w | length) else 0 end) as $steady |
      ([$r.outcomes | to_entries[] | select(.key != "ok") | "\(.key) \(.value)"] | join(", ")) as $other |
      "| \($x.store) | \($x.offered) | \($steady | round) | \($r.outcomes.ok // 0) | \(if $other == "" then "–" else $other end) | \($r.silentFailures) " +
      "| \($r.latency.first_event.p50 | ms) / \($r.latency.first_event.p99 | ms) | \($r.latency.turn.p50 | ms) / \($r.latency.turn.p99 | ms) " +
      "| \($r.server.avgCpuPercent // 0 | round)% | \($r.server.cpuMsPerTurn // 0 | . * 100 | round / 100) " +
      "| \($x.loadgenCPUSeconds / $r.elapsedSeconds * 100 | round)% " +
      "| \(($r.server.peakRssBytes // 0) / 1048576 | round) MiB | \($x.machine.loadavg) |"' \
      "$out/$name.json" "$out/$name.extra.json"
  done
} | tee "$out/summary.md"
log "results in $out"
