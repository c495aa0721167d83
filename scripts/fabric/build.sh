#!/usr/bin/env bash
# Builds Fabric's binaries from Fabric's Go modules (pinned in scripts/fabric/go.mod
# and scripts/fabric/ca/go.mod) into a versioned cache outside the clone, so every
# clone and CI reuse them. Prints the cache's bin folder. Idempotent: a second run
# only checks a marker file.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

FABRIC_VERSION=2.5.9
FABRIC_COMMIT=7c3876255bf064b789a839ce347b6a02adb6333c
FABRIC_CA_VERSION=1.5.21

# The key covers everything that decides the binaries' bytes.
key=$(cat "$here/go.sum" "$here/ca/go.sum" "$root"/network/ccaas-builder/go.mod \
  "$root"/network/ccaas-builder/builder/*.go "$root"/network/ccaas-builder/cmd/*/*.go "$0" \
  | sha256sum | cut -c1-12)
cache_root=${ISL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/image-sharing-ledger}
dest="$cache_root/fabric-$FABRIC_VERSION-ca-$FABRIC_CA_VERSION-$key"

if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is required to build Fabric's binaries" >&2; exit 1; }
mkdir -p "$cache_root"
work=$(mktemp -d "$cache_root/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/builders/ccaas/bin" "$work/config"

# The checksum database does not hold every Hyperledger module version the proxy
# serves; the go.sum files committed here pin their hashes instead.
export GONOSUMDB=github.com/hyperledger GOFLAGS=-mod=mod
ldf="-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION"
ldf="$ldf -X github.com/hyperledger/fabric/common/metadata.CommitSHA=${FABRIC_COMMIT:0:7}"

echo "building Fabric $FABRIC_VERSION binaries (first run only, a few minutes)..." >&2
(cd "$here" && go build -trimpath -ldflags "$ldf" -o "$work/bin/" \
  github.com/hyperledger/fabric/cmd/peer \
  github.com/hyperledger/fabric/cmd/orderer \
  github.com/hyperledger/fabric/cmd/configtxgen \
  github.com/hyperledger/fabric/cmd/configtxlator \
  github.com/hyperledger/fabric/cmd/osnadmin) >&2
echo "building Fabric CA $FABRIC_CA_VERSION binaries..." >&2
(cd "$here/ca" && go build -trimpath \
  -ldflags "-X github.com/hyperledger/fabric-ca/lib/metadata.Version=$FABRIC_CA_VERSION" \
  -o "$work/bin/" \
  github.com/hyperledger/fabric-ca/cmd/fabric-ca-server \
  github.com/hyperledger/fabric-ca/cmd/fabric-ca-client) >&2
echo "building the chaincode-as-a-service builder..." >&2
(cd "$root/network/ccaas-builder" && go build -trimpath -o "$work/builders/ccaas/bin/" ./cmd/detect ./cmd/build ./cmd/release) >&2

# Fabric's own default configuration files, from the same module version; the
# network overrides what it needs through environment variables.
modDir=$(cd "$here" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)
cp "$modDir"/sampleconfig/core.yaml "$modDir"/sampleconfig/orderer.yaml "$work/config/"
chmod -R u+w "$work"

touch "$work/.complete"
rm -rf "$dest"
mv "$work" "$dest"
trap - EXIT
echo "$dest"
