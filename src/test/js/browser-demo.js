// Opens the demo pages in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and prints what a
// person would see once live data arrived: the order rows of index.html, the metric cards of dashboard.html (also in a
// browser without WebSocket, where the page falls back to STOMP over SockJS), and a chat message's round trip.
// usage: node browser-demo.js <http-base-url> <screenshot-dir>
'use strict';
const { launch, print } = require('./chromium');

const [base, shots] = process.argv.slice(2);

(async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => print({ event: 'pageerror', page: page.url(), message: String(err) }));

    await page.goto(base + '/?user=alice');
    await page.waitForFunction(() => /live/.test(document.querySelector('#connection-state').textContent), null, { timeout: 20000 });
    await page.waitForSelector('#orders tr[data-order-id] .status', { timeout: 30000 });
    const orders = await page.$$eval('#orders tr[data-order-id]', (rows) => rows.map((row) => ({
      orderId: row.getAttribute('data-order-id'),
      status: row.querySelector('.status').textContent.trim(),
      position: (row.querySelector('.kpos') || {}).textContent,
    })));
    await page.screenshot({ path: shots + '/orders.png', fullPage: true });
    print({ event: 'orders', state: await page.textContent('#connection-state'), orders });

    await page.goto(base + '/dashboard.html');
    await page.waitForFunction(() => /live/.test(document.querySelector('#connection-state').textContent), null, { timeout: 20000 });
    await page.waitForFunction(() => Number(document.querySelector('#message-count').textContent) >= 2, null, { timeout: 30000 });
    const metrics = await page.$$eval('[data-metric]', (cards) => cards.map((card) => ({
      name: card.getAttribute('data-metric'),
      value: card.querySelector('.value').textContent.trim(),
    })));
    await page.screenshot({ path: shots + '/dashboard.png', fullPage: true });
    print({ event: 'dashboard', state: await page.textContent('#connection-state'),
      count: Number(await page.textContent('#message-count')), metrics });

    // the same dashboard in a browser without WebSocket: STOMP over SockJS on an HTTP transport
    const noWebSocket = await browser.newPage();
    noWebSocket.on('pageerror', (err) => print({ event: 'pageerror', page: noWebSocket.url(), message: String(err) }));
    await noWebSocket.addInitScript(() => { delete window.WebSocket; });
    await noWebSocket.goto(base + '/dashboard.html');
    await noWebSocket.waitForFunction(() => /live/.test(document.querySelector('#connection-state').textContent), null, { timeout: 20000 });
    const before = Number(await noWebSocket.textContent('#message-count'));
    // live data: a record produced after the page connected (the demo feed publishes every second)
    await noWebSocket.waitForFunction((n) => Number(document.querySelector('#message-count').textContent) > n + 2, before, { timeout: 30000 });
    await noWebSocket.screenshot({ path: shots + '/dashboard-sockjs.png', fullPage: true });
    print({ event: 'dashboard-sockjs', state: await noWebSocket.textContent('#connection-state'),
      webSocket: await noWebSocket.evaluate(() => typeof window.WebSocket),
      transport: await noWebSocket.textContent('#transport-used'), before,
      count: Number(await noWebSocket.textContent('#message-count')),
      metrics: await noWebSocket.$$eval('[data-metric]', (cards) => cards.map((card) => card.getAttribute('data-metric'))) });
    await noWebSocket.close();

    // chat: the message goes to Kafka through the sink and comes back through the route
    const text = 'hello through kafka ' + Date.now();
    await page.goto(base + '/chat.html?room=lobby&name=chromium');
    await page.waitForFunction(() => /live/.test(document.querySelector('#connection-state').textContent), null, { timeout: 20000 });
    await page.fill('#text', text);
    await page.click('#send button[type=submit]');
    await page.waitForFunction((t) => Array.from(document.querySelectorAll('#messages .chat-text')).some((n) => n.textContent === t),
      text, { timeout: 30000 });
    await page.waitForFunction(() => /offset/.test(document.querySelector('#last-ack').textContent), null, { timeout: 30000 });
    await page.screenshot({ path: shots + '/chat.png', fullPage: true });
    print({ event: 'chat', text, ack: await page.textContent('#last-ack'),
      messages: await page.$$eval('#messages .chat-text', (nodes) => nodes.map((n) => n.textContent)) });
  } catch (err) {
    print({ event: 'failure', message: String(err && err.message || err) });
    process.exitCode = 1;
  } finally {
    await browser.close();
    print({ event: 'done' });
  }
})();
