#!/usr/bin/env bash
# CI smoke: 200 virtual users for 20 s against a real agentd (SQLite) that
# talks to `agentd fakellm` through its OpenAI provider over HTTP. Fails on
# any silent failure (a turn that neither finished nor got an explicit
# error), if no turn succeeded, or if agentd exited. Takes about 40 s.
#
#   bash bench/smoke.sh
#
# SMOKE_USERS and SMOKE_DURATION change the size (defaults 200 and 20s).
source "$(dirname "$0")/lib.sh"

users="${SMOKE_USERS:-200}"
duration="${SMOKE_DURATION:-20s}"

raise_nofile $((users * 2 + 256))
build
# Short, fast replies: 20 tokens at 200 tok/s after 50 ms.
start_fakellm --ttft 50ms --tps 200 --tokens 20 --jitter 0.2 --tools never
start_agentd --store "sqlite://$WORK/smoke.db" --model openai:fakellm --openai-base-url "$FAKELLM_URL"

log "loadtest: $users users for $duration"
status=0
"$AGENTD" loadtest --url "$AGENTD_URL/" --users "$users" --ramp-up 3s --turns 1000 \
  --think 1s --think-jitter 0.5 --turn-timeout 15s --duration "$duration" \
  --pid "$AGENTD_PID" --fail-on-silent --out "$WORK/smoke.json" | tee "$WORK/summary.txt" || status=$?

if ! alive "$AGENTD_PID"; then
  tail -n 50 "$AGENTD_LOG" >&2
  die "FAIL: agentd exited during the smoke run"
fi
ok="$(awk '$1=="ok"{print $2}' "$WORK/summary.txt")"
if [[ "${ok:-0}" -eq 0 ]]; then
  tail -n 50 "$AGENTD_LOG" >&2
  die "FAIL: no turn succeeded"
fi
if [[ "$status" -ne 0 ]]; then
  die "FAIL: loadtest exited $status (silent failures or a setup error; see above)"
fi

# A clean SIGTERM must drain and exit 0.
signal TERM "$AGENTD_PID"
drain=0
wait "$AGENTD_PID" || drain=$?
if [[ "$drain" -ne 0 ]]; then
  tail -n 20 "$AGENTD_LOG" >&2
  die "FAIL: agentd exited $drain on SIGTERM"
fi
log "PASS: $ok ok turns, no silent failures, agentd drained and exited 0"
