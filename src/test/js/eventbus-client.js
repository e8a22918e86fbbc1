// A real @vertx/eventbus-bridge-client.js client for the end-to-end tests.
// usage: node eventbus-client.js <http-base-url> <address> [<address> ...]
// Prints one JSON object per line on stdout: open, message, error, close.
'use strict';
const EventBus = require('@vertx/eventbus-bridge-client.js');

const [base, ...addresses] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const eb = new EventBus(base + '/eventbus');
eb.onopen = () => {
  print({ event: 'open' });
  for (const address of addresses) {
    eb.registerHandler(address, {}, (err, msg) => {
      if (err) {
        print({ event: 'error', address, error: err });
      } else {
        print({ event: 'message', address: msg.address, body: msg.body, headers: msg.headers || {} });
      }
    });
  }
};
eb.onerror = (err) => print({ event: 'error', error: err });
eb.onclose = () => {
  print({ event: 'close' });
  process.exit(0);
};
process.stdin.on('end', () => eb.close());
process.stdin.resume();
