#!/usr/bin/env bash
# Builds agentd and drives it with the official AG-UI clients
# (@ag-ui/client 1.0.0 and 0.0.59). Extra arguments go to `node --test`,
# e.g. ./run.sh --test-name-pattern='frontend tool'. The suite runs twice:
# against agentd without authentication (loopback) and against one that
# requires an API key; AGENTD_TEST_AUTH=none or =key runs one of them.
# AGENTD_BIN, when set, is used instead of a fresh build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../jstest/suite.sh" "$here"
run_node_tests_each_auth conformance "$@"
