// Headless Chromium as the tests drive it: Debian's /usr/bin/chromium (or $CHROMIUM) through playwright-core, and
// a printer of one JSON event per line for the Java side (NodeClient).
'use strict';
const { chromium } = require('playwright-core');

function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

/**
 * Opens url in a new page and prints what read (a function evaluated in the page) returns, as {event: 'page', ...},
 * whenever it changes, every 200 ms, until the process is stopped: what a person watching the page sees. Page errors
 * are printed as {event: 'pageerror'}, a failure of the watch itself as {event: 'failure'}.
 */
async function watchPage(url, read, viewport) {
  const browser = await launch();
  try {
    const page = await browser.newPage(viewport ? { viewport } : {});
    page.on('pageerror', (err) => print({ event: 'pageerror', message: String(err) }));
    await page.goto(url);
    let last = null;
    for (;;) {
      const seen = await page.evaluate(read);
      const text = JSON.stringify(seen);
      if (text !== last) {
        last = text;
        print(Object.assign({ event: 'page' }, seen));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (err) {
    print({ event: 'failure', message: String(err && err.message || err) });
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

module.exports = { launch, print, watchPage };
