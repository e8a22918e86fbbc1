// A real @stomp/stompjs client over WebSocket that authenticates, for the end-to-end tests.
// usage: node stomp-auth-client.js <url> <passcode|header|login|none> <credential> <action> [<action> ...]
//   url:      ws://.../stomp, or sockjs+<transport>:http://.../stomp (see stomp-endpoint.js)
//   passcode: CONNECT login:anyone, passcode:<token>
//   header:   CONNECT Authorization:Bearer <token>
//   login:    CONNECT login/passcode from the credential "<login>:<password>"
//   none:     no credentials (the credential argument is ignored)
//   action:   <destination> or subscribe:<destination> subscribes; send:<destination> sends
//             {"from":"stomp-auth-client"} with the header user:mallory (which the server must replace)
// Prints one JSON object per line on stdout: connected, message, sent, error, close.
'use strict';
const { Client } = require('@stomp/stompjs');
const endpoint = require('./stomp-endpoint');

const [url, mode, credential, ...actions] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

let connectHeaders = {};
if (mode === 'passcode') {
  connectHeaders = { login: 'anyone', passcode: credential };
} else if (mode === 'header') {
  connectHeaders = { Authorization: 'Bearer ' + credential };
} else if (mode === 'login') {
  const colon = credential.indexOf(':');
  connectHeaders = { login: credential.substring(0, colon), passcode: credential.substring(colon + 1) };
}

const client = new Client({
  ...endpoint(url),
  connectHeaders,
  reconnectDelay: 0,
  heartbeatIncoming: 0,
  heartbeatOutgoing: 0,
  onConnect: (frame) => {
    print({ event: 'connected', headers: frame.headers });
    for (const action of actions) {
      const send = action.startsWith('send:');
      const destination = action.replace(/^(subscribe|send):/, '');
      if (send) {
        client.publish({ destination, body: JSON.stringify({ from: 'stomp-auth-client' }), headers: { user: 'mallory' } });
        print({ event: 'sent', destination });
        continue;
      }
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
