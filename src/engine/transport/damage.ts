// Broken transport on purpose (fault injection): a connection closed without a response, or a
// response whose body is damaged — malformed, truncated or dribbled out slowly.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BodyDamage {
  malformed?: boolean;
  truncate?: boolean;
  slowMs?: number;
}

/** Close the connection without a response: reset sends RST (ECONNRESET), empty a clean FIN after reading the request. */
export function breakConnection(req: IncomingMessage, res: ServerResponse, how: 'reset' | 'empty'): void {
  const socket = req.socket;
  if (how === 'reset') {
    socket.resetAndDestroy();
    return;
  }
  // Unread request bytes would turn the close into a RST; drain them first so the client sees an empty reply.
  const close = () => {
    if (!socket.destroyed) socket.end();
  };
  if (req.complete) close();
  else {
    req.once('end', close);
    req.once('error', () => socket.destroy());
    req.resume();
    const giveUp = setTimeout(() => socket.destroy(), 5000).unref();
    socket.once('close', () => clearTimeout(giveUp));
  }
  void res;
}

/**
 * Send a response with a damaged body: malformed (broken JSON, correct length), truncate
 * (Content-Length of the whole, half sent, then the connection closes), slow (the bytes dribbled
 * out over slowMs, on timers — other requests are not held up).
 */
export function sendDamaged(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: string,
  damage: BodyDamage,
  head = false,
): void {
  if (res.headersSent || res.destroyed) return;
  let bytes = Buffer.from(payload, 'utf8');
  let code = status;
  if (damage.malformed) {
    const text = payload || '{"data": ';
    const cut = Math.max(1, Math.floor(text.length / 2));
    bytes = Buffer.from(`${text.slice(0, cut)}<!-- malformed by the sandbox -->`, 'utf8');
    if (code === 204 || code === 304) code = 200;
  }
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', bytes.length);
  const closeEarly = Boolean(damage.truncate);
  if (closeEarly) res.setHeader('Connection', 'close');
  res.writeHead(code);
  if (head) {
    res.end();
    return;
  }
  const toSend = closeEarly ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
  const finish = () => {
    if (res.destroyed) return;
    if (closeEarly) {
      // End the socket under the response: the client was promised more bytes than it gets.
      res.socket?.end();
      res.socket?.destroySoon();
    } else res.end();
  };
  const slowMs = damage.slowMs ?? 0;
  if (slowMs <= 0) {
    if (toSend.length) res.write(toSend);
    finish();
    return;
  }
  const pieces = Math.max(2, Math.min(toSend.length || 2, Math.ceil(slowMs / 100) + 1));
  const size = Math.ceil(toSend.length / pieces) || 0;
  let i = 0;
  let next: NodeJS.Timeout | undefined;
  res.once('close', () => clearTimeout(next));
  const step = () => {
    if (res.destroyed) return;
    const chunk = toSend.subarray(i * size, (i + 1) * size);
    if (chunk.length) res.write(chunk);
    i++;
    if (i >= pieces) finish();
    else next = setTimeout(step, slowMs / (pieces - 1));
  };
  step();
}
