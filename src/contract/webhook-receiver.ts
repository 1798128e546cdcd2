// A small HTTP server that receives the API's webhooks during a run (--webhook-host), keeping
// each delivery's headers and raw body for the checks.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private server?: Server;
  url = '';

  async start(host: string): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 1024 * 1024) chunks.push(c);
      });
      req.on('end', () => {
        this.deliveries.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, host, resolve);
    });
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** The first delivery to `path` within `ms`. */
  async waitFor(path: string, ms: number): Promise<Delivery | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const d = this.deliveries.find((x) => x.path === path);
      if (d || Date.now() > deadline) return d;
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
