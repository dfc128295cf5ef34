// A foreign gRPC peer (npm's @grpc/grpc-js) against a running central service (loopback TCP),
// run by tests/PosAgent.Central.Tests ForeignPeerCentralTests:
//   node central_peer.js --protos DIR --wkt DIR --target HOST:PORT --token TOKEN --card NUMBER --cursor N
// Prints one line per check; exits 1 on error.
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
const definition = protoLoader.loadSync(path.join(args.protos, 'loyalty/v1/terminal.proto'), {
  includeDirs: [args.protos, args.wkt], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).posagent.loyalty.v1;
const { health, reflection } = require('./peer_common')(grpc, args.target);
const terminal = new v1.LoyaltyTerminalService(args.target, grpc.credentials.createInsecure());
const auth = new grpc.Metadata();
auth.set('authorization', 'Bearer ' + args.token);

function deadline() {
  return new Date(Date.now() + DEADLINE_MS);
}

function snapshot() {
  return new Promise((resolve, reject) => terminal.GetCardSnapshot({ card_number: args.card }, auth, { deadline: deadline() },
    (err, res) => (err ? reject(err) : resolve(res))));
}

function firstChange() {
  // The change after the cursor is already stored: the stream sends it first, so no race with the writer.
  return new Promise((resolve, reject) => {
    const stream = terminal.WatchChanges({ after_cursor: args.cursor }, auth, { deadline: deadline() });
    let done = false;
    stream.on('data', (change) => { done = true; stream.cancel(); resolve(change); });
    stream.on('error', (err) => { if (!done) { done = true; reject(err); } });
  });
}

async function main() {
  console.log('HEALTH ' + await health());
  console.log('SERVICES ' + (await reflection()).join(','));
  const card = await snapshot();
  console.log(`SNAPSHOT ${card.card_number} ${card.state}`);
  const change = await firstChange();
  console.log(`CHANGE ${change.cursor} ${change.card.card_number} ${change.card.state}`);
}

main().then(() => process.exit(0), (err) => { console.error(err && err.stack ? err.stack : err); process.exit(1); });
