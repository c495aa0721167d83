#!/usr/bin/env bash
# Installs what is missing, and nothing that is already there:
#   Node 24 (from the npm registry's `node` package, into .tools/), the npm
#   workspaces' dependencies, the Debian packages the product needs, and
#   Fabric's binaries (built from Fabric's Go modules into a cache outside the clone).
# Then compiles the TypeScript. Progress goes to stderr.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ISL_ROOT"
log() { printf '[bootstrap] %s\n' "$*" >&2; }

# Debian packages: Orthanc (the PACS), its DICOMweb plugin, dcmtk (synthetic
# DICOM), dicom3tools (dciodvfy validates the XDS-I.b KOS manifests in the
# tests), docker-compose (validates docker-compose.yaml), iproute2, and
# Chromium and Firefox ESR with a font (the portal's browser tests drive Chromium
# headless with playwright-core, and Firefox over WebDriver BiDi with puppeteer-core,
# and keep screenshots); for the ATNA tests, rsyslog with its TLS driver (a real
# Audit Record Repository), openssl (its test certificates) and libxml2-utils
# (xmllint validates the messages against the DICOM schema).
debs=(orthanc orthanc-dicomweb dcmtk dicom3tools docker-compose chromium firefox-esr fonts-liberation rsyslog rsyslog-gnutls openssl libxml2-utils)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  # The Debian package starts a system-wide Orthanc; the product runs its own.
  $SUDO service orthanc stop >/dev/null 2>&1 || true
fi

current=$("$ISL_NODE_DIR/node_modules/node/bin/node" --version 2>/dev/null || true)
if [ "$current" != "v$ISL_NODE_VERSION" ]; then
  log "installing Node $ISL_NODE_VERSION into .tools/node"
  mkdir -p "$ISL_NODE_DIR"
  [ -f "$ISL_NODE_DIR/package.json" ] || echo '{"private":true}' > "$ISL_NODE_DIR/package.json"
  npm install --prefix "$ISL_NODE_DIR" --no-audit --no-fund --loglevel=error "node@$ISL_NODE_VERSION" >&2
  . "$ISL_ROOT/scripts/env.sh"
fi
isl_require_node

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.isl-lock-stamp
lock_sum=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_sum" > "$stamp"
fi

ISL_FABRIC_HOME=$(bash scripts/fabric/build.sh)
export ISL_FABRIC_HOME
log "Fabric binaries: $ISL_FABRIC_HOME/bin"

# Compile only when a source or configuration changed since the last build: a
# restart (npm start after one node stopped) must not wait on the compiler,
# which took 5-26 s under load even with nothing to do.
build_stamp=node_modules/.isl-build-stamp
changed() {
  find platform chaincode network application bench tsconfig.json tsconfig.test.json package-lock.json \
    \( -path '*/node_modules' -o -path '*/dist' \) -prune -o \( -name '*.ts' -o -name '*.json' \) -newer "$build_stamp" -print -quit
}
if [ ! -f "$build_stamp" ] || [ ! -f application/dist/services/main.js ] || [ -n "$(changed)" ]; then
  log "compiling TypeScript"
  npx tsc -b >&2
  touch "$build_stamp"
fi

# The web portal (portal/, served by each gateway at /portal): bundled by Vite
# when its sources or the lock file changed since the last bundle.
portal_stamp=node_modules/.isl-portal-stamp
portal_changed() {
  find portal/src portal/index.html portal/vite.config.mjs portal/package.json package-lock.json -newer "$portal_stamp" -print -quit
}
if [ ! -f "$portal_stamp" ] || [ ! -f portal/dist/index.html ] || [ -n "$(portal_changed)" ]; then
  log "bundling the web portal"
  (cd portal && npx vite build --logLevel warn >&2)
  touch "$portal_stamp"
fi
