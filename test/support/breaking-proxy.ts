// A test-only HTTP proxy in front of a real sandbox that breaks one rule of the contract at a
// time: it rewrites the request on the way in or the response on the way out. The contract
// suite run through it must fail, naming the check that guards that rule.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Exchange {
  method: string;
  path: string;
  /** the query string, with its leading ? (or '') */
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface Breakage {
  /** what a client would notice */
  what: string;
  /** the check that must name it */
  check: string;
  request?(req: Exchange): void;
  response?(req: Exchange, res: Answer): void;
}

const json = (res: Answer): any => {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
};
const setJson = (res: Answer, value: unknown) => {
  res.body = Buffer.from(JSON.stringify(value));
};
const isApi = (req: Exchange) => req.path.startsWith('/api/');

/** The key the breakage test runs with (the one `ignored-auth` and `leaked-resource` substitute). */
export const MAIN_KEY = 've_test_pro_proxy_main_key';

export const BREAKAGES: Record<string, Breakage> = {
  'drop-rate-limit-header': {
    what: 'X-RateLimit-Remaining is missing from responses',
    check: 'rate_limit_headers',
    response: (req, res) => void (isApi(req) && delete res.headers['x-ratelimit-remaining']),
  },
  'remaining-above-limit': {
    what: 'X-RateLimit-Remaining exceeds X-RateLimit-Limit',
    check: 'rate_limit_headers',
    response: (req, res) => void (isApi(req) && res.headers['x-ratelimit-limit'] && (res.headers['x-ratelimit-remaining'] = String(Number(res.headers['x-ratelimit-limit']) + 5))),
  },
  'wrong-status': {
    what: 'an unknown job is 410 instead of 404',
    check: 'status_code_documented',
    response: (req, res) => void (req.path.startsWith('/api/jobs/') && res.status === 404 && (res.status = 410)),
  },
  'renamed-code': {
    what: 'NOT_FOUND is renamed RESOURCE_NOT_FOUND',
    check: 'error_code_catalogue',
    response: (req, res) => {
      const b = json(res);
      if (isApi(req) && b?.error?.code === 'NOT_FOUND') setJson(res, { error: { ...b.error, code: 'RESOURCE_NOT_FOUND' } });
    },
  },
  'ignored-auth': {
    what: 'requests without a key are served as if they had one',
    check: 'auth_enforced',
    request: (req) => void (isApi(req) && !req.headers['x-api-key'] && (req.headers['x-api-key'] = MAIN_KEY)),
  },
  'leaked-resource': {
    what: "a second key reads and changes the first key's templates",
    check: 'tenant_isolation',
    request: (req) => {
      const key = req.headers['x-api-key'];
      if (typeof key === 'string' && key.includes('contract_second') && req.path.startsWith('/api/templates/')) req.headers['x-api-key'] = MAIN_KEY;
    },
  },
  'leaked-in-list': {
    what: "a second key's template list shows the first key's private templates",
    check: 'tenant_isolation',
    request: (req) => {
      const key = req.headers['x-api-key'];
      if (typeof key === 'string' && key.includes('contract_second') && req.path === '/api/templates') req.headers['x-api-key'] = MAIN_KEY;
    },
  },
  'ignores-limit': {
    what: 'the job list ignores limit',
    check: 'pagination',
    request: (req) => {
      if (req.path === '/api/jobs' && req.query.includes('limit=1')) req.query = req.query.replace('limit=1', 'limit=20');
    },
  },
  'ignores-filter': {
    what: 'the job list ignores the status filter',
    check: 'list_filter_applied',
    request: (req) => {
      if (req.path === '/api/jobs') req.query = req.query.replace(/(^\?|&)status=[^&]*/, '$1').replace(/\?&/, '?');
    },
  },
  'ignores-range': {
    what: 'the video answers a Range request with the whole file',
    check: 'output_supports_range',
    request: (req) => void (req.path.startsWith('/files/') && delete req.headers.range),
  },
  'non-mp4-output': {
    what: 'the rendered file is not an MP4',
    check: 'output_is_mp4',
    response: (req, res) => {
      if (req.path.startsWith('/files/') && req.path.endsWith('.mp4') && res.status === 200) {
        res.body = Buffer.from('this is not a video\n'.repeat(50));
        res.headers['content-length'] = String(res.body.length);
      }
    },
  },
  'thumbnail-not-image': {
    what: 'the thumbnail is not an image',
    check: 'thumbnail_is_image',
    response: (req, res) => {
      if (req.path.startsWith('/files/') && req.path.endsWith('.jpg') && res.status === 200) {
        res.body = Buffer.from('<html>not an image</html>');
        res.headers['content-length'] = String(res.body.length);
      }
    },
  },
  'missing-retry-after': {
    what: 'a 429 without Retry-After',
    check: 'retry_after_on_429',
    response: (req, res) => void (isApi(req) && res.status === 429 && delete res.headers['retry-after']),
  },
  'wrong-validation-path': {
    what: 'a validation error points at the wrong field',
    check: 'validation_error_location',
    response: (req, res) => {
      const b = json(res);
      if (isApi(req) && typeof b?.error?.path === 'string' && b.error.code !== 'INVALID_REQUEST') setJson(res, { error: { ...b.error, path: 'scenes' } });
    },
  },
  'body-not-matching-schema': {
    what: 'the account lacks credits_balance',
    check: 'response_schema_conformance',
    response: (req, res) => {
      const b = json(res);
      if (req.path === '/api/account' && res.status === 200 && b) setJson(res, { ...b, credits_balance: undefined });
    },
  },
  'wrong-content-type': {
    what: 'JSON answers say text/plain',
    check: 'content_type_documented',
    response: (req, res) => void (req.path === '/api/templates' && res.status === 200 && (res.headers['content-type'] = 'text/plain')),
  },
  'wrong-allow': {
    what: 'a 405 lists the wrong methods in Allow',
    check: 'allow_header',
    response: (req, res) => void (isApi(req) && res.status === 405 && (res.headers.allow = 'GET, PATCH')),
  },
  'server-error': {
    what: 'listing jobs answers 500',
    check: 'not_a_server_error',
    response: (req, res) => {
      if (req.path === '/api/jobs' && req.method === 'GET' && res.status === 200) {
        res.status = 500;
        setJson(res, { error: { code: 'INTERNAL_ERROR', message: 'boom' } });
      }
    },
  },
  'accepts-invalid': {
    what: 'a movie script with a bad duration is accepted',
    check: 'negative_data_rejection',
    response: (req, res) => {
      const b = json(res);
      if (req.path === '/api/render' && b?.error?.code === 'SCHEMA_VALIDATION_ERROR') {
        res.status = 202;
        setJson(res, { job_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', status: 'queued', estimated_credits: 1, credits_remaining: 1 });
      }
    },
  },
  'wrong-estimate': {
    what: 'the 202 quotes one credit more than it reserves',
    check: 'credits_move_as_documented',
    response: (req, res) => {
      const b = json(res);
      if (req.path === '/api/render' && res.status === 202 && typeof b?.estimated_credits === 'number') setJson(res, { ...b, estimated_credits: b.estimated_credits + 1 });
    },
  },
  'deleted-still-readable': {
    what: 'a deleted template can still be read',
    check: 'delete_then_not_found',
    response: (req, res) => {
      if (req.method === 'GET' && req.path.startsWith('/api/templates/tpl_') && res.status === 404) {
        res.status = 200;
        setJson(res, { template_id: req.path.split('/').pop(), name: 'ghost', script: { scenes: [{ duration: 1 }] }, is_public: false, is_owner: true, variables: [], created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' });
      }
    },
  },
};

export interface BreakingProxy {
  url: string;
  close(): Promise<void>;
}

/** A proxy on 127.0.0.1 forwarding to `target` (http://127.0.0.1:port), applying `breakage`. */
export async function startBreakingProxy(target: string, breakage: Breakage | undefined): Promise<BreakingProxy> {
  const t = new URL(target);
  const server: Server = createServer((inReq, outRes) => {
    const chunks: Buffer[] = [];
    inReq.on('data', (c: Buffer) => chunks.push(c));
    inReq.on('end', () => {
      const url = inReq.url ?? '/';
      const ex: Exchange = { method: inReq.method ?? 'GET', path: url.split('?')[0]!, query: url.includes('?') ? url.slice(url.indexOf('?')) : '', headers: { ...inReq.headers }, body: Buffer.concat(chunks) };
      breakage?.request?.(ex);
      const fwd = httpRequest({ host: t.hostname, port: t.port, method: ex.method, path: ex.path + ex.query, headers: ex.headers }, (res) => {
        const body: Buffer[] = [];
        res.on('data', (c: Buffer) => body.push(c));
        res.on('end', () => {
          const answer: Answer = { status: res.statusCode ?? 502, headers: { ...(res.headers as Record<string, string | string[]>) }, body: Buffer.concat(body) };
          breakage?.response?.(ex, answer);
          delete answer.headers['content-length'];
          delete answer.headers['transfer-encoding'];
          answer.headers['content-length'] = String(answer.body.length);
          outRes.writeHead(answer.status, answer.headers);
          outRes.end(answer.body);
        });
      });
      fwd.on('error', (err) => {
        outRes.writeHead(502).end(String(err));
      });
      fwd.end(ex.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
