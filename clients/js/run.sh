#!/usr/bin/env bash
# Builds agentd and runs the client kit's tests against it (AgentdAgent on
# @ag-ui/client 1.0.0 and 0.0.59, and inside the CopilotKit runtime 1.75).
# Extra arguments go to `node --test`. AGENTD_BIN, when set, is used
# instead of a fresh build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../../jstest/suite.sh" "$here"
run_node_tests "$@"
