#!/usr/bin/env bash
# Runs every test of PosAgent on a fresh Debian machine that has only the .NET SDK:
# installs what the tests need, builds with zero warnings, runs all test projects and
# ends with "N passed, N failed[, N skipped]". Extra arguments go to `dotnet test`
# (e.g. ./test.sh --filter "FullyQualifiedName~Rpc").
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

log() { printf '\n== %s\n' "$*" >&2; }

# --- 1. Debian packages the tests use (real peers the project did not write) ---------------
APT_PACKAGES=(
  python3-grpcio python3-protobuf        # gRPC interop peer (client and server)
  protobuf-compiler protobuf-compiler-grpc # protoc + grpc_python_plugin for the python stubs
  python3-serial                         # a serial client that is not our driver (firmware-sim tests)
  fonts-dejavu-core                      # DejaVu Sans: the raster receipts' font (Latin, Cyrillic, Persian)
  postgresql                             # the central service's scale-out store
  sqlite3                                # the backup commands of docs/operations.md (CLI tests run them)
  curl                                   # the HTTP/JSON example of docs/integration-guide.md (CLI tests run it)
  python3-prometheus-client              # a Prometheus text parser we did not write (the /metrics tests parse real scrapes with it)
  python3-fusepy fuse3                   # the power-cut filesystem of the PowerLoss tests (tests/PosAgent.TestSupport/PowerLoss)
  systemd                                # systemd-analyze verify on packaging/systemd/*.service (the unit files the docs install)
  chromium                               # the browser of the firmware-sim web console tests (Playwright launches /usr/bin/chromium; it downloads none)
)
# @grpc/grpc-js needs Node.js; the machines ship one with npm, so only add Debian's when it is absent.
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. npm packages, into each test folder that declares them -----------------------------
while IFS= read -r pkg; do
  dir=$(dirname "$pkg")
  if [ ! -d "$dir/node_modules" ]; then
    log "npm install in $dir"
    (cd "$dir" && npm install --no-audit --no-fund --silent >/dev/null)
  fi
done < <(find tests -name package.json -not -path '*/node_modules/*' | sort)

# --- 3. A private PostgreSQL server for the central service's tests ------------------------
source "$ROOT/tests/setup/postgres.sh"
start_test_postgres
trap stop_test_postgres EXIT

# --- 4. Build (warnings are errors) and test ------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log "build"
dotnet build PosAgent.sln -c Release -nologo -v:q -clp:NoSummary

RESULTS="$ROOT/TestResults/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RESULTS"
log "test (results in $RESULTS)"
set +e
dotnet test PosAgent.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$RESULTS" \
  --blame-hang-timeout 10m "$@"
test_rc=$?
set -e

# --- 5. The summary line, computed from the test results ------------------------------------
summary=$(python3 "$ROOT/tests/setup/summarize_trx.py" "$RESULTS")
echo
echo "$summary"
failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed.*/\1/')
passed=$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')
if [ "$test_rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
