"""A foreign health client (Debian's python3-grpcio) for the agent, run by
tests/PosAgent.Agent.Tests StoreHealthTests:
  python3 health_check.py --socket PATH SERVICE...
Calls grpc.health.v1.Health/Check once per service ("" for the overall status) with raw protobuf
bytes and prints "HEALTH <service or -> <response hex>": 0801 is SERVING, 0802 NOT_SERVING.
Exit 1 on error."""
import argparse

import grpc

from peer_common import DEADLINE_SECONDS


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("services", nargs="+")
    args = parser.parse_args()
    with grpc.insecure_channel("unix://" + args.socket) as channel:
        grpc.channel_ready_future(channel).result(timeout=DEADLINE_SECONDS)
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        for service in args.services:
            name = service.encode()
            # HealthCheckRequest{service}: field 1, length-delimited (names here are under 128 bytes).
            request = b"" if not name else b"\x0a" + bytes([len(name)]) + name
            print("HEALTH %s %s" % (service or "-", check(request, timeout=DEADLINE_SECONDS).hex()), flush=True)


if __name__ == "__main__":
    main()
