# Sourced by the Node suites' run.sh scripts: exports AGENTD_BIN, the agentd
# binary the tests start. When it is not set already, agentd is built into a
# temporary directory that is removed when the script exits.
if [ -z "${AGENTD_BIN:-}" ]; then
  agentd_tmp="$(mktemp -d)"
  trap 'rm -rf "$agentd_tmp"' EXIT
  echo "building agentd" >&2
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$agentd_tmp/agentd" ./cmd/agentd)
  export AGENTD_BIN="$agentd_tmp/agentd"
fi
