#!/usr/bin/env bash
# npm start: installs what is missing, then brings the whole consortium up
# (harmless when it already runs) and prints what listens where.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ISL_ROOT"
bash scripts/bootstrap.sh
ISL_FABRIC_HOME=$(bash scripts/fabric/build.sh)
export ISL_FABRIC_HOME
exec node application/dist/services/main.js up
