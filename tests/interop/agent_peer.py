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

DEADLINE_SECONDS = 20


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


def health(channel):
    # HealthCheckRequest{service=""} is empty; HealthCheckResponse{status=SERVING} is field 1 = 1.
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    print("HEALTH " + check(b"", timeout=DEADLINE_SECONDS).hex(), flush=True)


def reflection(channel):
    # ServerReflectionRequest{list_services=""}: field 7, length-delimited, empty.
    info = channel.stream_stream("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
    responses = list(info(iter([b"\x3a\x00"]), timeout=DEADLINE_SECONDS))
    names = read_service_names(responses[0])
    print("SERVICES " + ",".join(sorted(names)), flush=True)


def read_service_names(response):
    # ServerReflectionResponse.list_services_response (6) -> repeated ServiceResponse service (1) -> name (1).
    names = []
    for field, value in fields(response):
        if field == 6:
            for inner_field, service in fields(value):
                if inner_field == 1:
                    names.extend(v.decode() for f, v in fields(service) if f == 1)
    return names


def fields(data):
    """The length-delimited fields of a protobuf message (varints skipped)."""
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        wire = key & 7
        if wire == 0:
            _, i = varint(data, i)
        elif wire == 2:
            size, i = varint(data, i)
            yield key >> 3, data[i:i + size]
            i += size
        else:
            raise ValueError("unexpected wire type %d" % wire)


def varint(data, i):
    value = shift = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


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
