// A real @stomp/stompjs client over WebSocket, or over SockJS (sockjs-client, as Spring users write it), that
// subscribes and sends to the bus (and so to Kafka sinks), for the end-to-end tests.
// usage: node stomp-send.js <url> <token|-> <steps-json>
//   url: ws://.../stomp, or sockjs+<transport>:http://.../stomp (see stomp-endpoint.js)
//   token: sent as the CONNECT passcode (login "anyone"); "-" for none
//   steps: a JSON array run in order once connected, each step finishing before the next starts:
//     {"op":"subscribe","destination":D}                 subscribes; every MESSAGE on D is printed
//     {"op":"subscribe","destination":D,"receipt":R}     the same, waiting for the RECEIPT (printed as "subscribed")
//     {"op":"await","destination":D,"signal":S}          waits until a MESSAGE on D (subscribed before) has JSON body.signal === S
//     {"op":"send","id":I,"destination":D,"body":"text","headers":H,"receipt":R}
//                                                        SEND with receipt R: waits for the RECEIPT (an ERROR ends the client)
//     {"op":"send","id":I,"destination":D,"body":"text","headers":H}   SEND without receipt
// Prints one JSON object per line on stdout: connected, message, receipt, sent, error, done, close. Each line carries
// "at" (epoch ms when printed).
'use strict';
const { Client } = require('@stomp/stompjs');
const endpoint = require('./stomp-endpoint');

const [url, token, stepsJson] = process.argv.slice(2);
const steps = JSON.parse(stepsJson || '[]');
const print = (event) => process.stdout.write(JSON.stringify(Object.assign(event, { at: Date.now() })) + '\n');
const waiters = [];

const signalOf = (body) => {
  try {
    const json = JSON.parse(body);
    return json && json.signal;
  } catch (e) {
    return undefined;
  }
};

const run = async (client) => {
  for (const step of steps) {
    if (step.op === 'subscribe') {
      const onMessage = (message) => {
        print({ event: 'message', destination: message.headers.destination, body: message.body, headers: message.headers });
        const signal = signalOf(message.body);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i].destination === message.headers.destination && signal === waiters[i].signal) {
            waiters.splice(i, 1)[0].resolve();
          }
        }
      };
      if (!step.receipt) {
        client.subscribe(step.destination, onMessage);
        continue;
      }
      await new Promise((resolve) => {
        client.watchForReceipt(step.receipt, () => {
          print({ event: 'subscribed', destination: step.destination, receipt: step.receipt });
          resolve();
        });
        client.subscribe(step.destination, onMessage, { receipt: step.receipt });
      });
    } else if (step.op === 'await') {
      await new Promise((resolve) => waiters.push({ destination: step.destination, signal: step.signal, resolve }));
    } else if (step.op === 'send' && step.receipt) {
      await new Promise((resolve) => {
        client.watchForReceipt(step.receipt, (frame) => {
          print({ event: 'receipt', id: step.id, receipt: frame.headers['receipt-id'] });
          resolve();
        });
        client.publish({ destination: step.destination, body: step.body, headers: Object.assign({}, step.headers || {}, { receipt: step.receipt }) });
        print({ event: 'sending', id: step.id, destination: step.destination });
      });
    } else if (step.op === 'send') {
      client.publish({ destination: step.destination, body: step.body, headers: step.headers || {} });
      print({ event: 'sent', id: step.id, destination: step.destination });
    } else {
      print({ event: 'error', error: 'unknown step ' + JSON.stringify(step) });
    }
  }
  print({ event: 'done' });
};

const client = new Client({
  ...endpoint(url),
  connectHeaders: token && token !== '-' ? { login: 'anyone', passcode: token } : {},
  reconnectDelay: 0,
  heartbeatIncoming: 0,
  heartbeatOutgoing: 0,
  onConnect: (frame) => {
    // sockjs-client names the transport it settled on (undefined over a plain WebSocket)
    print({ event: 'connected', headers: frame.headers, transport: client.webSocket && client.webSocket.transport });
    run(client).catch((e) => print({ event: 'error', error: String(e) }));
  },
  onStompError: (frame) => print({ event: 'error', headers: frame.headers, body: frame.body }),
  onWebSocketClose: (evt) => {
    print({ event: 'close', code: evt.code });
    process.exit(0);
  },
});
client.activate();
process.stdin.on('end', () => client.deactivate());
process.stdin.resume();
