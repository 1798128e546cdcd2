// The answer: the API module's handler for the operation, or — without one, or when a Prefer or
// an injected 2xx asked for the documented response — the spec's own examples through Prism.
import type { Exchange } from '../exchange.ts';
import { MockUnavailable } from '../mock.ts';
import { faultRequestError } from '../synthesize.ts';

const PRISM_OWN = new Set(['content-type', 'content-length']);

// Not an async function: a handler that answers synchronously is answered synchronously, and the
// request path awaits nothing for it.
export function answer(ex: Exchange): void | Promise<void> {
  const { api, req } = ex;
  if (ex.route.kind !== 'match') return;
  const op = ex.route.op;
  const handler = ex.mock ? undefined : api.handlers[op.operationId];
  if (!handler) return fromSpec(ex);
  const out = handler({
    operation: op,
    params: ex.route.params,
    query: ex.query,
    headers: req.headers,
    body: ex.body,
    account: ex.account!,
    requestId: ex.requestId,
    baseUrl: `http://${req.headers.host ?? 'localhost'}`,
  });
  if (out instanceof Promise) {
    return out.then((a) => {
      ex.answer = a;
    });
  }
  ex.answer = out;
}

async function fromSpec(ex: Exchange): Promise<void> {
  const { api, req } = ex;
  if (ex.route.kind !== 'match') return;
  let mocked;
  try {
    // HEAD is GET without a body (the router matched the GET operation); Prism knows only GET.
    // Prism's static answer depends on the operation, Accept and the selection: cacheable by operationId.
    const method = ex.method === 'head' ? 'get' : ex.method;
    mocked = await api.mocker.respond({ method, path: ex.path, query: ex.query, headers: req.headers, body: ex.body }, ex.mock, ex.route.op.operationId);
  } catch (err) {
    // A Prefer the spec cannot satisfy (unknown example name, …) is the caller's 400, not our 500.
    if (ex.mock && err instanceof MockUnavailable) throw faultRequestError(ex.policy, `Prefer cannot be satisfied: ${err.message}`);
    throw err;
  }
  // Prism's own headers are examples, and its content headers would double ours (whatever their
  // case); the sandbox's real ones (rate limit, request id) win.
  const ours = new Set(Object.keys(ex.headers).map((k) => k.toLowerCase()));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(mocked.headers)) if (!PRISM_OWN.has(k.toLowerCase()) && !ours.has(k.toLowerCase())) headers[k] = v;
  ex.answer = { status: mocked.status, headers, body: mocked.body };
}
