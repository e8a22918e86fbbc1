// Where a @stomp/stompjs client of the tests connects, from one URL:
//   ws://.../stomp                          STOMP over a plain WebSocket
//   sockjs+<transport>:http://.../stomp     STOMP over the STOMP path's SockJS endpoint on one forced sockjs-client
//                                           transport (websocket, xhr-streaming, xhr-polling, eventsource), as Spring
//                                           users write it: webSocketFactory: () => new SockJS(url, null, {transports})
'use strict';
Object.assign(global, { WebSocket: require('ws') });
// Vert.x's SockJS closes a polling or streaming connection once its response ended, without a "Connection: close":
// Node's keep-alive agent may send sockjs-client's next request on that closing socket and lose it ("socket hang up";
// browsers retry such a request, Node does not). A connection per request, as sockjs-client's Node driver expects.
require('http').globalAgent = new (require('http').Agent)({ keepAlive: false });

// the Client options naming the endpoint
module.exports = (url) => {
  const sockJs = /^sockjs\+([a-z-]+):(.*)$/.exec(url);
  return sockJs
    ? { webSocketFactory: () => new (require('sockjs-client'))(sockJs[2], null, { transports: [sockJs[1]] }) }
    : { brokerURL: url };
};
