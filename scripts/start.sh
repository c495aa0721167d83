#!/usr/bin/env bash
# npm start: installs what is missing, then brings the whole consortium up
# (harmless when it already runs) and prints what listens where.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ISL_ROOT"
bash scripts/bootstrap.sh
# Again: on a fresh clone bootstrap.sh has only now installed the project's Node.
. scripts/env.sh
isl_require_node
ISL_FABRIC_HOME=$(bash scripts/fabric/build.sh)
export ISL_FABRIC_HOME
exec node application/dist/services/main.js up
