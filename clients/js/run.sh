#!/usr/bin/env bash
# Builds agentd and runs the client kit's tests against it (AgentdAgent on
# @ag-ui/client 1.0.0 and 0.0.59, and inside the CopilotKit runtime 1.75).
# Extra arguments go to `node --test`. AGENTD_BIN, when set, is used
# instead of a fresh build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../jstest/agentd-bin.sh"

cd "$here"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# The CopilotKit runtime reports usage unless told not to; nothing leaves
# this machine.
export COPILOTKIT_TELEMETRY_DISABLED=true DO_NOT_TRACK=1
node --test --test-reporter=spec "$@" test/*.test.mjs
