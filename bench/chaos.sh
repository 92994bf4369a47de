#!/usr/bin/env bash
# Chaos: three agentd instances on PostgreSQL + Redis serve a few hundred
# paced users (`agentd fakellm` through the OpenAI provider, 1–3 s turns)
# whose client retries a 429/503 on the next instance after Retry-After
# (--retry) and rejoins a dropped stream on the next instance with
# Last-Event-ID (--rejoin). Meanwhile: a rolling restart (SIGTERM each
# instance in turn, start it again on its port), the clients' connections
# to one instance cut for 1 s, a kill -9 of one instance (started again),
# PostgreSQL cut for 10 s and Redis cut for 10 s (each cut through
# `agentd chaosproxy`). After the run every thread is read back
# (--verify): a turn a client saw finish must be in it. Takes about 3 min.
#
#   bash bench/chaos.sh
#
# It fails if any turn was silent (neither finished nor got an explicit
# error) or any finished turn is missing from its thread.
#
# Knobs: CHAOS_USERS (300), CHAOS_DURATION_S (150), CHAOS_RETRY (8),
# CHAOS_REJOIN (10), AGENTD_BENCH_POSTGRES_URL
# (postgres://postgres@127.0.0.1:5432/test?sslmode=disable; a schema of its
# own, dropped at exit), AGENTD_BENCH_REDIS_URL (redis://127.0.0.1:6379/0;
# keys under a prefix of its own, deleted at exit), BENCH_QUIET_WAIT_S.
# Results: bench/results/chaos/{chaos.json,chaos.html,chaos.txt,faults.tsv,summary.md}.
source "$(dirname "$0")/lib.sh"
need_jq

users="${CHAOS_USERS:-300}"
duration="${CHAOS_DURATION_S:-150}"
retry="${CHAOS_RETRY:-8}"
rejoin="${CHAOS_REJOIN:-10}"
pg_url="${AGENTD_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
redis_url="${AGENTD_BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}"
redis_prefix="agentd-chaos-$$-$RANDOM:"
((duration >= 140)) || die "CHAOS_DURATION_S must be at least 140: the faults take that long"

build
raise_nofile $((users * 4 + 512))
out="$(results_dir chaos)"
if command -v redis-cli >/dev/null; then
  CLEANUP_CMDS+=("redis-cli -u '$redis_url' --scan --pattern '$redis_prefix*' | xargs -r -n 500 redis-cli -u '$redis_url' del >/dev/null")
else
  log "redis-cli not found: keys under $redis_prefix stay in Redis"
fi
wait_quiet
pg_schema "$pg_url" agentd_chaos

# hostport prints the host:port of a postgres:// or redis:// URL.
hostport() { sed -E 's|^[a-z]+://([^@/]*@)?([^/?]*).*|\2|' <<<"$1"; }

# start_proxy target: a chaosproxy in front of target; sets PROXY_ADDR and
# PROXY_CONTROL (the control API's base URL).
start_proxy() {
  local logf="$WORK/chaosproxy.$RANDOM.log" pid line
  "$AGENTD" chaosproxy --listen 127.0.0.1:0 --target "$1" --control 127.0.0.1:0 >"$logf" 2>&1 &
  pid=$!
  STARTED_PIDS+=("$pid")
  line="$(wait_log_addr "$logf" "$pid" 's|^chaosproxy listening on \([0-9.:]*\) to .*, control on \(http://[0-9.:]*\)$|\1 \2|p')"
  PROXY_ADDR="${line% *}"
  PROXY_CONTROL="${line#* }"
  log "chaosproxy pid $pid: $PROXY_ADDR -> $1, control $PROXY_CONTROL"
}
start_proxy "$(hostport "$pg_url")"
pg_proxy="$PROXY_CONTROL"
store_url="${PG_STORE_URL/$(hostport "$pg_url")/$PROXY_ADDR}"
start_proxy "$(hostport "$redis_url")"
redis_proxy="$PROXY_CONTROL"
redis_via="${redis_url/$(hostport "$redis_url")/$PROXY_ADDR}"

# 1.5 s on average: 30 ± 9 tokens at 20 tokens/s after 300 ms.
start_fakellm --ttft 300ms --tps 20 --tokens 30 --tokens-jitter 0.3 --jitter 0.2 --tools never

ports=() pids=() logs=()
start_instance() { # index: on its port once it has one, else on a free one
  start_agentd --addr "127.0.0.1:${ports[$1]:-0}" --store "$store_url" --redis "$redis_via" --redis-prefix "$redis_prefix" \
    --model openai:fakellm --openai-base-url "$FAKELLM_URL" --lease-ttl 15s
  pids[$1]="$AGENTD_PID"
  ports[$1]="${AGENTD_URL##*:}"
  logs[$1]="${logs[$1]:-} $AGENTD_LOG"
}
urls=()
for i in 0 1 2; do
  start_instance "$i"
  if ((i < 2)); then urls+=(--url "$AGENTD_URL/"); fi
done
# Clients reach instance 3 through a proxy too, to cut their connections
# while its runs go on.
start_proxy "127.0.0.1:${ports[2]}"
client_proxy="$PROXY_CONTROL"
urls+=(--url "http://$PROXY_ADDR/")

machine="$(machine_json)"
log "=== chaos: $users users for ${duration}s over 3 instances, load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$AGENTD" loadtest "${urls[@]}" --users "$users" --ramp-up 20s --turns 100000 --think 3s --think-jitter 0.5 \
  --turn-timeout 60s --duration "${duration}s" --retry "$retry" --rejoin "$rejoin" --verify \
  --out "$out/chaos.json" --html "$out/chaos.html" >"$out/chaos.txt" 2>"$WORK/loadtest.err" &
loadtest_pid=$!
STARTED_PIDS+=("$loadtest_pid")
t0=$SECONDS

faults="$out/faults.tsv"
printf 'fault\tstart_s\tend_s\tnote\n' >"$faults"
at() { # seconds: wait until that long after the load started
  while ((SECONDS - t0 < $1)); do sleep 0.2; done
}
fault() { # name start note
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$((SECONDS - t0))" "$3" >>"$faults"
  log "t=$((SECONDS - t0))s: $1 done ($3)"
}

# Rolling restart, from t=25 s: each instance drains on SIGTERM, exits and
# starts again on its port; 5 s between instances.
at 25
for i in 0 1 2; do
  s=$((SECONDS - t0))
  pid="${pids[$i]}"
  kill -TERM "$pid"
  code=0
  wait "$pid" || code=$?
  stopped=$((SECONDS - t0))
  start_instance "$i"
  fault "restart instance $((i + 1))" "$s" "SIGTERM, exited $code after $((stopped - s)) s, ready again at $((SECONDS - t0)) s"
  sleep 5
done

# The clients' connections to instance 3 cut at t=55 s for 1 s: its
# streams drop while the runs go on, and the clients rejoin elsewhere.
at 55
s=$((SECONDS - t0))
curl -fsS -X POST "$client_proxy/cut" >/dev/null
sleep 1
curl -fsS -X POST "$client_proxy/restore" >/dev/null
fault "clients of instance 3 cut 1 s" "$s" "every client connection closed, new ones closed at once"

# kill -9 of instance 2 at t=70 s; started again 5 s later. Its runs end
# with instance_lost once their leases lapse (--lease-ttl 15s, so before
# the next fault).
at 70
s=$((SECONDS - t0))
signal KILL "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
sleep 5
start_instance 1
fault "kill -9 instance 2" "$s" "started again, ready at $((SECONDS - t0)) s"

# PostgreSQL cut for 10 s at t=95 s, Redis at t=120 s.
for dep in postgres redis; do
  if [[ "$dep" == postgres ]]; then at 95; ctl="$pg_proxy"; else at 120; ctl="$redis_proxy"; fi
  s=$((SECONDS - t0))
  curl -fsS -X POST "$ctl/cut" >/dev/null
  sleep 10
  curl -fsS -X POST "$ctl/restore" >/dev/null
  fault "$dep cut 10 s" "$s" "every connection closed, new ones refused"
done

status=0
wait "$loadtest_pid" || status=$?
# The wall clock against the load generator's monotonic one: a jump means
# the machine stalled (every lease is timed by the wall clock).
clock_jump="$(jq -r --argjson now "$(date +%s.%N)" \
  '($now - (.started | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601)) - .elapsedSeconds - (.verify.seconds // 0) | floor' "$out/chaos.json")"
cat "$out/chaos.txt"
[[ -s "$WORK/loadtest.err" ]] && cat "$WORK/loadtest.err" >&2
alive_all=1
for i in 0 1 2; do alive "${pids[$i]}" || { alive_all=0; log "instance $((i + 1)) is not running at the end"; }; done
errors="$(cat ${logs[*]} | grep -c '"level":"ERROR"' || true)"
panics="$(cat ${logs[*]} | grep -c 'panic' || true)"

jq -n --argjson m "$machine" --argjson users "$users" --argjson retry "$retry" --argjson rejoin "$rejoin" \
  --argjson errors "$errors" --argjson panics "$panics" --argjson alive "$alive_all" --argjson jump "$clock_jump" \
  '{machine:$m, users:$users, retry:$retry, rejoin:$rejoin, errorLogLines:$errors, panics:$panics, allAlive:($alive==1), clockJumpSeconds:$jump}' \
  >"$out/extra.json"
{
  echo "| turns attempted | ok at first try | ok after retry | ok after rejoin | explicit errors (by code) | silent | committed turns lost | threads read back |"
  echo "|---:|---:|---:|---:|---|---:|---:|---:|"
  jq -r '
    ([.outcomes | to_entries[] | select(.key != "ok") | "\(.key) \(.value)"] | join(", ")) as $err |
    "| \(.turns) | \(.recovery.okFirstTry) | \(.recovery.okAfterRetry) | \(.recovery.okAfterRejoin) " +
    "| \(if $err == "" then "–" else $err end) | \(.silentFailures) " +
    "| \(.verify.lost // "not checked") of \(.verify.turns // 0) | \(.verify.threads // 0) (\(.verify.unreadable // 0) unreadable) |"' \
    "$out/chaos.json"
  echo
  echo "Retries sent: $(jq .recovery.retries "$out/chaos.json"), rejoins sent: $(jq .recovery.rejoins "$out/chaos.json");" \
    "agentd ERROR log lines: $errors, panics: $panics; all instances up at the end: $([[ $alive_all == 1 ]] && echo yes || echo no);" \
    "load average at the start: $(jq -r .loadavg <<<"$machine"), at the end: $(cut -d' ' -f1-3 /proc/loadavg);" \
    "wall clock ahead of the load generator's by ${clock_jump} s (0 unless the machine stalled)."
  echo
  echo "| fault | at | turns ending from its start until the next fault's (or the end) | of the ok: after retry, after rejoin |"
  echo "|---|---:|---|---:|"
  tail -n +2 "$faults" | awk -F'\t' -v OFS='\t' 'NR > 1 {print prev, $2} {prev = $0} END {print prev, 100000}' |
    while IFS=$'\t' read -r name s e note next; do
    jq -r --arg name "$name" --arg note "$note" --argjson s "$s" --argjson e "$e" --argjson next "$next" '
      [.series[] | select(.t > $s and .t <= $next)] as $w |
      ([$w[] | .outcomes | to_entries[]] | group_by(.key) | map("\(.[0].key) \(map(.value) | add)") | join(", ")) as $o |
      "| \($name): \($note) | \($s)–\($e) s | \($o) " +
      "| \([$w[].recovered.okAfterRetry] | add // 0), \([$w[].recovered.okAfterRejoin] | add // 0) |"' "$out/chaos.json"
  done
} | tee "$out/summary.md"
log "results in $out"

silent="$(jq .silentFailures "$out/chaos.json")"
lost="$(jq '.verify.lost // 0' "$out/chaos.json")"
((silent == 0)) || die "FAIL: $silent silent turns"
((lost == 0)) || die "FAIL: $lost finished turns missing from their threads"
((status == 0)) || die "FAIL: loadtest exited $status"
((alive_all == 1)) || die "FAIL: an instance is down at the end"
log "PASS: no silent turn, no finished turn lost"
