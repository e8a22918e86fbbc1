/*
 * Resume from Kafka after a reconnect (plain ES2017, no build step): remembers the `resume` token of the last message
 * of every subscription and passes it as `since` when the page registers / subscribes again, so that it gets exactly
 * what it missed, then live. Works with @vertx/eventbus-bridge-client.js and @stomp/stompjs.
 *
 *   eb.onopen = () => Resume.registerHandler(eb, 'user.alice.orders', { since: 'time:' + (Date.now() - 864e5) }, onOrder);
 *   eb.onerror = (err) => Resume.rememberNotice(err);   // node_shutdown / node_rejoined / slow_consumer name positions
 *
 *   onConnect: () => Resume.subscribe(client, 'dashboard.metrics', onMetric, { since: 'time:' + (Date.now() - 3e5) })
 *
 * The first registration uses the page's own `since` (a time, or none); every later one continues from the last
 * message received. A `gap: true` message says what could not be replayed (its body: reason, missing, message).
 */
'use strict';

window.Resume = (function () {
  const tokens = new Map(); // 'eb:' + address or 'stomp:' + destination -> the last resume token

  function remember(key, headers) {
    if (headers && headers.resume) tokens.set(key, headers.resume);
  }

  function withSince(key, headers) {
    const merged = Object.assign({}, headers || {});
    const token = tokens.get(key);
    if (token) merged.since = token;
    return merged;
  }

  /**
   * eb.registerHandler(address, headers, handler) that resumes: registers with `since` = the last token received on
   * the address (else the headers' own), and remembers the token of every message. Returns the handler it registered
   * (for eb.unregisterHandler).
   */
  function registerHandler(eb, address, headers, handler) {
    const key = 'eb:' + address;
    const wrapped = (err, msg) => {
      if (!err && msg) remember(key, msg.headers);
      if (err) rememberNotice(err);
      handler(err, msg);
    };
    eb.registerHandler(address, withSince(key, headers), wrapped);
    return wrapped;
  }

  /** Takes the positions an `err` frame names ({resume: {address: token}}: node_shutdown, node_rejoined, slow_consumer). */
  function rememberNotice(err) {
    if (err && err.resume && typeof err.resume === 'object') {
      Object.keys(err.resume).forEach((address) => tokens.set('eb:' + address, err.resume[address]));
    }
  }

  /**
   * client.subscribe(destination, callback, headers) of @stomp/stompjs that resumes: subscribes with `since` = the last
   * token received on the destination (else the headers' own) and remembers the token of every MESSAGE.
   */
  function subscribe(client, destination, callback, headers) {
    const key = 'stomp:' + destination;
    return client.subscribe(destination, (message) => {
      remember(key, message.headers);
      callback(message);
    }, withSince(key, headers));
  }

  /** Forgets what was remembered of an address (a page that changes what it follows starts afresh). */
  function forget(address) {
    tokens.delete('eb:' + address);
    tokens.delete('stomp:' + address);
  }

  return { registerHandler, rememberNotice, subscribe, forget, tokens };
})();
