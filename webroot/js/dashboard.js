/*
 * Live dashboard: subscribes dashboard.metrics over STOMP twice: the newest value of every metric (snapshot:
 * latest-per-key, from a day back), and the last minutes of values for the sparklines, then live (resumed exactly after
 * a reconnect). STOMP goes over a WebSocket at /stomp, or over SockJS at /stomp when the browser has no WebSocket or the
 * page asks for it (?transport=sockjs, or one transport: ?transport=xhr-streaming, xhr-polling).
 */
'use strict';

(function () {
  const { el, setState, showError, formatTime, decodeBody, reconnectNotice } = window.Demo;
  const DESTINATION = 'dashboard.metrics';
  const HISTORY = 30;
  /** How far back the sparklines start. */
  const SPARK_MS = 5 * 60 * 1000;
  /** How far back the newest value of a metric is looked for. */
  const LATEST_MS = 24 * 60 * 60 * 1000;
  const KNOWN = ['orders_per_minute', 'revenue_eur', 'active_users', 'p99_latency_ms'];
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const W = 120, H = 32, PAD = 2;

  const grid = document.getElementById('metrics');
  const empty = document.getElementById('empty');
  const counter = document.getElementById('message-count');
  const metrics = new Map(); // name -> { card, values: number[] }
  let received = 0;

  function formatValue(v) {
    return String(Math.round(v * 100) / 100);
  }

  function rank(name) {
    const i = KNOWN.indexOf(name);
    return i < 0 ? KNOWN.length : i;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const k of Object.keys(attrs)) node.setAttribute(k, attrs[k]);
    return node;
  }

  function createCard(name) {
    const card = el('article', 'card');
    card.dataset.metric = name;
    card.appendChild(el('h2', 'name', name));
    const reading = el('div', 'reading');
    reading.appendChild(el('span', 'value'));
    reading.appendChild(el('span', 'unit'));
    card.appendChild(reading);
    const spark = svg('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' });
    spark.appendChild(svg('polyline', { class: 'spark-line', points: '' }));
    spark.appendChild(svg('circle', { class: 'spark-dot', r: '2', cx: '-10', cy: '-10' }));
    card.appendChild(spark);
    card.appendChild(el('div', 'meta'));
    // Known metrics first, in a fixed order; others by arrival.
    const before = [...grid.children].find(c => rank(c.dataset.metric) > rank(name));
    grid.insertBefore(card, before || null);
    empty.hidden = true;
    return card;
  }

  function drawSparkline(card, values) {
    const min = Math.min(...values), max = Math.max(...values);
    const span = max - min;
    const step = values.length > 1 ? (W - 2 * PAD) / (HISTORY - 1) : 0;
    const x0 = W - PAD - step * (values.length - 1); // right-aligned, fills up leftwards
    const pts = values.map((v, i) => {
      const y = span === 0 ? H / 2 : H - PAD - ((v - min) / span) * (H - 2 * PAD);
      return [(x0 + i * step).toFixed(1), y.toFixed(1)];
    });
    card.querySelector('.spark-line').setAttribute('points', pts.map(p => p.join(',')).join(' '));
    const dot = card.querySelector('.spark-dot');
    const last = pts[pts.length - 1];
    dot.setAttribute('cx', last[0]);
    dot.setAttribute('cy', last[1]);
    const spark = card.querySelector('.spark');
    spark.setAttribute('aria-label', `last ${values.length} values, min ${formatValue(min)}, max ${formatValue(max)}`);
  }

  /**
   * @param addPoint whether the value joins the sparkline (the history subscription), or only sets the reading when it
   *                 is the newest seen (the snapshot subscription)
   */
  function onMetric(metric, headers, addPoint) {
    if (!metric || typeof metric !== 'object' || !metric.name) {
      console.warn('Ignoring a message that is not a metric', metric);
      return;
    }
    const name = String(metric.name);
    const value = Number(metric.value);
    if (!isFinite(value)) return;
    let entry = metrics.get(name);
    if (!entry) {
      entry = { card: createCard(name), values: [], at: -1 };
      metrics.set(name, entry);
    }
    if (addPoint) {
      entry.values.push(value);
      if (entry.values.length > HISTORY) entry.values.shift();
    }
    const at = Number(headers['kafka.timestamp'] || 0);
    if (at < entry.at) {
      if (addPoint) drawSparkline(entry.card, entry.values);
      return; // an older value than the one shown
    }
    entry.at = at;

    const card = entry.card;
    const valueNode = card.querySelector('.value');
    valueNode.textContent = formatValue(value);
    valueNode.dataset.value = String(value);
    card.querySelector('.unit').textContent = metric.unit || '';
    card.querySelector('.meta').textContent =
      formatTime(metric.at || headers['kafka.timestamp']) + ' · offset ' + (headers['kafka.offset'] || '?');
    drawSparkline(card, entry.values);
  }

  if (typeof StompJs === 'undefined') {
    setState('error', 'error: /lib/stomp.umd.min.js not loaded');
    return;
  }

  // the transport: ?transport= picks SockJS (any of its transports, or one); a browser without WebSocket gets SockJS
  const picker = document.getElementById('transport');
  const transportUsed = document.getElementById('transport-used');
  const asked = new URLSearchParams(location.search).get('transport') || '';
  picker.value = asked;
  picker.addEventListener('change', () => {
    const url = new URL(location.href);
    if (picker.value) url.searchParams.set('transport', picker.value); else url.searchParams.delete('transport');
    location.href = url.toString();
  });
  const overSockJs = asked !== '' || typeof window.WebSocket === 'undefined';
  if (overSockJs && typeof SockJS === 'undefined') {
    setState('error', 'error: /lib/sockjs.min.js not loaded');
    return;
  }
  const endpoint = overSockJs
    ? { webSocketFactory: () => new SockJS('/stomp', null, asked && asked !== 'sockjs' ? { transports: [asked] } : {}) }
    : { brokerURL: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/stomp' };

  const client = new StompJs.Client({
    ...endpoint,
    reconnectDelay: 2000,
    onConnect: () => {
      showError('');
      // sockjs-client names the transport it settled on
      transportUsed.textContent = overSockJs ? 'SockJS ' + (client.webSocket && client.webSocket.transport) : 'WebSocket';
      const handle = addPoint => frame => {
        const headers = frame.headers || {};
        if (headers.gap === 'true') { // some history could not be replayed
          showError('Not all of the history could be replayed: ' + frame.body);
          return;
        }
        received++;
        counter.textContent = String(received);
        onMetric(decodeBody(frame.body, headers), headers, addPoint);
      };
      // the newest value of every metric, afresh on every connect
      client.subscribe(DESTINATION, handle(false), { since: 'time:' + (Date.now() - LATEST_MS), snapshot: 'latest-per-key' });
      // the sparklines: the last minutes, then live, resumed where the page stood after a reconnect
      Resume.subscribe(client, DESTINATION, handle(true), { since: 'time:' + (Date.now() - SPARK_MS) });
      setState('live');
    },
    onStompError: frame => {
      const message = (frame.headers && frame.headers.message) || 'STOMP error';
      const notice = reconnectNotice(message);
      if (notice) { // the connection closes next, and the client reconnects after reconnectDelay
        setState('reconnecting');
        showError(notice);
        return;
      }
      setState('error', 'error: ' + message);
      showError(frame.body ? message + ' — ' + frame.body : message);
    },
    onWebSocketError: () => showError((overSockJs ? 'SockJS' : 'WebSocket') + ' error (is the server running?)'),
    onWebSocketClose: () => setState(client.active ? 'reconnecting' : 'error', client.active ? 'reconnecting' : 'error: disconnected'),
  });
  setState('connecting');
  client.activate();
})();
