"""A foreign gRPC peer (Debian's python3-grpcio) against a running agent, run by
tests/PosAgent.Agent.Tests ForeignPeerAgentTests:
  python3 agent_peer.py --stubs DIR --socket PATH --card NUMBER
DIR holds posagent/v1 stubs from protoc. Health and reflection are called with raw protobuf bytes,
so no stubs under the name "grpc" shadow the grpc package. Prints one line per check; exit 1 on error.
"""
import argparse
import queue
import sys
import threading

import grpc

from peer_common import DEADLINE_SECONDS, health, reflection




def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--card", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    from posagent.v1 import agent_pb2, agent_pb2_grpc  # noqa: E402

    with grpc.insecure_channel("unix://" + args.socket) as channel:
        grpc.channel_ready_future(channel).result(timeout=DEADLINE_SECONDS)
        health(channel)
        reflection(channel)
        check = unary(channel, agent_pb2, agent_pb2_grpc)
        watch(channel, agent_pb2, agent_pb2_grpc, check, args.card)


def unary(channel, agent_pb2, agent_pb2_grpc):
    checks = agent_pb2_grpc.ChecksStub(channel)
    check = checks.OpenCheck(agent_pb2.OpenCheckRequest(client_reference="python-peer"), timeout=DEADLINE_SECONDS)
    check = checks.AddLine(agent_pb2.AddLineRequest(check_id=check.check_id, name="Consultation", category="medical",
                                                   unit_price_minor=1234, quantity=2), timeout=DEADLINE_SECONDS)
    print("CHECK %s %d" % (check.check_id, check.total_minor), flush=True)
    return check


def watch(channel, agent_pb2, agent_pb2_grpc, check, card):
    terminal = agent_pb2_grpc.TerminalStub(channel)
    checks = agent_pb2_grpc.ChecksStub(channel)
    stream = terminal.WatchEvents(agent_pb2.WatchEventsRequest(kinds=[agent_pb2.EVENT_KIND_CARD_ATTACHED]), timeout=DEADLINE_SECONDS)
    events = queue.Queue()

    def first_event():
        try:
            events.put(next(stream))
        except Exception as e:  # noqa: BLE001 - handed to the main thread, which raises it
            events.put(e)

    threading.Thread(target=first_event, daemon=True).start()
    # The server subscribes once it has the call; attach until the event arrives (bounded by the call's deadline).
    while True:
        checks.AttachCard(agent_pb2.AttachCardRequest(check_id=check.check_id, card_number=card), timeout=DEADLINE_SECONDS)
        try:
            event = events.get(timeout=0.05)
            break
        except queue.Empty:
            continue
    stream.cancel()
    if isinstance(event, Exception):
        raise event
    print("EVENT %s %s" % (event.card_attached.check_id, event.card_attached.card.masked_number), flush=True)


if __name__ == "__main__":
    main()
