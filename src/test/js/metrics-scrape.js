// Scrapes a node's Prometheus endpoint and parses it with a Prometheus text-format parser (parse-prometheus-text-format),
// for the end-to-end tests.
// usage: node metrics-scrape.js <url>
// Prints one JSON line: {"event":"metrics","status":S,"contentType":T,"families":[{name, type, help, metrics:[{labels, value}]}]}
// or {"event":"error","message":M}. The parser folds a histogram's samples into one when they carry labels besides
// "le" (their labels, count and sum are lost): each histogram is also read with its type declared untyped, which gives
// its <name>_bucket, <name>_count and <name>_sum samples with their labels, as families of those names.
'use strict';
const parse = require('parse-prometheus-text-format');

const [url] = process.argv.slice(2);
const print = (event) => process.stdout.write(JSON.stringify(event) + '\n');

(async () => {
  try {
    const response = await fetch(url);
    const text = await response.text();
    let families = [];
    if (response.status === 200) {
      families = parse(text);
      const histograms = new Set(families.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name));
      const samples = parse(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'))
        .filter((f) => ['_bucket', '_count', '_sum'].some((suffix) => f.name.endsWith(suffix)
          && histograms.has(f.name.slice(0, -suffix.length))));
      families = families.concat(samples);
    }
    print({ event: 'metrics', status: response.status, contentType: response.headers.get('content-type'), families });
  } catch (e) {
    print({ event: 'error', message: String(e && e.message || e) });
    process.exitCode = 1;
  }
})();
