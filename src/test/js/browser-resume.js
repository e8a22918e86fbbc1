// Opens the order tracker in headless Chromium and prints its rows whenever they change, with the connection state,
// until it is stopped: what a person watching the page sees across a node restart.
// usage: node browser-resume.js <http-base-url> <user>
'use strict';
const { watchPage } = require('./chromium');

const [base, user] = process.argv.slice(2);

watchPage(base + '/?user=' + encodeURIComponent(user), () => ({
  state: document.querySelector('#connection-state').textContent,
  error: document.querySelector('#error').textContent,
  orders: Array.from(document.querySelectorAll('#orders tr[data-order-id]')).map((row) => ({
    orderId: row.getAttribute('data-order-id'),
    status: row.querySelector('.status').textContent.trim(),
    position: row.querySelector('.kpos').textContent.trim(),
  })),
}));
