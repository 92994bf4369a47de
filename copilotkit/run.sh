#!/usr/bin/env bash
# Builds agentd and runs the real CopilotKit runtime (@copilotkit/runtime
# 1.75, configured by agentd-route.mjs as docs/security.md shows) in front
# of it with a service key and user JWTs. Extra arguments go to
# `node --test`. AGENTD_BIN, when set, is used instead of a fresh build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../jstest/agentd-bin.sh"

cd "$here"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# The runtime reports usage to CopilotKit unless told not to; the tests
# send nothing off this machine.
export COPILOTKIT_TELEMETRY_DISABLED=true DO_NOT_TRACK=1
node --test --test-reporter=spec "$@" test/*.test.mjs
