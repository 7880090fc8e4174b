#!/usr/bin/env bash
# The one setup step behind `npm start`, `npm test` and .ci/run: installs the Debian packages
# the daemon and the suite run (when one is missing) and the locked npm dependencies (when
# node_modules does not match package-lock.json). Silent and ~0.1 s when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real parts: CNI plugins (/usr/lib/cni), iproute2 (ip, tc), iptables/nftables for portmap,
# util-linux (nsenter), procps, containerd + runc for the runtime path, busybox-static for the
# test pause image, openssl for the Kubernetes API stand-in's TLS, ca-certificates for apt, gcc
# and libc6-dev for netattach-spawner (the small C helper that starts plugins).
PACKAGES=(containernetworking-plugins iproute2 iptables nftables util-linux procps openssl
  containerd runc busybox-static ca-certificates gcc libc6-dev)

# One dpkg-query for all: a package it does not list as installed is missing.
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${PACKAGES[@]}" 2>/dev/null || true)"
missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$installed" == *" $p:installed "* ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root (sudo npm start / sudo npm test) to install them" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! node scripts/npm-deps-current.mjs; then
  if [[ -L node_modules ]]; then
    # A shared node_modules (a linked worktree): never wipe it; say what to do instead.
    echo "setup: node_modules is a link and does not match package-lock.json; run npm install where it points" >&2
  else
    echo "setup: installing npm dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi

# build/netattach-spawner, when missing or older than its source (netattachd finds it there
# when run from the checkout).
node tools/build.mjs --spawner
