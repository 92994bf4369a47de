# Sourced by the Node suites' run.sh scripts with the suite's directory:
#
#   source "$here/../jstest/suite.sh" "$here"
#
# It exports AGENTD_BIN, the agentd binary the tests start (built into a
# temporary directory removed at exit, unless it is set already), enters
# the suite's directory, installs its packages from the lockfile when
# node_modules is missing or older than package-lock.json, and defines the
# functions that run the suite's test/*.test.mjs. Extra arguments go to
# `node --test`.
suite_dir="$1"

if [ -z "${AGENTD_BIN:-}" ]; then
  agentd_tmp="$(mktemp -d)"
  trap 'rm -rf "$agentd_tmp"' EXIT
  echo "building agentd" >&2
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$agentd_tmp/agentd" ./cmd/agentd)
  export AGENTD_BIN="$agentd_tmp/agentd"
fi

cd "$suite_dir"
# npm writes node_modules/.package-lock.json on every install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The CopilotKit runtime reports usage unless told not to; no suite sends
# anything off this machine.
export COPILOTKIT_TELEMETRY_DISABLED=true DO_NOT_TRACK=1

# run_node_tests [node --test flags...] runs the suite once.
run_node_tests() {
  node --test --test-reporter=spec "$@" test/*.test.mjs
}

# run_node_tests_each_auth label [node --test flags...] runs the suite once
# per AGENTD_TEST_AUTH mode (jstest/agentd.mjs): without authentication,
# then with an API key; AGENTD_TEST_AUTH=none or =key runs one of them.
run_node_tests_each_auth() {
  local label="$1" mode
  shift
  for mode in ${AGENTD_TEST_AUTH:-none key}; do
    echo "== $label, auth: $mode" >&2
    AGENTD_TEST_AUTH="$mode" run_node_tests "$@"
  done
}
