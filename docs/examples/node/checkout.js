// A checkout against the PosAgent local API, in Node.js (@grpc/grpc-js + @grpc/proto-loader).
//   npm install @grpc/grpc-js @grpc/proto-loader
//   node docs/examples/node/checkout.js SOCKET CARD
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protos = path.join(__dirname, '..', '..', '..', 'protos');
// agent.proto imports google/api/annotations.proto (its HTTP/JSON rules); protobufjs, which
// proto-loader installs, ships a copy.
const googleApi = path.dirname(require.resolve('protobufjs/package.json'));
const definition = protoLoader.loadSync(path.join(protos, 'posagent/v1/agent.proto'), {
  includeDirs: [protos, googleApi],
  longs: Number, // int64 money and points as numbers (they stay far below 2^53)
  enums: String,
  defaults: true,
});
const v1 = grpc.loadPackageDefinition(definition).posagent.v1;

// Promise wrapper: call(client, 'Method', request) with a 5 s deadline.
function call(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

async function main(socketPath, cardNumber) {
  const target = 'unix://' + socketPath; // the agent's Unix socket
  const credentials = grpc.credentials.createInsecure();
  const checks = new v1.Checks(target, credentials);
  const terminal = new v1.Terminal(target, credentials);
  try {
    const status = await call(terminal, 'GetStatus', {});
    console.log(`agent ${status.terminalId}: central ${status.central.state}, ${status.outbox.pending} operations pending`);

    let check = await call(checks, 'OpenCheck', { clientReference: 'node-example' });
    // Money is in minor units: 4500.00 is 450000.
    check = await call(checks, 'AddLine', {
      checkId: check.checkId, sku: 'LAB-CBC', name: 'Complete blood count', category: 'lab', unitPriceMinor: 450000, quantity: 1,
    });

    // Bad input is INVALID_ARGUMENT with a message that names the field.
    try {
      await call(checks, 'AddLine', { checkId: check.checkId, sku: 'X', name: 'X', category: 'lab', unitPriceMinor: -1, quantity: 1 });
    } catch (error) {
      console.log(`refused as expected: ${grpc.status[error.code]}: ${error.details}`);
    }

    check = await call(checks, 'AttachCard', { checkId: check.checkId, cardNumber });
    const quote = await call(checks, 'Quote', { checkId: check.checkId });
    console.log(`card ${check.card.maskedNumber}: earns ${quote.pointsToEarn}, may spend up to ${quote.maxPointsSpendable} (${quote.bindingLimit})`);

    // Pay part with points, the rest in cash: the parts must add up to the total.
    const points = Math.min(quote.maxPointsSpendable, 100);
    const payment = { points, cashMinor: quote.totalMinor - points * quote.minorPerPoint };
    const result = await call(checks, 'Commit', { checkId: check.checkId, payment });
    console.log(`committed ${result.operationId}: earned ${result.pointsEarned}, spent ${result.pointsSpent}, balance ${result.balanceAfter}${result.pending ? ' (pending)' : ''}`);
    console.log(`OK ${result.operationId}`);
  } finally {
    checks.close();
    terminal.close();
  }
}

if (process.argv.length !== 4) {
  console.error('usage: node checkout.js SOCKET CARD');
  process.exit(2);
}
main(process.argv[2], process.argv[3]).catch((error) => {
  console.error(`failed: ${error.code !== undefined ? grpc.status[error.code] + ': ' + error.details : error}`);
  process.exit(1);
});
