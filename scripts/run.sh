#!/usr/bin/env bash
# Runs a compiled entry point of the project with the project's Node 24
# (npm stop / reset / status). Quiet: `npm run --silent status` prints only JSON.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ISL_ROOT"
entry=$1
shift
if [ ! -f "$entry" ]; then
  echo "the project is not built yet ($entry is missing): run npm start (or npm test) first" >&2
  exit 1
fi
isl_require_node
exec node "$entry" "$@"
