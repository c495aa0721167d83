# Sourced by the project's scripts: puts the project's Node 24 and the cached
# Fabric binaries first on PATH. Installs nothing (scripts/bootstrap.sh does).
ISL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ISL_NODE_VERSION=24.21.0
ISL_NODE_DIR="$ISL_ROOT/.tools/node"
if [ -x "$ISL_NODE_DIR/node_modules/node/bin/node" ]; then
  PATH="$ISL_NODE_DIR/node_modules/node/bin:$PATH"
fi
export ISL_ROOT PATH
