// The answers that needed the rate limit and faults to run first: unknown route (404), known
// path with another method (405 with Allow), the caller's auth error, the runtime's own guard.
import { ApiError } from '../../core/errors.ts';
import type { Exchange } from '../exchange.ts';

export function reject(served: string) {
  return (ex: Exchange): void => {
    const { route, policy, method, path } = ex;
    if (route.kind === 'not-found') {
      const where = route.owned ? '' : ` This sandbox serves ${served}.`;
      throw new ApiError(policy.errors.routeNotFound, `No route for ${method.toUpperCase()} ${path}.${where}`);
    }
    if (route.kind === 'method-not-allowed') {
      throw new ApiError(policy.errors.methodNotAllowed, `Method ${method.toUpperCase()} is not allowed on ${path}; allowed: ${route.allow.join(', ')}.`, {
        headers: { Allow: route.allow.join(', ') },
        status: 405,
      });
    }
    if (ex.auth?.error) throw ex.auth.error;
    const denied = ex.api.guard?.({ headers: ex.req.headers, remoteAddress: ex.req.socket.remoteAddress });
    if (denied) throw denied;
  };
}
