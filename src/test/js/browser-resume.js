// Opens the order tracker in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and prints its
// rows whenever they change, with the connection state, until it is stopped: what a person watching the page sees
// across a node restart.
// usage: node browser-resume.js <http-base-url> <user>
'use strict';
const { launch, print } = require('./chromium');

const [base, user] = process.argv.slice(2);

(async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => print({ event: 'pageerror', message: String(err) }));
    await page.goto(base + '/?user=' + encodeURIComponent(user));
    let last = null;
    for (;;) {
      const seen = await page.evaluate(() => ({
        state: document.querySelector('#connection-state').textContent,
        error: document.querySelector('#error').textContent,
        orders: Array.from(document.querySelectorAll('#orders tr[data-order-id]')).map((row) => ({
          orderId: row.getAttribute('data-order-id'),
          status: row.querySelector('.status').textContent.trim(),
          position: row.querySelector('.kpos').textContent.trim(),
        })),
      }));
      const text = JSON.stringify(seen);
      if (text !== last) {
        last = text;
        print(Object.assign({ event: 'rows' }, seen));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (err) {
    print({ event: 'failure', message: String(err && err.message || err) });
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
