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
    // What a cross-site page could make a browser send is refused before this, by the request
    // path's cross-site stage (x-sandbox.browsers in the spec, decision 023).
    guard({ headers }) {
      const { exposed, token, host } = sandbox.access();
      if (!exposed && !token) {
        // Open (loopback, no token): a page on a rebound DNS name is same-origin to the browser,
        // so the Host it was addressed to must be a loopback name.
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
