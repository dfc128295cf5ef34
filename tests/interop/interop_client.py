"""The client side of the gRPC interop cases (doc/interop-test-descriptions.md), with python grpcio.

Run by tests/PosAgent.Rpc.Tests against PosAgent's server:
  python3 interop_client.py --stubs DIR --target 127.0.0.1:PORT --cases a,b,c
Prints "PASS <case>" or "FAIL <case>: <reason>" per case; exits 1 if any failed.
DIR holds stubs generated from protos/grpc by the test (packages pa_testing, pa_health, pa_reflection).
"""
import argparse
import queue
import sys
import threading
import traceback

import grpc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--cases", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    global empty_pb2, messages_pb2, test_pb2_grpc, health_pb2, health_pb2_grpc, reflection_pb2, reflection_pb2_grpc
    from pa_testing import empty_pb2, messages_pb2, test_pb2_grpc  # noqa: E402
    from pa_health import health_pb2, health_pb2_grpc  # noqa: E402
    from pa_reflection import reflection_pb2, reflection_pb2_grpc  # noqa: E402

    failed = 0
    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=20)
        for name in args.cases.split(","):
            try:
                CASES[name](channel)
                print("PASS " + name, flush=True)
            except Exception as e:  # noqa: BLE001 - every failure is reported by case
                failed += 1
                detail = "".join(traceback.format_exception_only(type(e), e)).strip().replace("\n", " | ")
                print("FAIL %s: %s" % (name, detail), flush=True)
    sys.exit(1 if failed else 0)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def zeros(size):
    return messages_pb2.Payload(body=b"\0" * size)


def stub(channel):
    return test_pb2_grpc.TestServiceStub(channel)


def expect_status(call, code, what):
    try:
        call()
    except grpc.RpcError as e:
        check(e.code() == code, "%s: expected %s, got %s (%s)" % (what, code, e.code(), e.details()))
        return e
    raise AssertionError("%s: expected %s, but the call succeeded" % (what, code))


def empty_unary(channel):
    response = stub(channel).EmptyCall(empty_pb2.Empty(), timeout=20)
    check(response == empty_pb2.Empty(), "response is not empty")


def large_unary(channel):
    response = stub(channel).UnaryCall(messages_pb2.SimpleRequest(response_size=314159, payload=zeros(271828)), timeout=20)
    check(len(response.payload.body) == 314159, "payload size %d" % len(response.payload.body))
    check(response.payload.body == b"\0" * 314159, "payload is not zeros")


def client_streaming(channel):
    requests = (messages_pb2.StreamingInputCallRequest(payload=zeros(s)) for s in (27182, 8, 1828, 45904))
    response = stub(channel).StreamingInputCall(requests, timeout=20)
    check(response.aggregated_payload_size == 74922, "aggregated %d" % response.aggregated_payload_size)


def server_streaming(channel):
    sizes = (31415, 9, 2653, 58979)
    request = messages_pb2.StreamingOutputCallRequest(response_parameters=[messages_pb2.ResponseParameters(size=s) for s in sizes])
    got = [len(r.payload.body) for r in stub(channel).StreamingOutputCall(request, timeout=20)]
    check(got == list(sizes), "sizes %s" % got)


class Requests:
    """A request iterator fed from the test, for ping-pong and cancellation."""

    def __init__(self):
        self._queue = queue.Queue()

    def add(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(None)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get(timeout=30)
        if item is None:
            raise StopIteration
        return item


def ping_pong(channel):
    requests = Requests()
    responses = stub(channel).FullDuplexCall(requests, timeout=20)
    for req_size, resp_size in ((27182, 31415), (8, 9), (1828, 2653), (45904, 58979)):
        requests.add(messages_pb2.StreamingOutputCallRequest(response_parameters=[messages_pb2.ResponseParameters(size=resp_size)], payload=zeros(req_size)))
        response = next(responses)
        check(len(response.payload.body) == resp_size, "size %d, expected %d" % (len(response.payload.body), resp_size))
    requests.close()
    check(next(responses, None) is None, "more responses than requests")


def empty_stream(channel):
    got = list(stub(channel).FullDuplexCall(iter(()), timeout=20))
    check(got == [], "responses to an empty stream: %d" % len(got))


def timeout_on_sleeping_server(channel):
    requests = Requests()
    requests.add(messages_pb2.StreamingOutputCallRequest(payload=zeros(27182)))
    responses = stub(channel).FullDuplexCall(requests, timeout=0.001)
    expect_status(lambda: list(responses), grpc.StatusCode.DEADLINE_EXCEEDED, "sleeping server")
    requests.close()


def cancel_after_begin(channel):
    requests = Requests()
    future = stub(channel).StreamingInputCall.future(requests, timeout=20)
    future.cancel()
    check(future.cancelled(), "the call was not cancelled")
    requests.close()


def cancel_after_first_response(channel):
    requests = Requests()
    responses = stub(channel).FullDuplexCall(requests, timeout=20)
    requests.add(messages_pb2.StreamingOutputCallRequest(response_parameters=[messages_pb2.ResponseParameters(size=31415)], payload=zeros(27182)))
    first = next(responses)
    check(len(first.payload.body) == 31415, "first response size")
    responses.cancel()
    expect_status(lambda: next(responses), grpc.StatusCode.CANCELLED, "after cancel")
    requests.close()


def status_code_and_message(channel):
    message = "test status message"
    status = messages_pb2.EchoStatus(code=2, message=message)
    e = expect_status(lambda: stub(channel).UnaryCall(messages_pb2.SimpleRequest(response_status=status), timeout=20), grpc.StatusCode.UNKNOWN, "unary")
    check(e.details() == message, "unary details %r" % e.details())
    responses = stub(channel).FullDuplexCall(iter([messages_pb2.StreamingOutputCallRequest(response_status=status)]), timeout=20)
    e = expect_status(lambda: list(responses), grpc.StatusCode.UNKNOWN, "duplex")
    check(e.details() == message, "duplex details %r" % e.details())


def special_status_message(channel):
    message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
    status = messages_pb2.EchoStatus(code=2, message=message)
    e = expect_status(lambda: stub(channel).UnaryCall(messages_pb2.SimpleRequest(response_status=status), timeout=20), grpc.StatusCode.UNKNOWN, "unary")
    check(e.details() == message, "details %r" % e.details())


def unimplemented_method(channel):
    expect_status(lambda: stub(channel).UnimplementedCall(empty_pb2.Empty(), timeout=20), grpc.StatusCode.UNIMPLEMENTED, "method")


def unimplemented_service(channel):
    service = test_pb2_grpc.UnimplementedServiceStub(channel)
    expect_status(lambda: service.UnimplementedCall(empty_pb2.Empty(), timeout=20), grpc.StatusCode.UNIMPLEMENTED, "service")


def custom_metadata(channel):
    metadata = (("x-grpc-test-echo-initial", "test_initial_metadata_value"), ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab"))
    response, call = stub(channel).UnaryCall.with_call(messages_pb2.SimpleRequest(response_size=314159, payload=zeros(271828)), metadata=metadata, timeout=20)
    check(len(response.payload.body) == 314159, "unary size")
    check_echo(call.initial_metadata(), call.trailing_metadata(), "unary")
    request = messages_pb2.StreamingOutputCallRequest(response_parameters=[messages_pb2.ResponseParameters(size=314159)], payload=zeros(271828))
    responses = stub(channel).FullDuplexCall(iter([request]), metadata=metadata, timeout=20)
    got = [len(r.payload.body) for r in responses]
    check(got == [314159], "duplex sizes %s" % got)
    check_echo(responses.initial_metadata(), responses.trailing_metadata(), "duplex")


def check_echo(initial, trailing, what):
    initial = dict(initial)
    trailing = dict(trailing)
    check(initial.get("x-grpc-test-echo-initial") == "test_initial_metadata_value", "%s initial metadata %r" % (what, initial))
    check(trailing.get("x-grpc-test-echo-trailing-bin") == b"\xab\xab\xab", "%s trailing metadata %r" % (what, trailing))


def client_compressed_unary(channel):
    request = messages_pb2.SimpleRequest(expect_compressed=messages_pb2.BoolValue(value=True), response_size=314159, payload=zeros(271828))
    expect_status(lambda: stub(channel).UnaryCall(request, timeout=20), grpc.StatusCode.INVALID_ARGUMENT, "probe")
    response = stub(channel).UnaryCall(request, compression=grpc.Compression.Gzip, timeout=20)
    check(len(response.payload.body) == 314159, "compressed size")
    plain = messages_pb2.SimpleRequest(expect_compressed=messages_pb2.BoolValue(value=False), response_size=314159, payload=zeros(271828))
    response = stub(channel).UnaryCall(plain, timeout=20)
    check(len(response.payload.body) == 314159, "plain size")


def server_compressed_unary(channel):
    for compressed in (True, False):
        request = messages_pb2.SimpleRequest(response_compressed=messages_pb2.BoolValue(value=compressed), response_size=314159, payload=zeros(271828))
        response = stub(channel).UnaryCall(request, timeout=20)
        check(len(response.payload.body) == 314159, "size with compressed=%s" % compressed)


def client_compressed_streaming(channel):
    requests = [messages_pb2.StreamingInputCallRequest(expect_compressed=messages_pb2.BoolValue(value=True), payload=zeros(s)) for s in (27182, 45904)]
    response = stub(channel).StreamingInputCall(iter(requests), compression=grpc.Compression.Gzip, timeout=20)
    check(response.aggregated_payload_size == 73086, "aggregated %d" % response.aggregated_payload_size)


def server_compressed_streaming(channel):
    request = messages_pb2.StreamingOutputCallRequest(response_parameters=[
        messages_pb2.ResponseParameters(compressed=messages_pb2.BoolValue(value=True), size=31415),
        messages_pb2.ResponseParameters(compressed=messages_pb2.BoolValue(value=False), size=92653)])
    got = [len(r.payload.body) for r in stub(channel).StreamingOutputCall(request, timeout=20)]
    check(got == [31415, 92653], "sizes %s" % got)


def health_check(channel):
    health = health_pb2_grpc.HealthStub(channel)
    response = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=20)
    check(response.status == health_pb2.HealthCheckResponse.SERVING, "overall status %s" % response.status)
    expect_status(lambda: health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=20), grpc.StatusCode.NOT_FOUND, "unknown service")


def health_watch(channel):
    health = health_pb2_grpc.HealthStub(channel)
    responses = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=20)
    first = next(responses)
    check(first.status == health_pb2.HealthCheckResponse.SERVING, "watch status %s" % first.status)
    responses.cancel()


def reflection(channel):
    from google.protobuf import descriptor_pb2, descriptor_pool

    reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="grpc.testing.TestService"),
        reflection_pb2.ServerReflectionRequest(file_by_filename="grpc/health/v1/health.proto"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
    ]
    responses = list(reflect.ServerReflectionInfo(iter(requests), timeout=20))
    check(len(responses) == 4, "responses %d" % len(responses))
    services = sorted(s.name for s in responses[0].list_services_response.service)
    check(services == ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "grpc.testing.TestService"], "services %s" % services)
    # The files must build a descriptor pool on their own: dependencies included.
    pool = descriptor_pool.DescriptorPool()
    protos = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in responses[1].file_descriptor_response.file_descriptor_proto]
    for proto in reversed(protos):
        pool.Add(proto)
    service = pool.FindServiceByName("grpc.testing.TestService")
    check(service.FindMethodByName("UnaryCall").input_type.full_name == "grpc.testing.SimpleRequest", "UnaryCall input type")
    health = descriptor_pb2.FileDescriptorProto.FromString(responses[2].file_descriptor_response.file_descriptor_proto[0])
    check(health.name == "grpc/health/v1/health.proto", "health file %s" % health.name)
    check(responses[3].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0], "unknown symbol error %s" % responses[3].error_response)


CASES = {f.__name__: f for f in (
    empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
    timeout_on_sleeping_server, cancel_after_begin, cancel_after_first_response,
    status_code_and_message, special_status_message, unimplemented_method, unimplemented_service,
    custom_metadata, client_compressed_unary, server_compressed_unary, client_compressed_streaming,
    server_compressed_streaming, health_check, health_watch, reflection)}

if __name__ == "__main__":
    main()
