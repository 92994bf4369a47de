#!/usr/bin/env bash
# Copies one chart out of a loadtest HTML report as a standalone SVG file
# (the report's charts are inline SVG with their own styling).
#
#   bash bench/chart.sh bench/results/ladder/2000.html "Users and turns in flight" docs/img/ladder-2000-inflight.svg
#
# The label is the chart's title (its aria-label), e.g. "Time to first
# event, per interval", "Turn outcomes per interval", "Server resident memory".
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: chart.sh REPORT.html 'Chart title' OUT.svg" >&2; exit 2; }
svg="$(sed 's/<svg /\n<svg /g; s#</svg>#</svg>\n#g' "$1" | grep -F "aria-label=\"$2\"" | head -n1 || true)"
[[ -n "$svg" ]] || { echo "chart.sh: no chart titled \"$2\" in $1" >&2; exit 1; }
mkdir -p "$(dirname "$3")"
printf '%s\n' "$svg" >"$3"
