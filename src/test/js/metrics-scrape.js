// Scrapes a node's Prometheus endpoint and parses it with a Prometheus text-format parser (parse-prometheus-text-format),
// for the end-to-end tests.
// usage: node metrics-scrape.js <url>
// Prints one JSON line: {"event":"metrics","status":S,"contentType":T,"families":[{name, type, help, metrics:[{labels, value}]}]}
// or {"event":"error","message":M}.
'use strict';
const parse = require('parse-prometheus-text-format');

const [url] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

(async () => {
  try {
    const response = await fetch(url);
    const text = await response.text();
    print({ event: 'metrics', status: response.status, contentType: response.headers.get('content-type'),
      families: response.status === 200 ? parse(text) : [] });
  } catch (e) {
    print({ event: 'error', message: String(e && e.message || e) });
    process.exitCode = 1;
  }
})();
