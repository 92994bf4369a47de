#!/usr/bin/env bash
# Scale-out on one machine: 1, 2 and 3 agentd instances sharing PostgreSQL
# and Redis, each instance capped at its own CPU quota (SCALEOUT_CPU, 0.3 of
# a core) through the cgroup v1 CPU controller, so that adding an instance
# adds CPU the way adding a machine would. The load generator spreads turns
# round robin over the instances. Two measurements:
#
#  paced  realistic turns: `agentd fakellm` as the model (1 s to the first
#         token, then 200 tokens at 40 tokens/s: 6 s a turn), users with
#         2 s ± 50 % think time. For each instance count a search over user
#         counts finds the most users served with p99 turn ≤ 1.25× the
#         model's own time, no silent failure and at most 0.1 % of turns
#         not ok. The first count starts at SCALEOUT_START_USERS and
#         doubles until a step fails, then bisects; each further count
#         starts at the first count's result times the instance ratio (what
#         linear scaling predicts) and grows by 1.25× until a step fails.
#         A count whose steps all passed is reported as a lower bound (≥).
#  sim    the instant model, more turns offered than the fleet completes:
#         completed turns/s for each instance count. When three capped
#         instances complete less than three times one while below their
#         quota, the shared PostgreSQL is what caps the fleet.
#
#   bash bench/scaleout.sh        # ~17 min (as root)
#   SCALEOUT_PROBES=2 SCALEOUT_RAMP_S=2 SCALEOUT_STEADY_S=4 SCALEOUT_TTFT=200ms \
#     SCALEOUT_TOKENS=20 SCALEOUT_TPS=100 SCALEOUT_START_USERS=10 \
#     SCALEOUT_STEP_S=4 SCALEOUT_RATE=200 bash bench/scaleout.sh    # ~2 min
#
# The load generator, fakellm, PostgreSQL and Redis are not capped (they
# stand for the clients, the model provider and the shared services); their
# CPU is recorded with each step. The instances' cgroups get cpu.shares
# SCALEOUT_SHARES (8192, eight times a process's default) so that on a
# busy machine they get their quota before the uncapped processes; each
# step reports how much of its quota every instance used and how often it
# was throttled, and the script fails if an instance used more than its
# quota (the cap not in effect).
#
# Knobs: SCALEOUT_MODES ("paced sim"), SCALEOUT_INSTANCES ("1 2 3"),
# SCALEOUT_CPU (0.3 cores per instance), SCALEOUT_SHARES (8192),
# paced: SCALEOUT_TTFT (1s), SCALEOUT_TPS (40), SCALEOUT_TOKENS (200),
# SCALEOUT_THINK (2s), SCALEOUT_SLACK (1.25: the p99 limit over the
# model's time), SCALEOUT_MAX_FAIL (0.001 of turns), SCALEOUT_START_USERS
# (100), SCALEOUT_PROBES (5 steps per instance count), SCALEOUT_RESOLUTION
# (0.05: stop bisecting when the bracket is this narrow), SCALEOUT_RAMP_S
# (10), SCALEOUT_STEADY_S (40), SCALEOUT_TURN_TIMEOUT (20s);
# sim: SCALEOUT_RATE (3000 turns/s offered), SCALEOUT_STEP_S (20),
# SCALEOUT_TURNS (10 per conversation);
# AGENTD_BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test?sslmode=disable),
# AGENTD_BENCH_REDIS_URL (redis://127.0.0.1:6379/0; keys go under a
# prefix of this run's own, deleted at exit), BENCH_CGROUP_CPU
# (/sys/fs/cgroup/cpu), BENCH_QUIET_WAIT_S.
# Results: bench/results/scaleout/{paced-<n>x<users>,sim-<n>}.{json,html,txt,extra.json}
# and summary.md.
source "$(dirname "$0")/lib.sh"
need_jq

modes=" ${SCALEOUT_MODES:-paced sim} "
counts="${SCALEOUT_INSTANCES:-1 2 3}"
cores="${SCALEOUT_CPU:-0.3}"
shares="${SCALEOUT_SHARES:-8192}"
ttft="${SCALEOUT_TTFT:-1s}"
tps="${SCALEOUT_TPS:-40}"
tokens="${SCALEOUT_TOKENS:-200}"
think="${SCALEOUT_THINK:-2s}"
slack="${SCALEOUT_SLACK:-1.25}"
max_fail="${SCALEOUT_MAX_FAIL:-0.001}"
start_users="${SCALEOUT_START_USERS:-100}"
max_probes="${SCALEOUT_PROBES:-5}"
resolution="${SCALEOUT_RESOLUTION:-0.05}"
ramp="${SCALEOUT_RAMP_S:-10}"
steady="${SCALEOUT_STEADY_S:-40}"
turn_timeout="${SCALEOUT_TURN_TIMEOUT:-20s}"
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
cgroup_cpu_check
raise_nofile 20000
out="$(results_dir scaleout)"
rm -f "$out"/paced-* "$out"/sim-* "$out/summary.md"
if command -v redis-cli >/dev/null; then
  CLEANUP_CMDS+=("redis-cli -u '$redis_url' --scan --pattern '$redis_prefix*' | xargs -r -n 500 redis-cli -u '$redis_url' del >/dev/null")
else
  log "redis-cli not found: keys under $redis_prefix stay in Redis"
fi

# One cgroup per instance slot, kept for the whole run: instance i of every
# step runs in CGROUPS[i].
max_n=0
for n in $counts; do ((n > max_n)) && max_n=$n; done
CGROUPS=()
for i in $(seq "$max_n"); do
  cgroup_cpu_new "agentd-bench-$$-$i" "$cores" "$shares"
  CGROUPS[i]="$CGROUP_DIR"
done
log "each instance capped at $cores of a core ($(cat "${CGROUPS[1]}/cpu.cfs_quota_us") µs per $(cat "${CGROUPS[1]}/cpu.cfs_period_us") µs) in $CGROUP_CPU_ROOT/agentd-bench-$$-*"

# start_fleet n [serve flags...] starts n instances on a fresh schema, each
# in its cgroup; sets URLS (loadtest flags) and PIDS.
start_fleet() {
  local n=$1 i
  shift
  pg_schema "$pg_url" agentd_scaleout
  URLS=()
  PIDS=()
  for i in $(seq "$n"); do
    AGENTD_CGROUP="${CGROUPS[i]}" start_agentd --store "$PG_STORE_URL" \
      --redis "$redis_url" --redis-prefix "$redis_prefix" "$@"
    URLS+=(--url "$AGENTD_URL/")
    PIDS+=("$AGENTD_PID")
  done
}

# measure_start and measure_end bracket a load run: the instances' CPU, the
# cgroups' throttling counters and the wall time. measure_end sets
# FLEET_JSON (one object per instance), MAX_QUOTA_USE (the highest share
# of its quota an instance used) and HARNESS_JSON, and dies if an instance
# used more CPU than its quota allows.
measure_start() {
  local i
  M_T0="$EPOCHREALTIME"
  M_TICKS=() M_PERIODS=() M_THROTTLED=() M_THROTTLED_NS=()
  for i in "${!PIDS[@]}"; do
    M_TICKS[i]="$(cpu_ticks "${PIDS[i]}")"
    M_PERIODS[i]="$(cgroup_stat "${CGROUPS[i + 1]}" nr_periods)"
    M_THROTTLED[i]="$(cgroup_stat "${CGROUPS[i + 1]}" nr_throttled)"
    M_THROTTLED_NS[i]="$(cgroup_stat "${CGROUPS[i + 1]}" throttled_time)"
  done
  M_FAKE0=0
  [[ -n "${FAKELLM_PID:-}" ]] && M_FAKE0="$(cpu_ticks "$FAKELLM_PID")"
  children_cpu
  M_LG0="$CHILDREN_CPU"
}

measure_end() {
  local i wall ticks rows=() fake=0
  wall="$(awk -v a="$M_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')"
  for i in "${!PIDS[@]}"; do
    alive "${PIDS[i]}" || die "instance ${PIDS[i]} exited (log: see $WORK)"
    ticks=$(($(cpu_ticks "${PIDS[i]}") - M_TICKS[i]))
    rows+=("$(awk -v t="$ticks" -v w="$wall" -v c="$cores" \
      -v p=$(($(cgroup_stat "${CGROUPS[i + 1]}" nr_periods) - M_PERIODS[i])) \
      -v th=$(($(cgroup_stat "${CGROUPS[i + 1]}" nr_throttled) - M_THROTTLED[i])) \
      -v ns=$(($(cgroup_stat "${CGROUPS[i + 1]}" throttled_time) - M_THROTTLED_NS[i])) \
      'BEGIN { printf "{\"cpuSeconds\":%.2f,\"quotaUse\":%.3f,\"periods\":%d,\"throttled\":%d,\"throttledSeconds\":%.2f}",
        t / 100, t / 100 / (c * w), p, th, ns / 1e9 }')")
    # The kernel enforces the quota per 100 ms period; a tick is 10 ms.
    if awk -v t="$ticks" -v w="$wall" -v c="$cores" 'BEGIN { exit !(t / 100 > c * w * 1.05 + 0.05) }'; then
      die "instance $((i + 1)) used $(awk -v t="$ticks" 'BEGIN { print t / 100 }') s of CPU in $wall s, more than its quota of $cores of a core: the cgroup cap is not in effect"
    fi
  done
  FLEET_JSON="[$(IFS=,; echo "${rows[*]}")]"
  MAX_QUOTA_USE="$(jq -r 'map(.quotaUse) | max' <<<"$FLEET_JSON")"
  [[ -n "${FAKELLM_PID:-}" ]] && fake=$(($(cpu_ticks "$FAKELLM_PID") - M_FAKE0))
  children_cpu
  HARNESS_JSON="$(awk -v f="$fake" -v a="$M_LG0" -v b="$CHILDREN_CPU" -v w="$wall" \
    'BEGIN { printf "{\"wallSeconds\":%.2f,\"fakellmCPUSeconds\":%.2f,\"loadgenCPUSeconds\":%.2f}", w, f / 100, b - a }')"
}

stop_fleet() {
  local p
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  [[ -n "${FAKELLM_PID:-}" ]] && stop_pid "$FAKELLM_PID"
  FAKELLM_PID=""
}

# --- paced: the most users served, by instance count ---

# The model's own time for a turn: first token, then every token paced.
model_ms="$(awk -v t="$ttft" -v n="$tokens" -v r="$tps" 'BEGIN {
  if (t ~ /^[0-9.]+ms$/) t = substr(t, 1, length(t) - 2) / 1000
  else if (t ~ /^[0-9.]+s$/) t = substr(t, 1, length(t) - 1)
  else exit 1
  if (r <= 0) exit 1
  printf "%d", (t + n / r) * 1000 }')" || die "SCALEOUT_TTFT must be like 1s or 750ms and SCALEOUT_TPS above 0"
limit_ms="$(awk -v m="$model_ms" -v s="$slack" 'BEGIN { printf "%d", m * s }')"

# paced_probe n users runs one step; sets PROBE_PASS (1 or 0).
paced_probe() { # n users
  local n=$1 users=$2 name="paced-$1x$2" verdict machine
  wait_quiet
  log "=== paced: $n instance(s), $users users (ramp ${ramp}s, steady ${steady}s), load: $(cut -d' ' -f1-3 /proc/loadavg)"
  machine="$(machine_json)"
  start_fakellm --ttft "$ttft" --tps "$tps" --tokens "$tokens" --jitter 0 --tools never
  start_fleet "$n" --model openai:fakellm --openai-base-url "$FAKELLM_URL" --model-concurrency 10000
  measure_start
  "$AGENTD" loadtest "${URLS[@]}" --users "$users" --ramp-up "${ramp}s" --turns 100000 \
    --think "$think" --think-jitter 0.5 --turn-timeout "$turn_timeout" --duration "$((ramp + steady))s" \
    --out "$out/$name.json" --html "$out/$name.html" | tee "$out/$name.txt"
  measure_end
  stop_fleet
  verdict="$(jq -r --argjson limit "$limit_ms" --argjson maxfail "$max_fail" '
    (.outcomes.ok // 0) as $ok | (.latency.turn.p99 // 0) as $p99 |
    if .turns == 0 then "no turns"
    elif .silentFailures > 0 then "\(.silentFailures) silent"
    elif (.turns - $ok) > $maxfail * .turns then "\(.turns - $ok) of \(.turns) not ok"
    elif $p99 > $limit then "p99 over the limit"
    else "pass" end' "$out/$name.json")"
  PROBE_PASS=0
  [[ "$verdict" == pass ]] && PROBE_PASS=1
  jq -n --argjson m "$machine" --argjson n "$n" --argjson users "$users" --argjson limit "$limit_ms" \
    --argjson model "$model_ms" --argjson cores "$cores" --argjson fleet "$FLEET_JSON" \
    --argjson harness "$HARNESS_JSON" --arg verdict "$verdict" \
    '{machine:$m, instances:$n, users:$users, modelMs:$model, limitMs:$limit, cpuPerInstance:$cores,
      verdict:$verdict, instancesCPU:$fleet} + $harness' >"$out/$name.extra.json"
  log "paced $n x $users users: $verdict (instances used up to $(awk -v u="$MAX_QUOTA_USE" 'BEGIN { printf "%d", u * 100 }')% of their quota)"
  PROBES+=("$name")
}

# paced_search n guess: bracket the most users n instances serve. Sets
# BEST[n] (most users of a step that passed, 0 if none) and FAILED[n] (fewest
# of a step that failed, 0 if none).
declare -A BEST FAILED
PROBES=()
paced_search() { # n guess growth
  local n=$1 g=$2 grow=$3 lo=0 hi=0 k=0
  while ((k < max_probes && g >= 1)); do
    paced_probe "$n" "$g"
    k=$((k + 1))
    if ((PROBE_PASS)); then lo=$g; else hi=$g; fi
    if ((hi == 0)); then
      # (CPU use is no guide: an instance's CPU per user falls as its load
      # rises, as writes batch.)
      g="$(awk -v g="$g" -v f="$grow" 'BEGIN { n = int(g * f + 0.5); print (n > g) ? n : g + 1 }')"
    elif ((lo == 0)); then
      g=$((g / 2))
    else
      (((hi - lo) <= 1)) && break
      awk -v lo="$lo" -v hi="$hi" -v r="$resolution" 'BEGIN { exit !(hi - lo <= lo * r) }' && break
      g=$(((lo + hi) / 2))
    fi
  done
  BEST[$n]=$lo
  FAILED[$n]=$hi
}

if [[ "$modes" == *" paced "* ]]; then
  log "paced: model time $model_ms ms, p99 limit $limit_ms ms, up to $max_probes steps of ~$((ramp + steady + 10)) s per instance count"
  first=""
  for n in $counts; do
    if [[ -z "$first" ]]; then
      first=$n
      paced_search "$n" "$start_users" 2
    else
      guess=$((BEST[$first] * n / first))
      ((guess < 1)) && guess="$start_users"
      paced_search "$n" "$guess" 1.25
    fi
  done
fi

# --- sim: completed turns/s, by instance count ---

if [[ "$modes" == *" sim "* ]]; then
  users=$((rate * step / turns))
  for n in $counts; do
    wait_quiet
    start_fleet "$n" --model sim --sim-tps 0
    log "=== sim: $n instance(s), offering $rate turns/s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    machine="$(machine_json)"
    measure_start
    "$AGENTD" loadtest "${URLS[@]}" --users "$users" --ramp-up "${step}s" --turns "$turns" \
      --think 0s --turn-timeout 30s --duration "${step}s" \
      --out "$out/sim-$n.json" --html "$out/sim-$n.html" | tee "$out/sim-$n.txt"
    measure_end
    stop_fleet
    jq -n --argjson m "$machine" --argjson n "$n" --argjson step "$step" --argjson rate "$rate" \
      --argjson cores "$cores" --argjson fleet "$FLEET_JSON" --argjson harness "$HARNESS_JSON" \
      '{machine:$m, instances:$n, step:$step, offered:$rate, cpuPerInstance:$cores, instancesCPU:$fleet} + $harness' \
      >"$out/sim-$n.extra.json"
  done
fi

# --- summary ---

# Shared by the tables: latency, each instance's share of its quota, its
# throttled periods, and the outcomes other than ok.
jq_lib='
  def ms: if . == null then "–" elif . >= 1000 then "\(. / 1000 * 100 | round / 100) s" else "\(. * 100 | round / 100) ms" end;
  def quota: "\([.instancesCPU[].quotaUse * 100 | round | tostring + "%"] | join(" / "))";
  def throttled: "\([.instancesCPU[] | "\(.throttled)/\(.periods)"] | join(" / "))";
  def other($r): ([$r.outcomes | to_entries[] | select(.key != "ok") | "\(.key) \(.value)"] | join(", ")) as $o |
    if $o == "" then "–" else $o end;'
ref="${counts%% *}"
{
  echo "# Scale-out: each instance capped at $cores of a core (cgroup v1 cpu.cfs_quota_us)"
  echo
  if [[ "$modes" == *" paced "* ]]; then
    echo "## Paced turns: most users served with p99 turn ≤ $slack × the model's $model_ms ms = $limit_ms ms"
    echo
    # ratio a a-failed b b-failed: a/b, marked ≥ or ≤ when a count had
    # no failing step and so is only a lower bound.
    ratio() {
      awk -v a="$1" -v fa="$2" -v b="$3" -v fb="$4" 'BEGIN {
        if (b == 0) { print "–"; exit }
        la = (fa == 0); lb = (fb == 0)
        if (la && lb) { print "– (both lower bounds)"; exit }
        printf "%s%.2f×\n", la ? "≥ " : (lb ? "≤ " : ""), a / b }'
    }
    echo "| instances | most users served | fewest users failed | vs $ref instance(s) |"
    echo "|---:|---:|---:|---:|"
    for n in $counts; do
      awk -v n="$n" -v b="${BEST[$n]}" -v f="${FAILED[$n]}" -v r="$(ratio "${BEST[$n]}" "${FAILED[$n]}" "${BEST[$ref]}" "${FAILED[$ref]}")" 'BEGIN {
        printf "| %d | %s | %s | %s |\n", n, (f == 0 && b > 0) ? "≥ " b : b, (f == 0) ? "– (none failed)" : f, r }'
    done
    if [[ " $counts " == *" 3 "* && " $counts " == *" 1 "* ]] && ((BEST[1] > 0)); then
      echo
      r="$(ratio "${BEST[3]}" "${FAILED[3]}" "${BEST[1]}" "${FAILED[1]}")"
      awk -v r="$r" 'BEGIN {
        v = r; sub(/^(≥|≤) /, "", v); sub(/×$/, "", v); v += 0
        if (r ~ /^–/) verdict = "undetermined: neither count found its limit (raise SCALEOUT_PROBES or SCALEOUT_START_USERS)"
        else if (r ~ /^≥/) verdict = (v >= 2.7) ? "met" : "undetermined: 3 instances found no limit (raise SCALEOUT_PROBES)"
        else if (r ~ /^≤/) verdict = (v < 2.7) ? "not met" : "undetermined: 1 instance found no limit (raise SCALEOUT_PROBES or SCALEOUT_START_USERS)"
        else verdict = (v >= 2.7) ? "met" : "not met"
        printf "3 vs 1 instance: **%s** users (target ≥ 2.7×: %s)\n", r, verdict }'
    fi
    echo
    echo "Every step, in the order run (instances' CPU as a share of each one's quota, and periods throttled / periods):"
    echo
    echo "| instances | users | verdict | turns ok | other | silent | turn p50 / p99 | first token p99 | instances' CPU, % of quota | throttled | fakellm + loadgen CPU | load avg |"
    echo "|---:|---:|---|---:|---|---:|---:|---:|---|---|---:|---|"
    for name in "${PROBES[@]}"; do
      jq -r -s "$jq_lib"' .[0] as $r | .[1] as $x |
        "| \($x.instances) | \($x.users) | \($x.verdict) | \($r.outcomes.ok // 0) | \(other($r)) | \($r.silentFailures) " +
        "| \($r.latency.turn.p50 | ms) / \($r.latency.turn.p99 | ms) | \($r.latency.first_token.p99 | ms) " +
        "| \($x | quota) | \($x | throttled) | \($x.fakellmCPUSeconds / $x.wallSeconds * 100 | round)% + \($x.loadgenCPUSeconds / $x.wallSeconds * 100 | round)% | \($x.machine.loadavg) |"' \
        "$out/$name.json" "$out/$name.extra.json"
    done
    echo
  fi
  if [[ "$modes" == *" sim "* ]]; then
    echo "## Instant model: completed turns/s, $rate turns/s offered"
    echo
    echo "| instances | completed ok/s (steady) | vs $ref instance(s) | ok | other | silent | first event p99 | turn p50 / p99 | instances' CPU, % of quota | throttled | loadgen CPU | load avg |"
    echo "|---:|---:|---:|---:|---|---:|---:|---:|---|---|---:|---|"
    ref_rate=""
    for n in $counts; do
      ok_rate="$(jq -r -s '.[0] as $r | .[1] as $x |
        [$r.series[] | select(.t > 3 and .t <= $x.step) | (.outcomes.ok // 0)] as $w |
        if ($w | length) > 0 then ($w | add) / ($w | length) else 0 end' "$out/sim-$n.json" "$out/sim-$n.extra.json")"
      [[ -z "$ref_rate" ]] && ref_rate="$ok_rate"
      vs="$(awk -v a="$ok_rate" -v b="$ref_rate" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }')"
      jq -r -s --argjson steady "$ok_rate" --arg vs "$vs" "$jq_lib"' .[0] as $r | .[1] as $x |
        "| \($x.instances) | \($steady | round) | \($vs) " +
        "| \($r.outcomes.ok // 0) | \(other($r)) | \($r.silentFailures) " +
        "| \($r.latency.first_event.p99 | ms) | \($r.latency.turn.p50 | ms) / \($r.latency.turn.p99 | ms) " +
        "| \($x | quota) | \($x | throttled) | \($x.loadgenCPUSeconds / $x.wallSeconds * 100 | round)% | \($x.machine.loadavg) |"' \
        "$out/sim-$n.json" "$out/sim-$n.extra.json"
    done
    echo
    echo "Instances below their quota while the total stops growing: the shared PostgreSQL (or the machine) is the cap."
  fi
} | tee "$out/summary.md"
log "results in $out"
