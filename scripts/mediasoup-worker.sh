#!/usr/bin/env bash
# Builds the mediasoup SFU worker (a C++ binary) once and caches it, so meetings run on a machine that reaches only
# the npm registry and Debian. mediasoup 3.8.4 is the newest release whose npm tarball bundles every C++ dependency;
# its own install step is disabled (`allowScripts: { mediasoup: false }` in package.json) because it would build on
# every `npm ci` and fails here as shipped. This script builds from node_modules/mediasoup/worker in a scratch copy,
# with two fixes: gyp needs Python 2 or Python <= 3.9, and glibc >= 2.34 makes SIGSTKSZ non-constant (one line of the
# bundled abseil). Prints the path of the worker binary.
#
#   MEDIASOUP_WORKER_BIN   use this binary instead (checked, not built)
#   MEDIASOUP_WORKER_CACHE where built workers are kept (default ~/.cache/switchboard)
#   MEDIASOUP_PYTHON       the Python to run gyp with (default: the first Python <= 3.9 found, pyenv included)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${MEDIASOUP_WORKER_BIN:-}" ]]; then
  if [[ ! -x "$MEDIASOUP_WORKER_BIN" ]]; then
    echo "mediasoup-worker: MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN is not an executable file" >&2
    exit 1
  fi
  echo "$MEDIASOUP_WORKER_BIN"
  exit 0
fi

pkg=node_modules/mediasoup
if [[ ! -f "$pkg/package.json" ]]; then
  echo "mediasoup-worker: $pkg is missing; run npm ci first" >&2
  exit 1
fi
version="$(node -p "require('./$pkg/package.json').version")"
cache="${MEDIASOUP_WORKER_CACHE:-$HOME/.cache/switchboard}"
target="$cache/mediasoup-worker-$version/mediasoup-worker"
if [[ -x "$target" ]]; then
  echo "$target"
  exit 0
fi

pick_python() {
  local candidate
  local candidates=("${MEDIASOUP_PYTHON:-}")
  for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/2.7* "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9* \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.8* "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.7*; do
    [[ -d "$dir/bin" ]] && candidates+=("$dir/bin/python")
  done
  candidates+=(python2.7 python2 python3.9 python3.8 python3.7 python3 python)
  for candidate in "${candidates[@]}"; do
    [[ -z "$candidate" ]] && continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info < (3, 10) else 1)' >/dev/null 2>&1; then
      command -v "$candidate" || echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! python="$(pick_python)"; then
  echo "mediasoup-worker: building the worker needs Python 2.7 or 3.6-3.9 (its bundled gyp); none found." >&2
  echo "mediasoup-worker: install one (e.g. pyenv install 3.9) and set MEDIASOUP_PYTHON, or set MEDIASOUP_WORKER_BIN" >&2
  echo "mediasoup-worker: to a prebuilt mediasoup-worker $version." >&2
  exit 1
fi
for tool in make g++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "mediasoup-worker: building the worker needs $tool (apt-get install -y build-essential)" >&2
    exit 1
  fi
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
echo "mediasoup-worker: building mediasoup-worker $version once (a few minutes; cached in $cache)" >&2
cp -R "$pkg/worker" "$scratch/worker"
handler="$scratch/worker/deps/libwebrtc/deps/abseil-cpp/abseil-cpp/absl/debugging/failure_signal_handler.cc"
if [[ -f "$handler" ]]; then
  sed -i 's/std::max(SIGSTKSZ, 65536)/std::max<size_t>(SIGSTKSZ, 65536)/' "$handler"
fi
jobs="$(nproc 2>/dev/null || echo 2)"
if ! make -C "$scratch/worker" PYTHON="$python" CORES="$jobs" MEDIASOUP_BUILDTYPE=Release >"$scratch/build.log" 2>&1; then
  tail -n 40 "$scratch/build.log" >&2
  echo "mediasoup-worker: the build failed (last lines above)" >&2
  exit 1
fi
mkdir -p "$(dirname "$target")"
cp "$scratch/worker/out/Release/mediasoup-worker" "$target.tmp"
mv "$target.tmp" "$target"
echo "$target"
