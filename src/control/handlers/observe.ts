// What happened: the request log (one request in detail), jobs and webhook deliveries across
// APIs, and the live event stream (server-sent events) the inspector follows.
import { ApiError } from '../../core/errors.ts';
import type { Handler } from '../../engine/handler.ts';
import { EVENT_TYPES, type SandboxEventType } from '../events.ts';
import { invalid, notFound, type ControlScope } from '../scope.ts';

export function observeHandlers(c: ControlScope): Record<string, Handler> {
  const { sandbox, viewsOf } = c;
  return {
    listRequests: ({ query }) => {
      const data = sandbox.requests.list({
        ...(typeof query.api === 'string' ? { api: query.api } : {}),
        ...(typeof query.key === 'string' ? { key: query.key } : {}),
        ...(typeof query.operationId === 'string' ? { operationId: query.operationId } : {}),
        ...(typeof query.status === 'string' ? { status: query.status } : {}),
        ...(query.faulted === true ? { faulted: true } : {}),
        ...(typeof query.path === 'string' ? { path: query.path } : {}),
        ...(typeof query.before === 'number' ? { before: query.before } : {}),
        limit: typeof query.limit === 'number' ? query.limit : 100,
      });
      return { status: 200, body: { capacity: sandbox.requests.capacity, total: sandbox.requests.total, data } };
    },
    getRequest: ({ params }) => {
      const detail = sandbox.requests.detail(Number(params.seq));
      if (!detail) throw notFound(`No request ${params.seq} in the log: it keeps the last ${sandbox.requests.capacity} (${sandbox.requests.total} recorded since the last reset).`);
      return { status: 200, body: detail };
    },
    streamEvents: ({ query, headers }) => {
      if (sandbox.events.full) {
        throw new ApiError('TOO_MANY_STREAMS', `At most ${sandbox.events.maxSubscribers} event streams are served at once; close one (another inspector tab?) and retry.`, {
          headers: { 'Retry-After': '5' },
        });
      }
      const types = typeof query.types === 'string' ? query.types.split(',').filter(Boolean) : [];
      const unknown = types.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (unknown) throw invalid(`types: no event type "${unknown}"; types: ${EVENT_TYPES.join(', ')}`, 'types');
      const lastHeader = headers['last-event-id'];
      const lastEventId = typeof lastHeader === 'string' && lastHeader !== '' ? Number(lastHeader) : typeof query.lastEventId === 'number' ? query.lastEventId : undefined;
      const heartbeatMs = typeof query.heartbeat === 'number' ? query.heartbeat * 1000 : undefined;
      return {
        status: 200,
        headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
        stream: (res) => sandbox.events.subscribe(res, { types: types as SandboxEventType[], lastEventId, heartbeatMs }),
      };
    },
    listJobs: ({ query }) => ({ status: 200, body: { data: viewsOf('jobs', query) } }),
    listWebhooks: ({ query }) => ({ status: 200, body: { data: viewsOf('webhooks', query) } }),
  };
}
