// Health, the served OpenAPI documents, and reset.
import type { Handler } from '../../engine/handler.ts';
import type { ControlScope } from '../scope.ts';

export function systemHandlers(c: ControlScope): Record<string, Handler> {
  const { sandbox, spec, clock, runtimeOf, runtimeOfKey } = c;
  return {
    getHealth: () => ({
      status: 200,
      body: {
        status: 'ok',
        apis: sandbox.apis().map((a) => ({
          id: a.spec.policy.id,
          title: String(a.spec.doc.info?.title ?? ''),
          version: String(a.spec.doc.info?.version ?? ''),
          routePrefix: a.spec.policy.routePrefix,
          operations: a.spec.operations.length,
        })),
        clock: clock.state(),
        seed: sandbox.seed,
        faultRules: sandbox.faults.rules.list().length,
        requestsLogged: sandbox.requests.total,
        uptimeSeconds: Math.floor((Date.now() - sandbox.startedAt) / 1000),
      },
    }),
    listSpecs: ({ baseUrl }) => ({
      status: 200,
      body: {
        data: [...sandbox.apis().map((a) => a.spec), spec].map((sp) => ({
          id: sp.policy.id,
          title: String(sp.doc.info?.title ?? ''),
          version: String(sp.doc.info?.version ?? ''),
          url: `${baseUrl}/__sandbox/specs/${sp.policy.id}`,
        })),
      },
    }),
    // The document as served here: `servers` point at this sandbox (its mount included).
    getSpec: ({ params, baseUrl }) => {
      const served = params.api === spec.policy.id ? spec : runtimeOf(params.api!).spec;
      return { status: 200, body: { ...served.doc, servers: [{ url: `${baseUrl}${served.mount}`, description: 'this sandbox' }] } };
    },
    resetSandbox: ({ body }) => {
      const scope = (body ?? {}) as { api?: string; key?: string };
      if (scope.api !== undefined) runtimeOf(scope.api);
      if (scope.key !== undefined) runtimeOfKey(scope.key, scope.api);
      const result = sandbox.reset(scope);
      sandbox.events.publish('reset', result);
      return { status: 200, body: result };
    },
  };
}
