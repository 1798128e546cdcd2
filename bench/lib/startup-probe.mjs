// Start-up measured inside the sandbox's own process: `node bench/lib/startup-probe.mjs <dist/cli.js> <port>`
// loads the bundle as `npm start` would (it serves at once), then asks itself over a socket until
// the first 200. Times are ms since this process started (performance.now()), node's own boot
// included. Plain JavaScript, so no TypeScript loader distorts what is measured.
import { connect } from 'node:net';
import { pathToFileURL } from 'node:url';

const [, , bundle, port] = process.argv;
const booted = performance.now();
process.argv = [process.argv[0], bundle, 'serve', '--port', port];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true; // the banner is not what is measured

function get(path, key) {
  return new Promise((resolve) => {
    const s = connect({ port: Number(port), host: '127.0.0.1' }, () =>
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${key}\r\nConnection: close\r\n\r\n`),
    );
    let head = '';
    s.on('data', (d) => (head += d.toString('latin1')));
    s.on('end', () => resolve(Number(head.slice(9, 12))));
    s.on('error', () => resolve(0));
  });
}

await import(pathToFileURL(bundle).href);
const imported = performance.now();
let status = 0;
while (status !== 200) {
  status = await get('/api/render/schema', 've_test_enterprise_bench0001');
  if (status !== 200) await new Promise((r) => setTimeout(r, 1));
}
const first200 = performance.now();
write(`${JSON.stringify({ bootMs: booted, importMs: imported - booted, first200Ms: first200 })}\n`);
process.exit(0);
