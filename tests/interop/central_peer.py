"""A foreign gRPC peer (Debian's python3-grpcio) against a running central service (loopback TCP),
run by tests/PosAgent.Central.Tests ForeignPeerCentralTests:
  python3 central_peer.py --stubs DIR --target HOST:PORT --token TOKEN --card NUMBER --cursor N
DIR holds loyalty/v1 stubs from protoc. Prints one line per check; exits non-zero on error.
"""
import argparse
import sys

import grpc

from peer_common import DEADLINE_SECONDS, health, reflection


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--card", required=True)
    parser.add_argument("--cursor", required=True, type=int)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    from loyalty.v1 import common_pb2, terminal_pb2, terminal_pb2_grpc  # noqa: E402

    auth = [("authorization", "Bearer " + args.token)]
    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=DEADLINE_SECONDS)
        health(channel)
        reflection(channel)
        terminal = terminal_pb2_grpc.LoyaltyTerminalServiceStub(channel)
        snapshot = terminal.GetCardSnapshot(terminal_pb2.GetCardSnapshotRequest(card_number=args.card), metadata=auth, timeout=DEADLINE_SECONDS)
        print("SNAPSHOT %s %s" % (snapshot.card_number, common_pb2.CardState.Name(snapshot.state)), flush=True)
        # The change after the cursor is already stored: the stream sends it first, so no race with the writer.
        changes = terminal.WatchChanges(terminal_pb2.WatchChangesRequest(after_cursor=args.cursor), metadata=auth, timeout=DEADLINE_SECONDS)
        change = next(changes)
        changes.cancel()
        print("CHANGE %d %s %s" % (change.cursor, change.card.card_number, common_pb2.CardState.Name(change.card.state)), flush=True)


if __name__ == "__main__":
    main()
