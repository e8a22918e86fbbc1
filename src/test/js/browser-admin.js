// Opens the operator page (admin.html) in headless Chromium and prints what it shows whenever that changes, until it
// is stopped: the nodes' rows (id, partitions, delivery rate, lag) and how many points each chart holds with its
// latest value.
// usage: node browser-admin.js <http-base-url>
'use strict';
const { watchPage } = require('./chromium');

const [base] = process.argv.slice(2);

watchPage(base + '/admin.html', () => ({
  state: document.querySelector('#connection-state').textContent,
  error: document.querySelector('#error').textContent,
  nodes: Array.from(document.querySelectorAll('#nodes tr[data-node-id]')).map((row) => ({
    id: row.getAttribute('data-node-id'),
    gone: row.classList.contains('gone'),
    partitions: row.querySelector('.partitions').textContent,
    connections: row.querySelector('.connections').textContent,
    delivered: row.querySelector('.delivered').textContent,
    lag: row.querySelector('.lag').textContent,
    source: row.querySelector('.source').textContent,
  })),
  charts: Object.fromEntries(['delivery-chart', 'lag-chart', 'inbound-chart'].map((id) => {
    const chart = document.getElementById(id);
    return [id, { points: Number(chart.dataset.points), latest: chart.dataset.latest,
      drawn: chart.querySelectorAll('canvas').length > 0 }];
  })),
}), { width: 1300, height: 900 });
