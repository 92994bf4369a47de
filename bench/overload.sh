#!/usr/bin/env bash
# Overload: far more users than the run budget. Every turn must end ok or
# with an explicit 429/503 carrying Retry-After, never silently, and the
# rejections must come back fast. Three variants, each a fresh agentd in
# front of `agentd fakellm` (10 s turns):
#   budget-wait  --max-runs 50, default --queue-wait 2s: a caller waits up
#                to 2 s for a slot, then gets 503
#   budget-fast  --max-runs 50, --queue-wait 0: 503 at once
#   rate         --rate 10 --rate-burst 20 (all virtual users share one
#                client IP, so one bucket): 429
#
#   bash bench/overload.sh          # ~3 min
#
# Knobs: OVERLOAD_USERS (1000), OVERLOAD_DURATION_S (40), OVERLOAD_RAMP_S
# (5), OVERLOAD_MAX_RUNS (50), OVERLOAD_VARIANTS ("budget-wait budget-fast
# rate"), BENCH_QUIET_WAIT_S / BENCH_QUIET_LOAD.
# Results: bench/results/overload/<variant>.{json,html,txt} and summary.md;
# the script exits non-zero if any turn failed silently, any rejection
# lacked Retry-After, or agentd exited.
source "$(dirname "$0")/lib.sh"
need_jq

users="${OVERLOAD_USERS:-1000}"
duration="${OVERLOAD_DURATION_S:-40}"
ramp="${OVERLOAD_RAMP_S:-5}"
max_runs="${OVERLOAD_MAX_RUNS:-50}"
variants="${OVERLOAD_VARIANTS:-budget-wait budget-fast rate}"

raise_nofile $((users * 2 + 1024))
out="$(results_dir overload)"
build
failed=0

for v in $variants; do
  case "$v" in
    budget-wait) flags=(--max-runs "$max_runs" --queue-wait 2s) ;;
    budget-fast) flags=(--max-runs "$max_runs" --queue-wait 0s) ;;
    rate) flags=(--rate 10 --rate-burst 20) ;;
    *) die "unknown variant $v" ;;
  esac
  wait_quiet
  log "=== $v: $users users, ${flags[*]} load: $(cut -d' ' -f1-3 /proc/loadavg)"
  machine="$(machine_json)"
  # 200 tokens at 20 tok/s after ~0.5 s: about 10.5 s per turn.
  start_fakellm --ttft 500ms --tps 20 --tokens 200 --jitter 0.2 --tools never
  start_agentd --store "sqlite://$WORK/overload-$v.db" --model openai:fakellm \
    --openai-base-url "$FAKELLM_URL" "${flags[@]}"
  "$AGENTD" loadtest --url "$AGENTD_URL/" --users "$users" --ramp-up "${ramp}s" --turns 100000 \
    --think 1s --think-jitter 0.5 --turn-timeout 60s --duration "${duration}s" --pid "$AGENTD_PID" \
    --out "$out/$v.json" --html "$out/$v.html" | tee "$out/$v.txt"
  if ! alive "$AGENTD_PID"; then
    log "FAIL: agentd exited during $v"
    failed=1
  fi
  jq -n --argjson m "$machine" --arg v "$v" --arg flags "${flags[*]}" \
    '{machine:$m, variant:$v, flags:$flags}' >"$out/$v.extra.json"
  # Explicit outcomes only: ok, 429 or 503, each rejection with Retry-After.
  if ! jq -e '.silentFailures == 0
      and ([.outcomes | keys[] | select(. != "ok" and . != "http_429" and . != "http_503")] | length == 0)
      and ([.retryAfter[] | .without] | add // 0) == 0' "$out/$v.json" >/dev/null; then
    log "FAIL: $v had silent failures, other outcomes, or rejections without Retry-After"
    failed=1
  fi
  stop_pid "$AGENTD_PID"
  stop_pid "$FAKELLM_PID"
done

{
  echo "| variant | server flags | turns | ok | 429 | 503 | other | silent | with Retry-After | rejection p50 / p99 / max | ok turn p50 / p99 | first event p99 (ok) | load avg |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  for v in $variants; do
    jq -r -s '.[0] as $r | .[1] as $x |
      def ms: if . == null then "–" elif . >= 1000 then "\(. / 1000 * 100 | round / 100) s" else "\(. * 100 | round / 100) ms" end;
      ($r.outcomes // {}) as $o |
      ([$o | to_entries[] | select(.key != "ok" and .key != "http_429" and .key != "http_503") | .value] | add // 0) as $other |
      ([$r.retryAfter[] | .with] | add // 0) as $with | ([$r.retryAfter[] | .with + .without] | add // 0) as $rej |
      "| \($x.variant) | `\($x.flags)` | \($r.turns) | \($o.ok // 0) | \($o.http_429 // 0) | \($o.http_503 // 0) | \($other) | \($r.silentFailures) " +
      "| \($with) of \($rej) | \($r.latency.rejected.p50 | ms) / \($r.latency.rejected.p99 | ms) / \($r.latency.rejected.max | ms) " +
      "| \($r.latency.turn.p50 | ms) / \($r.latency.turn.p99 | ms) | \($r.latency.first_event.p99 | ms) | \($x.machine.loadavg) |"' \
      "$out/$v.json" "$out/$v.extra.json"
  done
} | tee "$out/summary.md"
log "results in $out"
exit "$failed"
