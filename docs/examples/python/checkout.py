#!/usr/bin/env python3
"""A checkout against the PosAgent local API, in Python (python3-grpcio).

Generate the stubs first (once), from the repository root (google/protobuf/*.proto come from
the Grpc.Tools package that `dotnet build` restores, or from Debian's libprotobuf-dev in /usr/include;
google/api/*.proto from the Google.Api.CommonProtos package, restored the same way):
    mkdir -p /tmp/posagent-py
    GOOGLE_API=~/.nuget/packages/google.api.commonprotos/2.15.0/content/protos
    protoc -I protos -I ~/.nuget/packages/grpc.tools/2.85.0/build/native/include -I $GOOGLE_API \
        --python_out=/tmp/posagent-py --grpc_python_out=/tmp/posagent-py \
        --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin protos/posagent/v1/agent.proto \
        $GOOGLE_API/google/api/annotations.proto $GOOGLE_API/google/api/http.proto
Run:
    PYTHONPATH=/tmp/posagent-py /usr/bin/python3 docs/examples/python/checkout.py SOCKET CARD
"""
import sys

import grpc
from posagent.v1 import agent_pb2 as pb
from posagent.v1 import agent_pb2_grpc as rpc


def main(socket_path: str, card_number: str) -> int:
    # The agent listens on a Unix socket; "unix://" + an absolute path.
    with grpc.insecure_channel("unix://" + socket_path) as channel:
        checks = rpc.ChecksStub(channel)
        terminal = rpc.TerminalStub(channel)

        status = terminal.GetStatus(pb.GetStatusRequest(), timeout=5)
        print(f"agent {status.terminal_id}: central {pb.ConnectivityState.Name(status.central.state)}, "
              f"{status.outbox.pending} operations pending")

        check = checks.OpenCheck(pb.OpenCheckRequest(client_reference="python-example"), timeout=5)
        # Money is in minor units: 4500.00 is 450000.
        check = checks.AddLine(pb.AddLineRequest(
            check_id=check.check_id, sku="LAB-CBC", name="Complete blood count",
            category="lab", unit_price_minor=450000, quantity=1), timeout=5)

        # Bad input is INVALID_ARGUMENT with a message that names the field.
        try:
            checks.AddLine(pb.AddLineRequest(check_id=check.check_id, sku="X", name="X",
                                             category="lab", unit_price_minor=-1, quantity=1), timeout=5)
        except grpc.RpcError as error:
            print(f"refused as expected: {error.code().name}: {error.details()}")

        check = checks.AttachCard(pb.AttachCardRequest(check_id=check.check_id, card_number=card_number), timeout=5)
        quote = checks.Quote(pb.QuoteRequest(check_id=check.check_id), timeout=5)
        print(f"card {check.card.masked_number}: earns {quote.points_to_earn}, "
              f"may spend up to {quote.max_points_spendable} ({quote.binding_limit})")

        # Pay part with points, the rest in cash: the parts must add up to the total.
        points = min(quote.max_points_spendable, 100)
        payment = pb.PaymentSplit(points=points, cash_minor=quote.total_minor - points * quote.minor_per_point)
        result = checks.Commit(pb.CommitRequest(check_id=check.check_id, payment=payment), timeout=10)
        print(f"committed {result.operation_id}: earned {result.points_earned}, spent {result.points_spent}, "
              f"balance {result.balance_after}{' (pending)' if result.pending else ''}")
        print(f"OK {result.operation_id}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: checkout.py SOCKET CARD", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
