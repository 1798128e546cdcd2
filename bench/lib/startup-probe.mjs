// Start-up measured inside the sandbox's own process: `node bench/lib/startup-probe.mjs <dist/cli.js> <port>`
// loads the bundle as `npm start` would (it serves at once), then asks itself over a socket until
// the first 200. Times are ms since this process started (performance.now()), node's own boot
// included; CPU (user + system) is given at `listening` and at the first 200, since on a shared
// machine CPU time says more than wall time. Plain JavaScript: no TypeScript loader distorts it.
import { Server } from 'node:http';
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

// When the sandbox's server starts listening, and the CPU spent by then.
let listening;
const emit = Server.prototype.emit;
Server.prototype.emit = function (event, ...args) {
  if (event === 'listening' && !listening) {
    const c = process.cpuUsage();
    listening = { ms: performance.now(), cpuMs: (c.user + c.system) / 1000 };
  }
  return emit.call(this, event, ...args);
};

await import(pathToFileURL(bundle).href);
const imported = performance.now();
let status = 0;
while (status !== 200) {
  status = await get('/api/render/schema', 've_test_enterprise_bench0001');
  if (status !== 200) await new Promise((r) => setTimeout(r, 1));
}
const first200 = performance.now();
const cpu = process.cpuUsage();
write(`${JSON.stringify({ bootMs: booted, importMs: imported - booted, listenMs: listening?.ms, cpuAtListenMs: listening?.cpuMs, first200Ms: first200, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
process.exit(0);
