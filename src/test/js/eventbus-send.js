// A real @vertx/eventbus-bridge-client.js client that sends to the bus (and so to Kafka sinks), for the end-to-end tests.
// usage: node eventbus-send.js <http-base-url> <token|-> <steps-json>
//   token: sent as the access_token query parameter of the SockJS URL; "-" for none
//   steps: a JSON array run in order once the bus is open, each step finishing before the next starts:
//     {"op":"register","address":A}                  registers a handler; every message on A is printed
//     {"op":"await","address":A,"signal":S}          waits until a message on A (registered before) has body.signal === S
//     {"op":"send","id":I,"address":A,"body":B,"headers":H,"reply":true}
//                                                    eb.send with a reply handler: waits for the reply (or failure)
//     {"op":"send","id":I,"address":A,"body":B,"headers":H}  eb.send without reply handler
//     {"op":"publish","id":I,"address":A,"body":B,"headers":H}
// Prints one JSON object per line on stdout: open, message, reply, failed, sent, error, done, close. Each line carries
// "at" (epoch ms when printed).
'use strict';
const EventBus = require('@vertx/eventbus-bridge-client.js');

const [base, token, stepsJson] = process.argv.slice(2);
const steps = JSON.parse(stepsJson || '[]');
const print = (event) => process.stdout.write(JSON.stringify(Object.assign(event, { at: Date.now() })) + '\n');

const eb = new EventBus(base + '/eventbus' + (token && token !== '-' ? '?access_token=' + encodeURIComponent(token) : ''));
const waiters = [];

const onMessage = (address) => (err, msg) => {
  if (err) {
    print({ event: 'error', address, error: err });
    return;
  }
  print({ event: 'message', address: msg.address, body: msg.body, headers: msg.headers || {} });
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i].address === msg.address && msg.body && msg.body.signal === waiters[i].signal) {
      const waiter = waiters.splice(i, 1)[0];
      waiter.resolve();
    }
  }
};

const run = async () => {
  for (const step of steps) {
    if (step.op === 'register') {
      eb.registerHandler(step.address, {}, onMessage(step.address));
    } else if (step.op === 'await') {
      await new Promise((resolve) => waiters.push({ address: step.address, signal: step.signal, resolve }));
    } else if (step.op === 'send' && step.reply) {
      await new Promise((resolve) => {
        eb.send(step.address, step.body, step.headers || {}, (err, reply) => {
          if (err) {
            print({ event: 'failed', id: step.id, address: step.address, error: err });
          } else {
            print({ event: 'reply', id: step.id, address: step.address, body: reply.body, headers: reply.headers || {} });
          }
          resolve();
        });
        print({ event: 'sending', id: step.id, address: step.address });
      });
    } else if (step.op === 'send' || step.op === 'publish') {
      eb[step.op](step.address, step.body, step.headers || {});
      print({ event: 'sent', id: step.id, address: step.address });
    } else {
      print({ event: 'error', error: 'unknown step ' + JSON.stringify(step) });
    }
  }
  print({ event: 'done' });
};

eb.onopen = () => {
  print({ event: 'open' });
  run().catch((e) => print({ event: 'error', error: String(e) }));
};
// err frames not for a registered address nor a pending reply (e.g. access_denied about the address sent to) land here
eb.onerror = (err) => print({ event: 'error', error: err });
eb.onclose = () => {
  print({ event: 'close' });
  process.exit(0);
};
process.stdin.on('end', () => eb.close());
process.stdin.resume();
