#!/usr/bin/env bash
# npm test: installs what is missing, compiles, runs the unit tests, then the
# integration tests (which bring up their own fresh network on ports apart from
# `npm start`'s, transact through it, and tear it down). `npm test unit` or
# `npm test integration` runs one suite.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ISL_ROOT"
bash scripts/bootstrap.sh
# Again: on a fresh clone bootstrap.sh has only now installed the project's Node,
# and every service the tests start runs on the Node that runs mocha.
. scripts/env.sh
isl_require_node
export TS_NODE_PROJECT="$ISL_ROOT/tsconfig.test.json"
# fabric-contract-api logs every annotation at info level otherwise.
export CORE_CHAINCODE_LOGGING_LEVEL=warning
export ISL_FABRIC_HOME=${ISL_FABRIC_HOME:-$(bash scripts/fabric/build.sh)}
suite=${1:-all}
status=0
# Each suite is bounded: a test that hangs, or a handle left open after the
# last test, ends in a named failure instead of holding CI until it is killed.
bounded() {
  local limit=$1 name=$2 rc=0
  shift 2
  timeout --kill-after=30s "$limit" "$@" || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "!! the $name did not finish within $limit: a test hung or left a handle open" >&2
  fi
  return "$rc"
}
ISL_TEST_SUMMARY=$(mktemp)
export ISL_TEST_SUMMARY
trap 'rm -f "$ISL_TEST_SUMMARY"' EXIT
if [ "$suite" = all ] || [ "$suite" = unit ]; then
  echo "== lint (ESLint, typescript-eslint strictTypeChecked; the portal's types; Prettier)"
  npx eslint platform chaincode network application bench portal || status=$?
  npx tsc -p portal/tsconfig.json || status=$?
  npx prettier --check --log-level warn . || status=$?
  echo "== unit tests"
  (cd network/ccaas-builder && go test ./...)
  bounded 20m 'unit tests' npx mocha --config .mocharc.unit.json || status=$?
fi
if [ "$suite" = all ] || [ "$suite" = integration ]; then
  echo "== integration tests (a fresh network of their own)"
  bounded 45m 'integration tests' npx mocha --config .mocharc.integration.json || status=$?
fi
if [ "$suite" = members ]; then
  # Member hosts in network namespaces: needs root (ip netns) and is not part of `all`.
  echo "== member tests (each member on its own network namespace)"
  bounded 45m 'member tests' npx mocha --config .mocharc.members.json || status=$?
fi
if [ "$suite" = faults ]; then
  # The fault harness on member hosts (network namespaces, tc): needs root; not part of `all`
  # (its CI-sized form, application/src/faults/faults.itest.ts, is in the integration suite).
  echo "== fault harness (8 scenarios under load, each member on its own network namespace)"
  bounded 60m 'fault harness' npx mocha --config .mocharc.faults.json || status=$?
fi
# One closing line for the whole run (each suite printed its own above).
awk '{p+=$1; f+=$2; s+=$3} END {printf "\ntotal: %d passed, %d failed%s\n", p, f, (s > 0 ? sprintf(", %d skipped", s) : "")}' "$ISL_TEST_SUMMARY"
exit $status
