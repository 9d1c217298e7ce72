#!/usr/bin/env bash
# The whole test suite: installs the Debian packages the tests run against
# (when missing), checks lint, format and types, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# mosquitto lives in /usr/sbin, which is not on every user's PATH.
export PATH="$PATH:/usr/sbin:/sbin"

need=()
command -v mosquitto >/dev/null || need+=(mosquitto)
command -v mosquitto_sub >/dev/null || need+=(mosquitto-clients)
command -v mbpoll >/dev/null || need+=(mbpoll)
command -v socat >/dev/null || need+=(socat)
/usr/bin/python3 -c 'import pymodbus' 2>/dev/null || need+=(python3-pymodbus)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages for the tests: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "Lint and format (biome), types (tsc), web UI build (vite)"
npx biome check .
npx tsc -p tsconfig.json --noEmit
npx tsc -p src/ui/tsconfig.json
npx tsc -p src/ui/tsconfig.test.json
npm run --silent build:ui

mapfile -t files < <(find src drivers simulators test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "Running ${#files[@]} test files"
exec node --import tsx --test --test-concurrency=1 --test-timeout=180000 "${files[@]}"
