// The floor: a bare node:http server with no logic at all, sending for each scenario the exact
// status, headers and body the sandbox sent (captured from it first, see run.ts). Date,
// Connection and Keep-Alive are left to node:http, which adds them just as it does for the sandbox.
//   node --import tsx bench/bare-server.ts <port> <captured.json>
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

export interface Captured {
  method: string;
  path: string;
  status: number;
  /** header name/value pairs as the sandbox sent them */
  headers: [string, string][];
  /** base64 */
  body: string;
}

const NODE_OWN = new Set(['date', 'connection', 'keep-alive']);
const port = Number(process.argv[2]);
const captured = JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as Captured[];
const byRoute = new Map(
  captured.map((c) => [
    `${c.method} ${c.path}`,
    { status: c.status, headers: c.headers.filter(([k]) => !NODE_OWN.has(k.toLowerCase())).flat(), body: Buffer.from(c.body, 'base64') },
  ]),
);

createServer((req, res) => {
  const found = byRoute.get(`${req.method} ${req.url}`);
  req.resume();
  req.on('end', () => {
    if (!found) {
      res.writeHead(404, { 'content-length': 0 });
      res.end();
      return;
    }
    res.writeHead(found.status, found.headers);
    res.end(found.body);
  });
}).listen(port, '127.0.0.1', () => console.log(`bare server on ${port}`));
