/* Chat page: sends through a Kafka sink and receives through a route, over the SockJS event-bus bridge. */
'use strict';

(function () {
  const { el, setState, showError, formatTime, reconnectNotice } = window.Demo;
  const roomSelect = document.getElementById('room');
  const nameInput = document.getElementById('name');
  const list = document.getElementById('messages');
  const empty = document.getElementById('empty');
  const form = document.getElementById('send');
  const textInput = document.getElementById('text');
  const lastAck = document.getElementById('last-ack');

  const params = new URLSearchParams(location.search);
  if (params.get('room')) roomSelect.value = params.get('room');
  if (params.get('name')) nameInput.value = params.get('name');

  const eb = new EventBus(location.origin + '/eventbus');
  eb.enableReconnect(true);
  let room = null;

  function onMessage(err, msg) {
    if (err) {
      showError(reconnectNotice(err.failureType) || 'error: ' + (err.message || err.failureType || JSON.stringify(err)));
      return;
    }
    const body = msg.body || {};
    const headers = msg.headers || {};
    if (headers.gap === 'true') { // older messages could not all be replayed
      list.appendChild(el('li', 'chat-gap meta', 'Earlier messages not shown: ' + (body.message || 'gap')));
      return;
    }
    const item = el('li', 'chat-message');
    item.setAttribute('data-offset', headers['kafka.offset'] || '');
    item.appendChild(el('span', 'chat-name', body.name));
    item.appendChild(el('span', 'chat-text', body.text));
    item.appendChild(el('span', 'meta', formatTime(headers['kafka.timestamp']) + ' · offset ' + headers['kafka.offset']));
    list.appendChild(item);
    empty.hidden = true;
    item.scrollIntoView({ block: 'nearest' });
  }

  let handler = null;

  /** Follows a room: its messages of the last hour first, then live; after a reconnect, exactly what was missed. */
  function join(next) {
    if (room && handler) eb.unregisterHandler('chat.room.' + room, {}, handler);
    if (room !== next) {
      if (room) Resume.forget('chat.room.' + room);
      list.textContent = '';
      empty.hidden = false;
    }
    room = next;
    handler = Resume.registerHandler(eb, 'chat.room.' + room, { since: 'time:' + (Date.now() - 60 * 60 * 1000) }, onMessage);
  }

  eb.onopen = () => {
    setState('live');
    showError('');
    handler = null; // handlers do not survive a reconnect: join again, resuming where the page stood
    join(roomSelect.value);
  };
  eb.onclose = () => setState(eb.reconnectEnabled ? 'reconnecting' : 'error', eb.reconnectEnabled ? 'reconnecting' : 'error: closed');
  eb.onerror = (err) => {
    Resume.rememberNotice(err);
    showError(reconnectNotice(err.body) || 'error: ' + (err.message || err.body || JSON.stringify(err)));
  };
  roomSelect.addEventListener('change', () => join(roomSelect.value));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textInput.value.trim();
    if (!text || eb.state !== EventBus.OPEN) return;
    eb.send('chat.send.' + room, { name: nameInput.value.trim() || 'guest', text }, {}, (err, reply) => {
      if (err) {
        showError('not sent: ' + (err.failureType || '') + ' ' + (err.message || ''));
        return;
      }
      showError('');
      lastAck.textContent = 'stored in Kafka: ' + reply.body.topic + ' · p' + reply.body.partition + ' · offset ' + reply.body.offset;
    });
    textInput.value = '';
  });
})();
