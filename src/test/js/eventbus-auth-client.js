// A real @vertx/eventbus-bridge-client.js client that authenticates, for the end-to-end tests.
// usage: node eventbus-auth-client.js <http-base-url> <query|header|none> <token> <action> [<action> ...]
//   query:  the token is the access_token query parameter of the SockJS URL (<base>/eventbus?access_token=...)
//   header: the token is sent as eb.defaultHeaders = {Authorization: 'Bearer <token>'} on every frame
//   none:   no credentials (the token argument is ignored)
//   action: <address> or register:<address> registers a handler; publish:<address> publishes
//           {"from":"eventbus-auth-client"} with the header user=mallory (which the server must replace)
// Prints one JSON object per line on stdout: open, message, error, close.
'use strict';
const EventBus = require('@vertx/eventbus-bridge-client.js');

const [base, mode, token, ...actions] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const url = base + '/eventbus' + (mode === 'query' ? '?access_token=' + encodeURIComponent(token) : '');
const eb = new EventBus(url);
if (mode === 'header') {
  eb.defaultHeaders = { Authorization: 'Bearer ' + token };
}
eb.onopen = () => {
  print({ event: 'open' });
  for (const action of actions) {
    const publish = action.startsWith('publish:');
    const address = action.replace(/^(register|publish):/, '');
    if (publish) {
      eb.publish(address, { from: 'eventbus-auth-client' }, { user: 'mallory' });
      print({ event: 'published', address });
      continue;
    }
    eb.registerHandler(address, {}, (err, msg) => {
      if (err) {
        print({ event: 'error', address, error: err });
      } else {
        print({ event: 'message', address: msg.address, body: msg.body, headers: msg.headers || {} });
      }
    });
  }
};
// err frames without a registered address (authentication failures, expiry) arrive here
eb.onerror = (err) => print({ event: 'error', error: err });
eb.onclose = () => {
  print({ event: 'close' });
  process.exit(0);
};
process.stdin.on('end', () => eb.close());
process.stdin.resume();
