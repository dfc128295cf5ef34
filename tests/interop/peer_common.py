"""What every foreign-peer script calls without stubs: grpc.health.v1 and server reflection, as raw
protobuf bytes (stubs under the name "grpc" would shadow the grpc package)."""

DEADLINE_SECONDS = 20


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
