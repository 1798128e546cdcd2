// The control API (/__sandbox): handlers bound to openapi/sandbox-admin.yaml by operationId, served
// through the same request path as the APIs (validation, envelopes) but not an API module: it
// acts on the whole sandbox through the narrow SandboxContext, and guards itself with a token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../core/errors.ts';
import { isLoopbackHost } from '../core/net.ts';
import type { Handler } from '../engine/handler.ts';
import type { ApiSpec } from '../openapi/load.ts';
import type { SandboxContext } from './context.ts';
import { accountsHandlers } from './handlers/accounts.ts';
import { clockHandlers } from './handlers/clock.ts';
import { faultsHandlers } from './handlers/faults.ts';
import { observeHandlers } from './handlers/observe.ts';
import { systemHandlers } from './handlers/system.ts';
import { tokensHandlers } from './handlers/tokens.ts';
import { controlScope } from './scope.ts';

function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

function tokenOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const own = headers['x-sandbox-admin-token'];
  if (typeof own === 'string' && own.trim()) return own.trim();
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return m?.[1];
}

/** The Origin a browser sent names the host the request was addressed to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return host;
  }
}

export interface ControlApi {
  handlers: Record<string, Handler>;
  /** the access check of every control request (run at the auth stage) */
  guard(request: { headers: Record<string, string | string[] | undefined> }): ApiError | undefined;
}

export function createControlApi(spec: ApiSpec, sandbox: SandboxContext): ControlApi {
  const scope = controlScope(spec, sandbox);
  const messages = spec.policy.auth.messages;
  return {
    handlers: { ...systemHandlers(scope), ...accountsHandlers(scope), ...faultsHandlers(scope), ...clockHandlers(scope), ...observeHandlers(scope), ...tokensHandlers(scope) },
    // No token configured: open (the sandbox then only listens on loopback). A token configured:
    // required on every request, compared in constant time (decision 020).
    guard({ headers }) {
      const { exposed, token, host } = sandbox.access();
      if (!exposed && !token) {
        // Open (loopback, no token): refuse what a web page elsewhere could make a browser send.
        // With a token there is nothing to forge: a page cannot add the header (no CORS here).
        const origin = headers.origin;
        if (typeof origin === 'string' && !sameOrigin(origin, headers.host as string | undefined)) {
          return new ApiError('FORBIDDEN', `Cross-origin requests to the control API are refused (Origin ${origin}): use it from the inspector (/__sandbox/ui/), curl or a test client.`);
        }
        const addressed = headers.host as string | undefined;
        if (host !== undefined && isLoopbackHost(host) && addressed !== undefined && !isLoopbackHost(hostnameOf(addressed))) {
          return new ApiError('FORBIDDEN', `Host ${addressed} is not a loopback name: without an admin token the control API answers requests addressed to 127.0.0.1, ::1 or localhost only.`);
        }
        return undefined;
      }
      const given = tokenOf(headers);
      if (!given) return new ApiError('UNAUTHORIZED', messages.missing);
      if (!token || !sameSecret(given, token)) return new ApiError('UNAUTHORIZED', messages.invalid);
      return undefined;
    },
  };
}
