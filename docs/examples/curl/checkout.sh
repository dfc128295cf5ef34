#!/usr/bin/env bash
# A checkout against the PosAgent local API with curl: HTTP/1.1 + JSON on the agent's Unix socket
# (the same socket gRPC clients use). Over loopback TCP, drop --unix-socket and call
# http://127.0.0.1:PORT instead.
#   docs/examples/curl/checkout.sh SOCKET CARD
set -euo pipefail
socket=$1 card=$2

# api METHOD PATH [JSON]: prints the answer's JSON; fails (exit 22, the error's JSON printed) on an HTTP error.
api() {
  curl --silent --show-error --fail-with-body --max-time 5 --unix-socket "$socket" \
    -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "http://localhost$2"
}
# field NAME: the first value of that field in the JSON on stdin (enough for this example; use a JSON parser in a POS).
field() { grep -o "\"$1\":\"\{0,1\}[^\",}]*" | sed -n '1s/^[^:]*:"\{0,1\}//p'; }

status=$(api GET /v1/status)
echo "agent $(field terminalId <<<"$status"): $(field pending <<<"$status") operations pending"

check=$(api POST /v1/checks '{"clientReference":"curl-example"}')
id=$(field checkId <<<"$check")
# Money is in minor units: 4500.00 is 450000.
api POST "/v1/checks/$id/lines" '{"sku":"LAB-CBC","name":"Complete blood count","category":"lab","unitPriceMinor":450000,"quantity":1}' >/dev/null

# Bad input: HTTP 400 and the gRPC status as JSON, {"code":3,"message":"unit_price_minor: ..."}.
if refusal=$(api POST "/v1/checks/$id/lines" '{"sku":"X","name":"X","category":"lab","unitPriceMinor":-1,"quantity":1}'); then
  echo "accepted a negative price" >&2
  exit 1
fi
echo "refused as expected: $refusal"

# Card numbers travel in bodies, never in URLs (URLs end up in logs).
api POST "/v1/checks/$id:attachCard" "{\"cardNumber\":\"$card\"}" >/dev/null
quote=$(api POST "/v1/checks/$id:quote" '{}')
echo "earns $(field pointsToEarn <<<"$quote"), may spend up to $(field maxPointsSpendable <<<"$quote")"

total=$(field totalMinor <<<"$quote")
result=$(api POST "/v1/checks/$id:commit" "{\"payment\":{\"cashMinor\":$total}}")
echo "committed $(field operationId <<<"$result"): earned $(field pointsEarned <<<"$result"), balance $(field balanceAfter <<<"$result")"
echo "OK $(field operationId <<<"$result")"
