// What happened: the request log, and jobs and webhook deliveries across APIs.
import type { Handler } from '../../engine/handler.ts';
import type { ControlScope } from '../scope.ts';

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
        limit: typeof query.limit === 'number' ? query.limit : 100,
      });
      return { status: 200, body: { capacity: sandbox.requests.capacity, total: sandbox.requests.total, data } };
    },
    listJobs: ({ query }) => ({ status: 200, body: { data: viewsOf('jobs', query) } }),
    listWebhooks: ({ query }) => ({ status: 200, body: { data: viewsOf('webhooks', query) } }),
  };
}
