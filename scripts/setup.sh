#!/usr/bin/env bash
# Installs every Debian package and npm asset the build, the service and the tests need.
# Idempotent: does nothing when everything is already present. Run as root (or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ cmake make pkg-config git clang libclang-rt-14-dev
  libboost-dev libgit2-dev libpq-dev libhiredis-dev libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev uuid-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jinja2 python3-yaml python3-git
  postgresql redis-server redis-tools lighttpd wrk curl ca-certificates
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm (for the Swagger UI assets): any install providing both commands will do; the
# image may carry a nodejs build that bundles npm and conflicts with Debian's npm package.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Swagger UI, served offline at /docs (only the files the page needs are kept).
if [ ! -f third_party/swagger-ui/swagger-ui-bundle.js ]; then
  echo "setup: fetching swagger-ui-dist from npm"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm install --silent --no-audit --no-fund --ignore-scripts swagger-ui-dist@5.35.0 >/dev/null)
  mkdir -p third_party/swagger-ui
  for f in index.css swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js favicon-32x32.png; do
    cp "$tmp/node_modules/swagger-ui-dist/$f" third_party/swagger-ui/
  done
  rm -rf "$tmp"
fi
echo "setup: ok"
