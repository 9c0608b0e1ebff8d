#!/usr/bin/env bash
# Provides what npm cannot install: the operating-system packages Switchboard's commands need.
# Called first by `npm start`, `npm test` and the `bench:*` scripts. As root on Debian/Ubuntu it installs what is
# missing with apt-get; otherwise it stops and names each missing package with the command to install it.
#
# Add a line to REQUIRED when a later module needs another OS package.
#
# Then it makes sure the mediasoup SFU worker exists: scripts/mediasoup-worker.sh builds it once from
# node_modules/mediasoup and caches it (needs g++ and make, installed here, and a Python <= 3.9). Skipped with
# MEDIASOUP_WORKER_BIN set (a worker you provide) or PROVISION_SKIP_MEDIASOUP=1; for `npm start` a failed build
# only warns (everything but meetings works), for tests and benchmarks it stops.
set -euo pipefail
cd "$(dirname "$0")/.."

mediasoup_worker_cached() {
  [[ -n "${MEDIASOUP_WORKER_BIN:-}" || "${PROVISION_SKIP_MEDIASOUP:-}" == "1" || ! -f node_modules/mediasoup/package.json ]] && return 0
  local version
  version="$(node -p "require('./node_modules/mediasoup/package.json').version")"
  [[ -x "${MEDIASOUP_WORKER_CACHE:-$HOME/.cache/switchboard}/mediasoup-worker-$version/mediasoup-worker" ]]
}

provision_mediasoup() {
  [[ "${PROVISION_SKIP_MEDIASOUP:-}" == "1" || ! -f node_modules/mediasoup/package.json ]] && return 0
  if bash scripts/mediasoup-worker.sh >/dev/null; then
    return 0
  fi
  if [[ "${npm_lifecycle_event:-}" == "start" ]]; then
    echo "provision: no mediasoup worker; the API starts without meetings (see README, Meetings)" >&2
    return 0
  fi
  exit 1
}

# "<command to look for>:<Debian package>"
REQUIRED=(
  "redis-server:redis-server"
)

# `npm start` with REDIS_URL set starts no local Redis, so it does not need the package.
if [[ "${PROVISION_SKIP_REDIS:-}" == "1" || ( "${npm_lifecycle_event:-}" == "start" && -n "${REDIS_URL:-}" ) ]]; then
  REQUIRED=("${REQUIRED[@]/redis-server:redis-server/}")
fi

# Dovecot (a real IMAP server: scripts/local/dovecot.ts runs a private instance for the mail tests), Chromium (the
# browser the meetings e2e test drives with playwright-core, test/support/browser) and ffmpeg (meeting recordings) are
# for the tests and benchmarks only; the app itself never needs them (without ffmpeg, recording answers 503). Only
# `npm test`, `npm run test:*`, `npm run bench:*` and `npm run provision` install them, or any caller with
# PROVISION_FOR_TESTS=1 (PROVISION_WITH_DOVECOT=1, its older name, still works).
case "${npm_lifecycle_event:-}" in
  provision | test | test:* | bench:*) for_tests=1 ;;
  *) for_tests="${PROVISION_FOR_TESTS:-${PROVISION_WITH_DOVECOT:-0}}" ;;
esac
if [[ "$for_tests" == "1" ]]; then
  REQUIRED+=("dovecot:dovecot-imapd" "chromium:chromium" "ffmpeg:ffmpeg")
fi
if ! mediasoup_worker_cached; then
  REQUIRED+=("g++:g++" "make:make")
fi

missing=()
for entry in "${REQUIRED[@]}"; do
  [[ -z "$entry" ]] && continue
  cmd="${entry%%:*}"
  pkg="${entry##*:}"
  if ! command -v "$cmd" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$cmd" && ! -x "/usr/bin/$cmd" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  provision_mediasoup
  exit 0
fi

if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "provision: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts packaged services through policy-rc.d where systemd is absent; we run our own instances.
  provision_mediasoup
  exit 0
fi

echo "provision: missing operating-system packages: ${missing[*]}" >&2
echo "provision: install them with:  sudo apt-get install -y ${missing[*]}" >&2
echo "provision: (or set REDIS_URL to an existing Redis to skip the local one for npm start)" >&2
if [[ " ${missing[*]} " =~ " "(dovecot-imapd|chromium|ffmpeg)" " ]]; then
  echo "provision: (dovecot-imapd, chromium and ffmpeg are for the tests and benchmarks: a private IMAP server, a headless browser, recordings)" >&2
fi
exit 1
