// Answer an operation that has no stateful handler from the spec's own examples and schemas,
// through Stoplight Prism's HTTP mocker. Prism is loaded lazily (it is heavy) and warmed in the
// background after start-up, so the first request is not slowed down.
import type { ApiSpec } from '../openapi/load.ts';

export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

type PrismModule = typeof import('@stoplight/prism-http');

const silentLogger: any = new Proxy(
  {},
  { get: (_t, prop) => (prop === 'child' ? () => silentLogger : () => undefined) },
);

export class SpecMocker {
  private ready: Promise<{ prism: ReturnType<PrismModule['createInstance']>; operations: any[] }> | undefined;

  constructor(private readonly spec: ApiSpec) {}

  /** Load Prism ahead of the first mocked request. */
  async warm(): Promise<void> {
    await this.load();
  }

  // Private, so Prism's types stay out of the package's declarations.
  private load(): Promise<{ prism: ReturnType<PrismModule['createInstance']>; operations: any[] }> {
    this.ready ??= (async () => {
      const prismHttp: PrismModule = await import('@stoplight/prism-http');
      // Prism routes by the document's paths; give it the paths as the sandbox serves them.
      const doc = structuredClone(this.spec.doc);
      doc.servers = [{ url: '/' }];
      doc.paths = Object.fromEntries(Object.entries(doc.paths ?? {}).map(([p, v]) => [(this.spec.mount + p).replace(/\/{2,}/g, '/'), v]));
      const operations = await prismHttp.getHttpOperationsFromSpec(doc);
      const prism = prismHttp.createInstance(
        { mock: { dynamic: false }, checkSecurity: false, validateRequest: false, validateResponse: false, errors: false, upstreamProxy: undefined, isProxy: false },
        { logger: silentLogger },
      );
      return { prism, operations };
    })();
    return this.ready;
  }

  /** The documented response for a request; `code`/`example` select one as Prism's Prefer header does. */
  async respond(
    req: { method: string; path: string; query: Record<string, string | string[]>; headers: Record<string, string>; body: unknown },
    prefer: { code?: number; example?: string; dynamic?: boolean } = {},
  ): Promise<MockResponse> {
    const { prism, operations } = await this.load();
    const result = await prism.request(
      { method: req.method.toLowerCase() as any, url: { path: req.path, query: req.query }, headers: req.headers, body: req.body },
      operations,
      {
        mock: { dynamic: prefer.dynamic ?? false, code: prefer.code, exampleKey: prefer.example },
        checkSecurity: false, validateRequest: false, validateResponse: false, errors: false, upstreamProxy: undefined, isProxy: false,
      },
    )();
    if (result._tag === 'Left') throw new MockUnavailable(result.left.message);
    const out = result.right.output;
    return { status: out.statusCode, headers: (out.headers ?? {}) as Record<string, string>, body: out.body };
  }
}

export class MockUnavailable extends Error {}
