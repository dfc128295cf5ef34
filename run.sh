#!/usr/bin/env bash
# Starts the whole product on its embedded defaults: the central service on a SQLite file (with
# the programs from programs/ and demo members), firmware-sim's scanner and printer on
# pseudo-terminals, and the agent connected to both. Prints where everything is, runs a demo
# checkout, then keeps running until Ctrl+C. State lives under ./var/ (POSAGENT_STATE_DIR).
# Options go to posagent-demo, e.g. ./run.sh --once (run the checkout and exit), ./run.sh --help.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "building (the first time takes a few minutes)..." >&2
# The CLI too, so the commands the demo suggests work at once.
dotnet build src/PosAgent.Demo/PosAgent.Demo.csproj -c Release -nologo -v:q -clp:NoSummary >&2
dotnet build src/PosAgent.Cli/PosAgent.Cli.csproj -c Release -nologo -v:q -clp:NoSummary >&2
exec dotnet src/PosAgent.Demo/bin/Release/net10.0/posagent-demo.dll --state-dir "${POSAGENT_STATE_DIR:-$PWD/var}" "$@"
