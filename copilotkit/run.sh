#!/usr/bin/env bash
# Builds agentd and runs the real CopilotKit runtime (@copilotkit/runtime
# 1.75, configured by agentd-route.mjs as docs/security.md shows) in front
# of it with a service key and user JWTs. Extra arguments go to
# `node --test`. AGENTD_BIN, when set, is used instead of a fresh build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../jstest/suite.sh" "$here"
run_node_tests "$@"
