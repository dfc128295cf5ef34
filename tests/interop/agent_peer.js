// A foreign gRPC peer (npm's @grpc/grpc-js) against a running agent, run by
// tests/PosAgent.Agent.Tests ForeignPeerAgentTests:
//   node agent_peer.js --protos DIR --socket PATH --card NUMBER
// Health and reflection are called with raw protobuf bytes. Prints one line per check; exit 1 on error.
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

const DEADLINE_MS = 20000;
const args = parseArgs();
const target = 'unix://' + args.socket;
// agent.proto imports google/api/annotations.proto (its HTTP/JSON rules); protobufjs ships a copy.
const googleApi = path.dirname(require.resolve('protobufjs/package.json'));
const definition = protoLoader.loadSync(path.join(args.protos, 'posagent/v1/agent.proto'), {
  includeDirs: [args.protos, args.wkt, googleApi], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).posagent.v1;
const { health, reflection } = require('./peer_common')(grpc, target);
const checks = new v1.Checks(target, grpc.credentials.createInsecure());
const terminal = new v1.Terminal(target, grpc.credentials.createInsecure());
function deadline() {
  return new Date(Date.now() + DEADLINE_MS);
}

function unary(client, method, request) {
  return new Promise((resolve, reject) => client[method](request, { deadline: deadline() }, (err, res) => (err ? reject(err) : resolve(res))));
}

function firstEvent(check) {
  // The server subscribes once it has the call; attach until the event arrives (bounded by the call's deadline).
  return new Promise((resolve, reject) => {
    const stream = terminal.WatchEvents({ kinds: ['EVENT_KIND_CARD_ATTACHED'] }, { deadline: deadline() });
    let done = false;
    stream.on('data', (event) => { done = true; stream.cancel(); resolve(event); });
    stream.on('error', (err) => { if (!done) { done = true; reject(err); } });
    const attach = () => unary(checks, 'AttachCard', { check_id: check.check_id, card_number: args.card })
      .then(() => { if (!done) setTimeout(attach, 50); }, (err) => { done = true; stream.cancel(); reject(err); });
    attach();
  });
}

async function main() {
  console.log('HEALTH ' + await health());
  console.log('SERVICES ' + (await reflection()).join(','));
  let check = await unary(checks, 'OpenCheck', { client_reference: 'node-peer' });
  check = await unary(checks, 'AddLine', { check_id: check.check_id, name: 'Consultation', category: 'medical', unit_price_minor: 1234, quantity: 2 });
  console.log(`CHECK ${check.check_id} ${check.total_minor}`);
  const event = await firstEvent(check);
  console.log(`EVENT ${event.card_attached.check_id} ${event.card_attached.card.masked_number}`);
}

main().then(() => process.exit(0), (err) => { console.error(err && err.stack ? err.stack : err); process.exit(1); });
