# Sourced by the project's scripts: puts the project's Node 24 and the cached
# Fabric binaries first on PATH. Installs nothing (scripts/bootstrap.sh does).
# Source it again after bootstrap.sh: on a fresh clone .tools/ appears only then,
# and a PATH computed before would run everything on the machine's own Node.
ISL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The pinned version lives in .node-version, which the TypeScript side reads too.
read -r ISL_NODE_VERSION < "$ISL_ROOT/.node-version"
ISL_NODE_DIR="$ISL_ROOT/.tools/node"
ISL_NODE_BIN="$ISL_NODE_DIR/node_modules/node/bin"
if [ -x "$ISL_NODE_BIN/node" ]; then
  case ":$PATH:" in
    ":$ISL_NODE_BIN:"*) ;;
    *) PATH="$ISL_NODE_BIN:$PATH" ;;
  esac
fi
export ISL_ROOT ISL_NODE_VERSION PATH

# Fails (with what to do) unless `node` on PATH is the project's pinned Node.
isl_require_node() {
  local found
  found=$(node --version 2>/dev/null || echo none)
  if [ "$found" != "v$ISL_NODE_VERSION" ]; then
    echo "the project's Node v$ISL_NODE_VERSION is not installed (node on PATH is $found: $(command -v node || echo none)): run npm start or npm test (scripts/bootstrap.sh installs it)" >&2
    return 1
  fi
}
