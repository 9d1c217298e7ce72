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
# The interoperability tests start their own brokers (test/helpers/rabbitmq.ts, nats.ts).
# RabbitMQ's commands are in /usr/sbin and /usr/lib/rabbitmq/bin; the tests use the latter.
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
command -v nats-server >/dev/null || need+=(nats-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages for the tests: ${need[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # rabbitmq-server (with epmd) would start as a system service during the install and hold its
  # ports: a policy-rc.d that refuses every start keeps it down (unless the machine already has one).
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    trap "$sudo rm -f $policy" EXIT
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$policy" ]; then
    $sudo rm -f "$policy"
    trap - EXIT
  fi
  # Nor at the next boot, where systemd runs.
  if [ -d /run/systemd/system ]; then
    for unit in rabbitmq-server nats-server; do
      if [[ " ${need[*]} " == *" $unit "* ]]; then $sudo systemctl disable --now "$unit.service" >/dev/null 2>&1 || true; fi
    done
  fi
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
