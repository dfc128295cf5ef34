#!/usr/bin/env bash
# Starts the whole product on its embedded defaults: the central service on a SQLite file,
# firmware-sim's scanner and printer on pseudo-terminals, and the agent connected to both.
# Runs a demo checkout, then keeps running until Ctrl+C. State lives under ./var/.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/PosAgent.Agent/PosAgent.Agent.csproj -c Release -nologo -v:q -clp:NoSummary
exec dotnet src/PosAgent.Agent/bin/Release/net10.0/posagent-agent.dll demo --state-dir "${POSAGENT_STATE_DIR:-$PWD/var}" "$@"
