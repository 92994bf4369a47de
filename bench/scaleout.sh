#!/usr/bin/env bash
# Scale-out: 1 vs 3 agentd instances sharing PostgreSQL and Redis, with the
# load generator spreading turns round robin over the instances. Each
# configuration gets a fresh PostgreSQL schema and the instant model, and is
# offered more turns per second than it can complete; the completed rate is
# compared.
#
#   bash bench/scaleout.sh        # ~2 min
#
# On one 2-core machine three instances share the same two cores (and the
# load generator and PostgreSQL use them too), so this shows that turns
# spread and stay correct across instances, not how throughput grows with
# machines; run it with the instances on separate hosts for that.
#
# Knobs: SCALEOUT_INSTANCES ("1 3"), SCALEOUT_RATE (3000 turns/s offered),
# SCALEOUT_STEP_S (20), SCALEOUT_TURNS (10 per conversation),
# AGENTD_BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test?sslmode=disable),
# AGENTD_BENCH_REDIS_URL (redis://127.0.0.1:6379/0; keys go under a
# prefix of this run's own, deleted at exit), BENCH_QUIET_WAIT_S.
# Results: bench/results/scaleout/<n>.{json,html,txt} and summary.md.
source "$(dirname "$0")/lib.sh"
need_jq

counts="${SCALEOUT_INSTANCES:-1 3}"
rate="${SCALEOUT_RATE:-3000}"
step="${SCALEOUT_STEP_S:-20}"
turns="${SCALEOUT_TURNS:-10}"
pg_url="${AGENTD_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
redis_url="${AGENTD_BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}"
# A prefix of our own, whose keys are deleted at exit.
redis_prefix="agentd-bench-$$-$RANDOM:"

build
help="$("$AGENTD" serve -h 2>&1 || true)"
if ! grep -q -- '-redis ' <<<"$help"; then
  log "SKIPPED: this agentd has no --redis flag yet; scale-out is pending"
  exit 0
fi
raise_nofile 20000
out="$(results_dir scaleout)"
if command -v redis-cli >/dev/null; then
  CLEANUP_CMDS+=("redis-cli -u '$redis_url' --scan --pattern '$redis_prefix*' | xargs -r -n 500 redis-cli -u '$redis_url' del >/dev/null")
else
  log "redis-cli not found: keys under $redis_prefix stay in Redis"
fi
users=$((rate * step / turns))

for n in $counts; do
  wait_quiet
  pg_schema "$pg_url" agentd_scaleout
  urls=()
  pids=()
  for i in $(seq "$n"); do
    start_agentd --store "$PG_STORE_URL" --redis "$redis_url" --redis-prefix "$redis_prefix" --model sim --sim-tps 0
    urls+=(--url "$AGENTD_URL/")
    pids+=("$AGENTD_PID")
  done
  log "=== $n instance(s): offering $rate turns/s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
  machine="$(machine_json)"
  cpu0=0
  for p in "${pids[@]}"; do cpu0=$((cpu0 + $(cpu_ticks "$p"))); done
  "$AGENTD" loadtest "${urls[@]}" --users "$users" --ramp-up "${step}s" --turns "$turns" \
    --think 0s --turn-timeout 30s --duration "${step}s" \
    --out "$out/$n.json" --html "$out/$n.html" | tee "$out/$n.txt"
  cpu1=0
  for p in "${pids[@]}"; do
    alive "$p" || die "instance $p exited"
    cpu1=$((cpu1 + $(cpu_ticks "$p")))
  done
  jq -n --argjson m "$machine" --argjson n "$n" --argjson step "$step" --argjson rate "$rate" \
    --argjson cpu "$(((cpu1 - cpu0) / 100))" \
    '{machine:$m, instances:$n, step:$step, offered:$rate, agentdCPUSeconds:$cpu}' >"$out/$n.extra.json"
  for p in "${pids[@]}"; do stop_pid "$p"; done
done

{
  echo "| instances | offered turns/s | completed ok/s (steady) | ok | other | silent | first event p99 | turn p50 / p99 | agentd CPU (all) | load avg |"
  echo "|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"
  for n in $counts; do
    jq -r -s '.[0] as $r | .[1] as $x |
      def ms: if . == null then "–" elif . >= 1000 then "\(. / 1000 * 100 | round / 100) s" else "\(. * 100 | round / 100) ms" end;
      ([$r.series[] | select(.t > 3 and .t <= $x.step) | (.outcomes.ok // 0)]) as $w |
      (if ($w | length) > 0 then ($w | add) / ($w | length) else 0 end) as $steady |
      ([$r.outcomes | to_entries[] | select(.key != "ok") | "\(.key) \(.value)"] | join(", ")) as $other |
      "| \($x.instances) | \($x.offered) | \($steady | round) | \($r.outcomes.ok // 0) | \(if $other == "" then "–" else $other end) | \($r.silentFailures) " +
      "| \($r.latency.first_event.p99 | ms) | \($r.latency.turn.p50 | ms) / \($r.latency.turn.p99 | ms) " +
      "| \($x.agentdCPUSeconds / $r.elapsedSeconds * 100 | round)% | \($x.machine.loadavg) |"' \
      "$out/$n.json" "$out/$n.extra.json"
  done
} | tee "$out/summary.md"
log "results in $out"
