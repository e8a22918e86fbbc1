/* Operator page: follows the nodes' stats (admin.statsAddress) through the SockJS event-bus bridge. */
'use strict';

(function () {
  const { el, setState, showError } = window.Demo;
  /** How much history the charts keep, in seconds. */
  const WINDOW_S = 300;
  /** A node silent for this many of its intervals is shown as gone; forgotten after FORGET_MS. */
  const SILENT_INTERVALS = 3;
  const FORGET_MS = 60 * 1000;
  const COLORS = ['#0969da', '#1a7f37', '#bc4c00', '#8250df', '#cf222e', '#9a6700', '#1b7c83', '#57606a'];

  const params = new URLSearchParams(location.search);
  const address = params.get('address') || 'gateway.stats';
  // a token in the fragment never reaches a server log
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  document.getElementById('stats-address').textContent = address;

  const tbody = document.getElementById('nodes');
  const empty = document.getElementById('empty');
  const nodeCount = document.getElementById('node-count');

  /** node id -> { stats, previous, lastSeen, tr, color } */
  const nodes = new Map();
  let nextColor = 0;

  function chart(id, label, latestOf) {
    return { id, label, latestOf, container: document.getElementById(id), points: new Map(), plot: null, nodeIds: '' };
  }
  const charts = {
    delivery: chart('delivery-chart', 'delivered/s', (values) => values.reduce((a, b) => a + b, 0)),
    lag: chart('lag-chart', 'p99 ms', (values) => Math.max.apply(null, values)),
    inbound: chart('inbound-chart', 'acknowledged/s', (values) => values.reduce((a, b) => a + b, 0)),
  };

  function sum(object) {
    if (!object) return 0;
    return Object.keys(object).reduce((total, key) => total + (Number(object[key]) || 0), 0);
  }

  function consumed(stats) {
    const topics = stats.topics || {};
    return Object.keys(topics).reduce((total, topic) => total + (Number(topics[topic].consumed) || 0), 0);
  }

  function inboundRefused(inbound) {
    return Object.keys(inbound || {}).filter((outcome) => outcome !== 'acknowledged')
      .reduce((total, outcome) => total + Number(inbound[outcome]), 0);
  }

  /** The rate of what count() reads, between two stats of a node, per second; null when it cannot be told. */
  function rate(previous, current, count) {
    if (!previous) return null;
    const seconds = (current.time - previous.time) / 1000;
    if (!(seconds > 0)) return null;
    const a = count(previous);
    const b = count(current);
    return a === null || b === null ? null : Math.max(0, (b - a) / seconds);
  }

  function traffic(stats, read) {
    return stats.traffic ? read(stats.traffic) : null;
  }

  /**
   * The 99th percentile of the lag of the messages delivered between two stats, in ms: the upper bound of the first
   * histogram bucket holding 99% of them; null when nothing with a Kafka timestamp was delivered meanwhile.
   */
  function lagP99(previous, current) {
    if (!previous || !previous.traffic || !current.traffic) return null;
    const before = previous.traffic.lag;
    const now = current.traffic.lag;
    const delivered = now.count - before.count;
    if (!(delivered > 0)) return null;
    for (let i = 0; i < now.buckets.length; i++) {
      if (now.buckets[i][1] - before.buckets[i][1] >= 0.99 * delivered) return now.buckets[i][0] * 1000;
    }
    return Infinity;
  }

  function formatRate(value) {
    if (value === null || value === undefined) return '–';
    return value >= 100 ? value.toFixed(0) : value.toFixed(1);
  }

  function formatLag(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms === Infinity) return '> 60 s';
    return ms >= 1000 ? '≤ ' + (ms / 1000) + ' s' : '≤ ' + ms + ' ms';
  }

  function createRow(id) {
    const tr = el('tr');
    tr.dataset.nodeId = id;
    const cell = el('td');
    cell.appendChild(el('div', 'node-id mono', shortId(id)));
    cell.appendChild(el('div', 'meta node-state'));
    cell.title = id;
    tr.appendChild(cell);
    ['partitions mono', 'connections num', 'subscriptions num', 'consumed num', 'delivered num', 'lag num', 'source',
      'slow num', 'inbound num'].forEach((name) => tr.appendChild(el('td', name)));
    tbody.appendChild(tr);
    return tr;
  }

  /** ["orders-0", "orders-1", "chat-2"] -> "orders: 0, 1 · chat: 2" */
  function groupPartitions(partitions) {
    const byTopic = new Map();
    partitions.forEach((name) => {
      const dash = name.lastIndexOf('-');
      const topic = name.slice(0, dash);
      if (!byTopic.has(topic)) byTopic.set(topic, []);
      byTopic.get(topic).push(name.slice(dash + 1));
    });
    return [...byTopic].map(([topic, numbers]) => topic + ': ' + numbers.join(', ')).join(' · ');
  }

  function shortId(id) {
    return id.length > 13 ? id.slice(0, 8) + '…' : id;
  }

  function breakdown(perTransport) {
    return Object.keys(perTransport || {}).map((transport) => transport + ': ' + perTransport[transport]).join(', ');
  }

  function show(node) {
    const { stats, previous, tr } = node;
    tr.querySelector('.node-state').textContent = (stats.ready ? 'ready' : 'not ready') + ' · port ' + stats.httpPort;
    tr.querySelector('.partitions').textContent = groupPartitions(stats.partitions || []) || '–';
    const connections = tr.querySelector('.connections');
    connections.textContent = sum(stats.connections);
    connections.title = breakdown(stats.connections);
    const subscriptions = tr.querySelector('.subscriptions');
    subscriptions.textContent = sum(stats.subscriptions);
    subscriptions.title = breakdown(stats.subscriptions);
    tr.querySelector('.consumed').textContent = formatRate(rate(previous, stats, consumed));
    tr.querySelector('.delivered').textContent = stats.traffic
      ? formatRate(rate(previous, stats, (s) => traffic(s, (t) => sum(t.delivered)))) : 'metrics off';
    tr.querySelector('.lag').textContent = formatLag(lagP99(previous, stats));
    const source = stats.source || {};
    tr.querySelector('.source').textContent = (source.paused ? 'paused' : 'flowing') + ' · ' + (source.records || 0) + ' in flight';
    tr.querySelector('.source').classList.toggle('error-text', !!source.paused);
    const slow = tr.querySelector('.slow');
    slow.textContent = sum(stats.slowClients);
    slow.title = breakdown(stats.slowClients);
    tr.querySelector('.inbound').textContent = stats.traffic
      ? formatRate(rate(previous, stats, (s) => traffic(s, (t) => Number(t.inbound.acknowledged || 0)))) + ' / '
        + formatRate(rate(previous, stats, (s) => traffic(s, (t) => inboundRefused(t.inbound))))
      : 'metrics off';
  }

  function record(chartOf, second, nodeId, value) {
    if (value === null || value === undefined || !isFinite(value)) return;
    let atSecond = chartOf.points.get(second);
    if (!atSecond) {
      atSecond = new Map();
      chartOf.points.set(second, atSecond);
    }
    atSecond.set(nodeId, value);
  }

  function onStats(stats) {
    if (!stats || typeof stats !== 'object' || typeof stats.node !== 'string' || typeof stats.time !== 'number') {
      console.warn('Ignoring a message that is not a node\'s stats', stats);
      return;
    }
    let node = nodes.get(stats.node);
    if (!node) {
      node = { tr: createRow(stats.node), color: COLORS[nextColor++ % COLORS.length], stats: null };
      nodes.set(stats.node, node);
    }
    if (node.stats && stats.time <= node.stats.time) return;
    node.previous = node.stats;
    node.stats = stats;
    node.lastSeen = Date.now();
    node.tr.classList.remove('gone');
    show(node);
    const second = Math.round(stats.time / 1000);
    record(charts.delivery, second, stats.node, rate(node.previous, stats, (s) => traffic(s, (t) => sum(t.delivered))));
    record(charts.lag, second, stats.node, lagP99(node.previous, stats));
    record(charts.inbound, second, stats.node, rate(node.previous, stats, (s) => traffic(s, (t) => Number(t.inbound.acknowledged || 0))));
    empty.hidden = true;
  }

  /** Marks silent nodes, forgets long-gone ones, and redraws the charts: once a second. */
  function refresh() {
    const now = Date.now();
    for (const [id, node] of nodes) {
      const interval = (node.stats && node.stats.intervalMs) || 1000;
      const silent = now - node.lastSeen > SILENT_INTERVALS * interval;
      node.tr.classList.toggle('gone', silent);
      if (silent) node.tr.querySelector('.node-state').textContent = 'silent for ' + Math.round((now - node.lastSeen) / 1000) + ' s';
      if (now - node.lastSeen > FORGET_MS) {
        node.tr.remove();
        nodes.delete(id);
      }
    }
    nodeCount.textContent = [...nodes.values()].filter((node) => !node.tr.classList.contains('gone')).length;
    Object.values(charts).forEach((c) => draw(c, now));
  }

  function draw(chartOf, now) {
    const oldest = Math.round(now / 1000) - WINDOW_S;
    for (const second of chartOf.points.keys()) {
      if (second < oldest) chartOf.points.delete(second);
    }
    const ids = [...nodes.keys()];
    const seconds = [...chartOf.points.keys()].sort((a, b) => a - b);
    const data = [seconds].concat(ids.map((id) => seconds.map((s) => {
      const value = chartOf.points.get(s).get(id);
      return value === undefined ? null : value;
    })));
    chartOf.container.dataset.points = String(seconds.length);
    if (seconds.length) {
      const latest = chartOf.points.get(seconds[seconds.length - 1]);
      chartOf.container.dataset.latest = String(chartOf.latestOf([...latest.values()]));
    }
    if (typeof uPlot === 'undefined') return;
    const key = ids.join(',');
    if (!chartOf.plot || chartOf.nodeIds !== key) {
      if (chartOf.plot) chartOf.plot.destroy();
      chartOf.nodeIds = key;
      chartOf.plot = new uPlot({
        width: Math.max(280, chartOf.container.clientWidth || 320),
        height: 180,
        legend: { show: true },
        series: [{}].concat(ids.map((id) => ({
          label: shortId(id), stroke: nodes.get(id).color, width: 1.5, spanGaps: true,
          value: (u, v) => (v === null || v === undefined ? '–' : v.toFixed(1)),
        }))),
        scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{}, { size: 50 }],
      }, data, chartOf.container);
    } else {
      chartOf.plot.setData(data);
    }
  }

  function errorText(err) {
    if (!err) return 'unknown error';
    if (typeof err === 'string') return err;
    return String(err.body || err.message || err.failureType || JSON.stringify(err));
  }

  function connect() {
    setState('connecting');
    const eb = new EventBus(location.origin + '/eventbus');
    if (token) eb.defaultHeaders = { Authorization: 'Bearer ' + token };
    eb.enableReconnect(true);
    eb.onopen = () => {
      showError('');
      eb.registerHandler(address, {}, (err, msg) => {
        if (err) {
          setState('error', 'error: ' + errorText(err));
          showError('Subscription to ' + address + ' failed: ' + errorText(err)
            + (errorText(err) === 'access_denied' ? ' (the stats need the admin authority: admin.html#token=<JWT>)' : ''));
          return;
        }
        onStats(msg.body);
      });
      setState('live');
    };
    eb.onclose = () => setState('reconnecting');
    eb.onerror = (err) => {
      setState('error', 'error: ' + errorText(err));
      showError('Event bus error: ' + errorText(err)
        + (errorText(err) === 'access_denied' ? ' (the stats need the admin authority: admin.html#token=<JWT>)' : ''));
    };
  }

  if (typeof EventBus === 'undefined') {
    setState('error', 'error: /lib/vertx-eventbus.js not loaded');
    return;
  }
  setInterval(refresh, 1000);
  connect();
})();
