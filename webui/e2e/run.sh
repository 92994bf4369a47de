#!/usr/bin/env bash
# Drives agentd's embedded chat page in Debian's Chromium (through
# playwright-core) against a real agentd process per test file. Installs
# Chromium when it is missing. Extra arguments go to `node --test`, e.g.
# ./run.sh --test-name-pattern='barChart'. AGENTD_BIN, when set, is used
# instead of a fresh build; SCREENSHOT_DIR keeps the screenshots. The suite
# runs twice: against agentd without authentication and against one that
# requires an API key (each page then starts signed in with it);
# AGENTD_TEST_AUTH=none or =key runs one of them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM_BIN" ]; then
  echo "installing chromium" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

source "$here/../../jstest/suite.sh" "$here"

# One test file at a time: each runs its own agentd and Chromium.
run_node_tests_each_auth "browser tests" --test-concurrency=1 "$@"
