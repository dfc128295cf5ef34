// What every foreign-peer script calls without generated code: grpc.health.v1 and server reflection,
// as raw protobuf bytes through @grpc/grpc-js's generic client.
'use strict';

const DEADLINE_MS = 20000;

module.exports = (grpc, target, options = {}) => {
  const raw = new grpc.Client(target, grpc.credentials.createInsecure(), options);
  const identity = (b) => b;
  const deadline = () => new Date(Date.now() + DEADLINE_MS);

  function health() {
    // HealthCheckRequest{service=""} is empty; HealthCheckResponse{status=SERVING} is field 1 = 1.
    return new Promise((resolve, reject) => raw.makeUnaryRequest('/grpc.health.v1.Health/Check', identity, identity, Buffer.alloc(0),
      { deadline: deadline() }, (err, res) => (err ? reject(err) : resolve(res.toString('hex')))));
  }

  function reflection() {
    // ServerReflectionRequest{list_services=""}: field 7, length-delimited, empty.
    return new Promise((resolve, reject) => {
      const call = raw.makeBidiStreamRequest('/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo', identity, identity, { deadline: deadline() });
      call.on('data', (response) => {
        call.cancel();
        resolve(serviceNames(response));
      });
      call.on('error', (err) => { if (err.code !== grpc.status.CANCELLED) reject(err); });
      call.write(Buffer.from([0x3a, 0x00]));
      call.end();
    });
  }

  function serviceNames(response) {
    // ServerReflectionResponse.list_services_response (6) -> repeated ServiceResponse service (1) -> name (1).
    const names = [];
    for (const [field, value] of fields(response)) {
      if (field !== 6) continue;
      for (const [innerField, service] of fields(value)) {
        if (innerField !== 1) continue;
        for (const [f, v] of fields(service)) if (f === 1) names.push(v.toString());
      }
    }
    return names.sort();
  }

  function* fields(data) {
    let i = 0;
    const varint = () => {
      let value = 0; let shift = 0; let b;
      do { b = data[i++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      return value;
    };
    while (i < data.length) {
      const key = varint();
      const wire = key & 7;
      if (wire === 0) { varint(); continue; }
      if (wire !== 2) throw new Error('unexpected wire type ' + wire);
      const size = varint();
      yield [key >> 3, data.subarray(i, i + size)];
      i += size;
    }
  }

  return { health, reflection };
};
