#!/usr/bin/env bash
# Installs the Strapi v4 and v5 test projects (e2e/strapi/v*-app) from their
# pinned lockfiles into a cache outside the repository, once per lockfile:
# node_modules is 600-700 MB and takes ~1.5-2 minutes per version from an empty
# npm cache (better-sqlite3 compiles from source), so repeated runs reuse it.
#
#   scripts/strapi-install.sh            both versions
#   scripts/strapi-install.sh v5         one
#
# Each install lands in $IOHUB_STRAPI_CACHE (default ~/.cache/iohub-strapi) as
# <version>-<hash of package.json + lockfile>/node_modules, and the script prints
# that directory. e2e/strapi/strapi.js finds it the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache=${IOHUB_STRAPI_CACHE:-$HOME/.cache/iohub-strapi}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(v4 v5)

for v in "${versions[@]}"; do
  app="$root/e2e/strapi/$v-app"
  [ -f "$app/package.json" ] || { echo "no such Strapi project: $app" >&2; exit 2; }
  hash=$(cat "$app/package.json" "$app/package-lock.json.gz" | sha256sum | cut -c1-16)
  dest="$cache/$v-$hash"
  if [ -f "$dest/.installed" ]; then
    echo "$dest"
    continue
  fi
  mkdir -p "$cache"
  # Install beside the destination and rename at the end, so an interrupted
  # install never looks complete.
  tmp=$(mktemp -d "$cache/.$v-XXXXXX")
  cp "$app/package.json" "$tmp/"
  gunzip -c "$app/package-lock.json.gz" >"$tmp/package-lock.json"
  start=$(date +%s)
  echo "installing Strapi $v into $dest (npm ci)..." >&2
  (cd "$tmp" && STRAPI_TELEMETRY_DISABLED=true npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "Strapi $v installed in $(( $(date +%s) - start ))s" >&2
  touch "$tmp/.installed"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "$dest"
done
