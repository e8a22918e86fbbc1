/* Shared helpers for the demo pages (plain ES2017, no build step). */
'use strict';

window.Demo = (function () {
  /** Creates an element with an optional class and text (always set via textContent). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** kind: connecting | live | reconnecting | error; text defaults to kind. */
  function setState(kind, text) {
    const node = document.getElementById('connection-state');
    node.className = 'state state-' + kind;
    node.textContent = text || kind;
  }

  /** Shows (or with a falsy text hides) the error banner. */
  function showError(text) {
    const node = document.getElementById('error');
    node.textContent = text || '';
    node.hidden = !text;
  }

  /** Formats an ISO string or epoch millis as a local date-time, or '' if invalid. */
  function formatTime(value) {
    if (value === undefined || value === null || value === '') return '';
    const date = new Date(/^\d+$/.test(String(value)) ? Number(value) : value);
    return isNaN(date.getTime()) ? String(value) : date.toLocaleString();
  }

  /** Returns the record value as an object when kafka.format is json and it is still text. */
  function decodeBody(body, headers) {
    if (typeof body === 'string' && headers && headers['kafka.format'] === 'json') {
      try { return JSON.parse(body); } catch (e) { return body; }
    }
    return body;
  }

  /** "orders.status · p0 · offset 42" from the kafka.* headers. */
  function kafkaPosition(headers) {
    if (!headers || !headers['kafka.topic']) return '';
    return headers['kafka.topic'] + ' · p' + headers['kafka.partition'] + ' · offset ' + headers['kafka.offset'];
  }

  /**
   * What to show when the gateway ends the connection with this code (the page then reconnects by itself), or null
   * for any other code.
   */
  function reconnectNotice(code) {
    switch (code) {
      case 'slow_consumer': return 'This page fell behind the live feed (slow_consumer) and was disconnected; reconnecting…';
      case 'node_shutdown': return 'The gateway node is shutting down; reconnecting…';
      case 'node_rejoined': return 'The gateway node rejoined its cluster; reconnecting…';
      default: return null;
    }
  }

  return { el, setState, showError, formatTime, decodeBody, kafkaPosition, reconnectNotice };
})();
