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

module.exports = { launch, print };
