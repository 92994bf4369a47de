#!/usr/bin/env bash
# Builds agentd and drives it with the official AG-UI clients
# (@ag-ui/client 1.0.0 and 0.0.59). Extra arguments go to `node --test`,
# e.g. ./run.sh --test-name-pattern='frontend tool'.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "building agentd" >&2
(cd "$root" && go build -o "$TMP/agentd" ./cmd/agentd)

cd "$here"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

AGENTD_BIN="$TMP/agentd" node --test --test-reporter=spec "$@" test/*.test.mjs
