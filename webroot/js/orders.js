/* Order tracker: follows user.<name>.orders through the SockJS event-bus bridge. */
'use strict';

(function () {
  const { el, setState, showError, formatTime, decodeBody, kafkaPosition, reconnectNotice } = window.Demo;
  /** How far back the page starts: a day of order statuses. */
  const HISTORY_MS = 24 * 60 * 60 * 1000;
  const USER_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
  const MAX_ROWS = 200;

  const picker = document.getElementById('user');
  const tbody = document.getElementById('orders');
  const empty = document.getElementById('empty');
  const addressLabel = document.getElementById('address');

  let eb = null;
  let currentAddress = null;  // address we want to follow
  let registered = null;      // { address, handler } registered on the current connection
  const rows = new Map();     // orderId -> { tr, partition, offset }

  // ?user= may name a user that is not in the picker (e.g. to see an access_denied error).
  const requested = new URLSearchParams(location.search).get('user');
  if (requested && USER_PATTERN.test(requested)) {
    if (![...picker.options].some(o => o.value === requested)) {
      picker.appendChild(new Option(requested, requested));
    }
    picker.value = requested;
  }

  function errorText(err) {
    if (!err) return 'unknown error';
    if (typeof err === 'string') return err;
    return String(err.body || err.message || err.failureType || JSON.stringify(err));
  }

  function clearOrders() {
    rows.clear();
    tbody.textContent = '';
    empty.hidden = false;
  }

  function statusBadge(status) {
    const badge = el('span', 'badge status-' + String(status).toLowerCase().replace(/[^a-z]/g, ''), status);
    return badge;
  }

  function formatAmount(amount) {
    const n = Number(amount);
    return amount === undefined || amount === null || isNaN(n) ? '' : n.toFixed(2);
  }

  function createRow(orderId) {
    const tr = el('tr');
    tr.dataset.orderId = orderId;
    const idCell = el('td', 'order');
    idCell.appendChild(el('div', 'order-id mono', orderId));
    idCell.appendChild(el('div', 'kpos mono'));
    tr.appendChild(idCell);
    tr.appendChild(el('td', 'item'));
    tr.appendChild(el('td', 'amount num'));
    tr.appendChild(el('td', 'status'));
    tr.appendChild(el('td', 'updated'));
    tbody.insertBefore(tr, tbody.firstChild); // newest orders on top
    while (tbody.rows.length > MAX_ROWS) {
      const last = tbody.rows[tbody.rows.length - 1];
      rows.delete(last.dataset.orderId);
      last.remove();
    }
    return tr;
  }

  function onOrder(order, headers) {
    if (!order || typeof order !== 'object' || order.orderId === undefined) {
      console.warn('Ignoring a message that is not an order', order);
      return;
    }
    const orderId = String(order.orderId);
    const partition = headers['kafka.partition'];
    const offset = Number(headers['kafka.offset']);
    let entry = rows.get(orderId);
    // Same key => same partition: an older offset is a stale (replayed) update.
    if (entry && entry.partition === partition && offset <= entry.offset) return;
    if (!entry) {
      entry = { tr: createRow(orderId) };
      rows.set(orderId, entry);
    }
    entry.partition = partition;
    entry.offset = offset;

    const tr = entry.tr;
    tr.querySelector('.item').textContent = order.item || '';
    tr.querySelector('.amount').textContent = formatAmount(order.amount);
    const statusCell = tr.querySelector('.status');
    statusCell.textContent = '';
    statusCell.appendChild(statusBadge(order.status || 'UNKNOWN'));
    const updated = tr.querySelector('.updated');
    const when = order.updatedAt || headers['kafka.timestamp'];
    updated.textContent = formatTime(when);
    updated.title = String(when || '');
    tr.querySelector('.kpos').textContent = kafkaPosition(headers);
    empty.hidden = true;

    tr.classList.remove('flash');
    void tr.offsetWidth; // restart the highlight animation
    tr.classList.add('flash');
  }

  function register() {
    if (!eb || eb.state !== EventBus.OPEN || !currentAddress) return;
    const address = currentAddress;
    const handler = (err, msg) => {
      if (address !== currentAddress) return; // late message for a previous user
      if (err) {
        const notice = reconnectNotice(err.failureType);
        if (notice) { // the connection closes next, and the event bus reconnects
          setState('reconnecting');
          showError(notice);
          return;
        }
        setState('error', 'error: ' + errorText(err));
        showError('Subscription to ' + address + ' failed: ' + errorText(err));
        return;
      }
      const headers = msg.headers || {};
      if (headers.gap === 'true') { // the history could not be replayed whole: say so, the newest follow
        showError('Not all of the history could be replayed: ' + ((msg.body && msg.body.message) || 'gap'));
        return;
      }
      onOrder(decodeBody(msg.body, headers), headers);
    };
    // the user's orders of the last 24 hours first (each row keeps its newest status), then live; after a reconnect,
    // exactly what was missed (Resume remembers where the page stood)
    registered = { address, handler: Resume.registerHandler(eb, address, { since: 'time:' + (Date.now() - HISTORY_MS) }, handler) };
    setState('live');
  }

  function unregister() {
    if (registered && eb && eb.state === EventBus.OPEN) {
      eb.unregisterHandler(registered.address, {}, registered.handler);
    }
    registered = null;
  }

  function follow(user) {
    if (currentAddress) Resume.forget(currentAddress);
    unregister();
    clearOrders();
    showError('');
    currentAddress = 'user.' + user + '.orders';
    addressLabel.textContent = currentAddress;
    const url = new URL(location.href);
    url.searchParams.set('user', user);
    history.replaceState(null, '', url);
    if (eb && eb.state === EventBus.OPEN) register();
  }

  function connect() {
    setState('connecting');
    try {
      eb = new EventBus(location.origin + '/eventbus');
    } catch (e) {
      setState('error', 'error: ' + errorText(e));
      return;
    }
    eb.enableReconnect(true);
    eb.onopen = () => {
      registered = null; // handlers do not survive a reconnect: register again
      showError('');
      register();
    };
    eb.onclose = () => {
      registered = null;
      setState(eb.reconnectEnabled ? 'reconnecting' : 'error', eb.reconnectEnabled ? 'reconnecting' : 'error: disconnected');
    };
    // The bridge reports refused addresses as {type: "err", body: "access_denied"} without an address.
    eb.onerror = (err) => {
      Resume.rememberNotice(err);
      setState('error', 'error: ' + errorText(err));
      showError('Event bus error: ' + errorText(err));
    };
  }

  picker.addEventListener('change', () => follow(picker.value));
  if (typeof EventBus === 'undefined') {
    setState('error', 'error: /lib/vertx-eventbus.js not loaded');
    return;
  }
  follow(picker.value);
  connect();
})();
