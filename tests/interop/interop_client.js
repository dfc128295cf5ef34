// The client side of the gRPC interop cases (doc/interop-test-descriptions.md) with npm's @grpc/grpc-js,
// run by tests/PosAgent.Rpc.Tests against PosAgent's server:
//   node interop_client.js --protos DIR --target 127.0.0.1:PORT --cases a,b,c
// Prints "PASS <case>" or "FAIL <case>: <reason>" per case; exits 1 if any failed.
'use strict';

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const path = require('path');

function parseArgs() {
  const args = {};
  for (let i = 2; i < process.argv.length; i += 2) {
    args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  }
  return args;
}

const args = parseArgs();
const definition = protoLoader.loadSync(path.join(args.protos, 'grpc/testing/test.proto'), {
  includeDirs: [args.protos], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const testing = grpc.loadPackageDefinition(definition).grpc.testing;
const GZIP = 2; // grpc-js compression algorithm ids: 0 identity, 1 deflate, 2 gzip
const plainClient = new testing.TestService(args.target, grpc.credentials.createInsecure());
const gzipClient = new testing.TestService(args.target, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': GZIP });
const unimplementedClient = new testing.UnimplementedService(args.target, grpc.credentials.createInsecure());

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function zeros(size) {
  return { body: Buffer.alloc(size) };
}

function deadline(seconds) {
  return new Date(Date.now() + seconds * 1000);
}

function unary(client, method, request, metadata) {
  return new Promise((resolve, reject) => {
    const call = client[method](request, metadata || new grpc.Metadata(), { deadline: deadline(20) }, (err, response) => {
      if (err) reject(err); else resolve({ response, call });
    });
    call.on('metadata', (m) => { call.initialMetadata = m; });
    call.on('status', (s) => { call.finalStatus = s; });
  });
}

async function expectStatus(promise, code, what) {
  try {
    await promise;
  } catch (err) {
    check(err.code === code, `${what}: expected code ${code}, got ${err.code} (${err.details})`);
    return err;
  }
  throw new Error(`${what}: expected code ${code}, but the call succeeded`);
}

function readAll(call) {
  return new Promise((resolve, reject) => {
    const responses = [];
    call.on('data', (r) => responses.push(r));
    call.on('error', reject);
    call.on('end', () => resolve(responses));
  });
}

function nextMessage(call) {
  return new Promise((resolve, reject) => {
    const onData = (r) => { cleanup(); resolve(r); };
    const onError = (e) => { cleanup(); reject(e); };
    const onEnd = () => { cleanup(); resolve(null); };
    function cleanup() { call.off('data', onData); call.off('error', onError); call.off('end', onEnd); }
    call.on('data', onData); call.on('error', onError); call.on('end', onEnd);
  });
}

const cases = {
  async empty_unary() {
    const { response } = await unary(plainClient, 'EmptyCall', {});
    check(response && Object.keys(response).length === 0, 'response is not empty');
  },
  async large_unary() {
    const { response } = await unary(plainClient, 'UnaryCall', { response_size: 314159, payload: zeros(271828) });
    check(response.payload.body.length === 314159, `size ${response.payload.body.length}`);
    check(response.payload.body.every((b) => b === 0), 'payload is not zeros');
  },
  async client_streaming() {
    const response = await new Promise((resolve, reject) => {
      const call = plainClient.StreamingInputCall({ deadline: deadline(20) }, (err, r) => (err ? reject(err) : resolve(r)));
      for (const size of [27182, 8, 1828, 45904]) call.write({ payload: zeros(size) });
      call.end();
    });
    check(response.aggregated_payload_size === 74922, `aggregated ${response.aggregated_payload_size}`);
  },
  async server_streaming() {
    const sizes = [31415, 9, 2653, 58979];
    const call = plainClient.StreamingOutputCall({ response_parameters: sizes.map((size) => ({ size })) }, { deadline: deadline(20) });
    const got = (await readAll(call)).map((r) => r.payload.body.length);
    check(JSON.stringify(got) === JSON.stringify(sizes), `sizes ${got}`);
  },
  async ping_pong() {
    const call = plainClient.FullDuplexCall({ deadline: deadline(20) });
    for (const [req, resp] of [[27182, 31415], [8, 9], [1828, 2653], [45904, 58979]]) {
      const next = nextMessage(call);
      call.write({ response_parameters: [{ size: resp }], payload: zeros(req) });
      const response = await next;
      check(response && response.payload.body.length === resp, `size ${response && response.payload.body.length}, expected ${resp}`);
    }
    const end = nextMessage(call);
    call.end();
    check((await end) === null, 'more responses than requests');
  },
  async empty_stream() {
    const call = plainClient.FullDuplexCall({ deadline: deadline(20) });
    call.end();
    const got = await readAll(call);
    check(got.length === 0, `responses ${got.length}`);
  },
  async timeout_on_sleeping_server() {
    const call = plainClient.FullDuplexCall({ deadline: new Date(Date.now() + 1) });
    call.write({ payload: zeros(27182) });
    await expectStatus(readAll(call), grpc.status.DEADLINE_EXCEEDED, 'sleeping server');
  },
  async cancel_after_begin() {
    const result = new Promise((resolve, reject) => {
      const call = plainClient.StreamingInputCall({ deadline: deadline(20) }, (err, r) => (err ? reject(err) : resolve(r)));
      call.cancel();
    });
    await expectStatus(result, grpc.status.CANCELLED, 'cancel after begin');
  },
  async cancel_after_first_response() {
    const call = plainClient.FullDuplexCall({ deadline: deadline(20) });
    const first = nextMessage(call);
    call.write({ response_parameters: [{ size: 31415 }], payload: zeros(27182) });
    check((await first).payload.body.length === 31415, 'first response size');
    const failed = nextMessage(call);
    call.cancel();
    await expectStatus(failed, grpc.status.CANCELLED, 'after cancel');
  },
  async status_code_and_message() {
    const message = 'test status message';
    const status = { code: 2, message };
    let err = await expectStatus(unary(plainClient, 'UnaryCall', { response_status: status }), grpc.status.UNKNOWN, 'unary');
    check(err.details === message, `unary details ${err.details}`);
    const call = plainClient.FullDuplexCall({ deadline: deadline(20) });
    call.write({ response_status: status });
    call.end();
    err = await expectStatus(readAll(call), grpc.status.UNKNOWN, 'duplex');
    check(err.details === message, `duplex details ${err.details}`);
  },
  async special_status_message() {
    const message = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1F608}\t\n';
    const err = await expectStatus(unary(plainClient, 'UnaryCall', { response_status: { code: 2, message } }), grpc.status.UNKNOWN, 'unary');
    check(err.details === message, `details ${JSON.stringify(err.details)}`);
  },
  async unimplemented_method() {
    await expectStatus(unary(plainClient, 'UnimplementedCall', {}), grpc.status.UNIMPLEMENTED, 'method');
  },
  async unimplemented_service() {
    await expectStatus(unary(unimplementedClient, 'UnimplementedCall', {}), grpc.status.UNIMPLEMENTED, 'service');
  },
  async custom_metadata() {
    const metadata = new grpc.Metadata();
    metadata.set('x-grpc-test-echo-initial', 'test_initial_metadata_value');
    metadata.set('x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab]));
    const { call } = await unary(plainClient, 'UnaryCall', { response_size: 314159, payload: zeros(271828) }, metadata);
    checkEcho(call.initialMetadata, call.finalStatus.metadata, 'unary');
    const duplex = plainClient.FullDuplexCall(metadata, { deadline: deadline(20) });
    let initial;
    let trailing;
    duplex.on('metadata', (m) => { initial = m; });
    duplex.on('status', (s) => { trailing = s.metadata; });
    duplex.write({ response_parameters: [{ size: 314159 }], payload: zeros(271828) });
    duplex.end();
    const got = await readAll(duplex);
    check(got.length === 1 && got[0].payload.body.length === 314159, 'duplex response');
    await new Promise((resolve) => (trailing ? resolve() : duplex.on('status', resolve)));
    checkEcho(initial, trailing, 'duplex');
  },
  async client_compressed_unary() {
    const request = { expect_compressed: { value: true }, response_size: 314159, payload: zeros(271828) };
    await expectStatus(unary(plainClient, 'UnaryCall', request), grpc.status.INVALID_ARGUMENT, 'probe');
    const { response } = await unary(gzipClient, 'UnaryCall', request);
    check(response.payload.body.length === 314159, 'compressed size');
    const plain = await unary(plainClient, 'UnaryCall', { expect_compressed: { value: false }, response_size: 314159, payload: zeros(271828) });
    check(plain.response.payload.body.length === 314159, 'plain size');
  },
  async server_compressed_unary() {
    for (const compressed of [true, false]) {
      const { response } = await unary(plainClient, 'UnaryCall', { response_compressed: { value: compressed }, response_size: 314159, payload: zeros(271828) });
      check(response.payload.body.length === 314159, `size with compressed=${compressed}`);
    }
  },
  async client_compressed_streaming() {
    const response = await new Promise((resolve, reject) => {
      const call = gzipClient.StreamingInputCall({ deadline: deadline(20) }, (err, r) => (err ? reject(err) : resolve(r)));
      call.write({ expect_compressed: { value: true }, payload: zeros(27182) });
      call.write({ expect_compressed: { value: true }, payload: zeros(45904) });
      call.end();
    });
    check(response.aggregated_payload_size === 73086, `aggregated ${response.aggregated_payload_size}`);
  },
  async server_compressed_streaming() {
    const call = plainClient.StreamingOutputCall({
      response_parameters: [{ compressed: { value: true }, size: 31415 }, { compressed: { value: false }, size: 92653 }],
    }, { deadline: deadline(20) });
    const got = (await readAll(call)).map((r) => r.payload.body.length);
    check(JSON.stringify(got) === '[31415,92653]', `sizes ${got}`);
  },
};

function checkEcho(initial, trailing, what) {
  check(initial && initial.get('x-grpc-test-echo-initial')[0] === 'test_initial_metadata_value', `${what} initial metadata`);
  const bin = trailing && trailing.get('x-grpc-test-echo-trailing-bin')[0];
  check(bin && Buffer.compare(bin, Buffer.from([0xab, 0xab, 0xab])) === 0, `${what} trailing metadata`);
}

(async () => {
  let failed = 0;
  for (const name of args.cases.split(',')) {
    try {
      if (!cases[name]) throw new Error('unknown case');
      await cases[name]();
      console.log(`PASS ${name}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${name}: ${String(err && err.message || err).replace(/\n/g, ' | ')}`);
    }
  }
  plainClient.close();
  gzipClient.close();
  unimplementedClient.close();
  process.exit(failed ? 1 : 0);
})();
