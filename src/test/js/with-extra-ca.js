// Runs another script of this directory with NODE_EXTRA_CA_CERTS set, which Node reads only at startup: the way to make
// the real npm clients trust a test's self-signed certificate without changing them.
// usage: node with-extra-ca.js <ca-file.pem> <script.js> [<arg> ...]
// The child shares stdin, stdout and stderr; this process ends with it.
'use strict';
const { spawn } = require('child_process');
const path = require('path');

const [caFile, script, ...args] = process.argv.slice(2);
const child = spawn(process.execPath, [path.join(__dirname, script), ...args], {
  env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code === null ? 1 : code));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
