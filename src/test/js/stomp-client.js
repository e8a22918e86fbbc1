// A real @stomp/stompjs client over WebSocket or SockJS for the end-to-end tests.
// usage: node stomp-client.js <url> <destination> [<destination> ...]
//   url: ws://.../stomp, or sockjs+<transport>:http://.../stomp (see stomp-endpoint.js)
// Prints one JSON object per line on stdout: connected, message, error, close.
'use strict';
const endpoint = require('./stomp-endpoint');
const { Client } = require('@stomp/stompjs');

const [url, ...destinations] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

const client = new Client({
  ...endpoint(url),
  reconnectDelay: 0,
  heartbeatIncoming: 0,
  heartbeatOutgoing: 0,
  onConnect: (frame) => {
    print({ event: 'connected', headers: frame.headers });
    for (const destination of destinations) {
      client.subscribe(destination, (message) => {
        print({ event: 'message', destination: message.headers.destination, body: message.body, headers: message.headers });
      });
    }
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
