#!/usr/bin/env bash
# Entry of every npm script (see package.json "scripts").
#
#   bash scripts/run.sh <script.ts> [args...]      run a TypeScript file with tsx
#   bash scripts/run.sh --exec <bin> [args...]      run node_modules/.bin/<bin>
#
# 1. Makes sure a Node.js >= 22.12 is first on PATH: the `node` on PATH when it is
#    new enough, else the version in .nvmrc from the tools cache, fetched once from
#    the npm registry (package node-<os>-<arch>@<version>, a plain binary).
# 2. Makes sure node_modules matches package-lock.json (npm ci when missing or stale).
# 3. Execs the script or binary, from the repository root.
set -euo pipefail

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "run.sh: $*" >&2; }

# Script paths given relative to the caller's directory keep working after the cd below.
if [[ $# -gt 0 && "$1" != "--exec" && -e "$1" ]]; then
  set -- "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" "${@:2}"
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/complaints"
MIN_MAJOR=22
MIN_MINOR=12

node_is_new_enough() { # $1 = node binary
  "$1" -e "const [a, b] = process.versions.node.split('.').map(Number);
           process.exit(a > $MIN_MAJOR || (a === $MIN_MAJOR && b >= $MIN_MINOR) ? 0 : 1)" 2>/dev/null
}

# Serialises concurrent runs (fresh clone, several npm scripts started at once). Best effort:
# without flock (macOS) there is no lock.
lock() { # $1 = lock file
  mkdir -p "$(dirname "$1")"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$1"
    flock 9
  fi
}
unlock() { exec 9>&-; }

# --- 1. Node.js ---------------------------------------------------------------------------------
fetch_node() { # $1 = version; unpacks into $CACHE_ROOT/node-<version> (atomically)
  local version="$1" dest="$CACHE_ROOT/node-$1"
  [[ -x "$dest/bin/node" ]] && return 0  # another run fetched it while we waited for the lock
  command -v npm >/dev/null 2>&1 || die "Node.js >= $MIN_MAJOR.$MIN_MINOR is needed and npm (to fetch it) is not on PATH"
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "unsupported OS $(uname -s); install Node.js $version yourself" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported CPU $(uname -m); install Node.js $version yourself" ;;
  esac
  log "fetching Node.js $version (npm package node-$os-$arch@$version) into $CACHE_ROOT, once"
  mkdir -p "$CACHE_ROOT"
  tmp="$(mktemp -d "$CACHE_ROOT/.node-$version.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "node-$os-$arch@$version" --silent >/dev/null) \
    || die "could not fetch node-$os-$arch@$version from the npm registry"
  mkdir "$tmp/unpacked"
  tar -xzf "$tmp"/*.tgz -C "$tmp/unpacked" --strip-components=1
  [[ -x "$tmp/unpacked/bin/node" ]] || die "node-$os-$arch@$version has no bin/node"
  mv "$tmp/unpacked" "$dest"
  rm -rf "$tmp"
  trap - EXIT
}

if ! command -v node >/dev/null 2>&1 || ! node_is_new_enough node; then
  [[ -f .nvmrc ]] || die "no .nvmrc to tell which Node.js to use"
  NODE_VERSION="$(tr -d '[:space:]v' < .nvmrc)"
  NODE_HOME="$CACHE_ROOT/node-$NODE_VERSION"
  if [[ ! -x "$NODE_HOME/bin/node" ]]; then
    lock "$CACHE_ROOT/.node.lock"
    fetch_node "$NODE_VERSION"
    unlock
  fi
  node_is_new_enough "$NODE_HOME/bin/node" || die "$NODE_HOME/bin/node does not run or is older than $MIN_MAJOR.$MIN_MINOR"
  export PATH="$NODE_HOME/bin:$PATH"
fi

# --- 2. npm dependencies ------------------------------------------------------------------------
STAMP=node_modules/.install-stamp
needs_install() {
  [[ -d node_modules ]] || return 0
  local ref="$STAMP"
  # A checkout installed before this script existed: trust npm's own record of the last install.
  [[ -f "$ref" ]] || ref=node_modules/.package-lock.json
  [[ -f "$ref" ]] || return 0
  [[ -f package-lock.json && package-lock.json -nt "$ref" ]] && return 0
  return 1
}
install_deps() {
  needs_install || return 0  # done by a concurrent run while we waited for the lock
  if [[ -f package-lock.json ]]; then
    log "installing npm dependencies (npm ci)"
    local out
    out="$(mktemp)"
    if ! npm ci --no-audit --no-fund --loglevel=error >"$out" 2>&1; then
      if grep -q "can only install packages when your package.json and package-lock.json" "$out"; then
        # Seen here: the lock lacks other platforms' optional packages (e.g. @swc/core-darwin-arm64, which
        # the registry in use does not serve), and npm ci calls that "out of sync" (npm/cli#4828).
        # npm install --no-save installs the same locked versions and leaves package-lock.json alone.
        grep "^npm error Missing:" "$out" | head -3 >&2 || true
        log "npm ci refused package-lock.json (above); installing the locked versions with npm install --no-save"
        rm -f "$out"
        npm install --no-save --no-audit --no-fund --loglevel=error >&2 || die "npm install failed"
      else
        cat "$out" >&2
        rm -f "$out"
        die "npm ci failed"
      fi
    fi
    rm -f "$out"
  else
    log "installing npm dependencies (npm install; no package-lock.json)"
    npm install --no-audit --no-fund --loglevel=error >&2 || die "npm install failed"
  fi
  touch "$STAMP"
}
if needs_install; then
  lock "$CACHE_ROOT/.npm-install-$(printf %s "$ROOT" | cksum | cut -d' ' -f1).lock"
  install_deps
  unlock
fi

# --- 3. run ---------------------------------------------------------------------------------------
[[ $# -gt 0 ]] || die "usage: run.sh <script.ts> [args...] | run.sh --exec <bin> [args...]"
if [[ "$1" == "--exec" ]]; then
  shift
  [[ $# -gt 0 ]] || die "--exec needs a binary name"
  BIN="node_modules/.bin/$1"
  [[ -x "$BIN" ]] || die "$BIN not found (is it a dependency in package.json?)"
  shift
  exec "$BIN" "$@"
fi
SCRIPT="$1"
shift
[[ -f "$SCRIPT" ]] || die "$SCRIPT not found"
exec node --import tsx "$SCRIPT" "$@"
