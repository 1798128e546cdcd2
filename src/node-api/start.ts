// startSandbox(): a sandbox on an ephemeral loopback port for a test suite, in this process, with
// the control API as typed methods and a synchronous reset for between tests. connectSandbox():
// the same methods for a sandbox started elsewhere (a globalSetup, `serve` in CI).
import type { ClockMode } from '../core/clock.ts';
import { ApiError, PlainApiError } from '../core/errors.ts';
import { renderError } from '../engine/envelope.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from '../sandbox.ts';
import { createControlClient, type ControlClient, type ControlMethods } from './control-client.ts';
import { SandboxControlError } from './control-error.ts';
import type { ResetRequest, ResetResult } from './shapes.ts';

/** A bare 'scaled' runs the sandbox clock this many times faster than wall time. */
export const DEFAULT_CLOCK_SCALE = 10;

export interface StartSandboxOptions<A extends string = string> extends Omit<SandboxOptions, 'clock' | 'only' | 'controlApi'> {
  /** serve only these API ids (default: every API spec shipped) */
  apis?: readonly A[];
  /** 'real' (default), 'manual' (stands still until advanced), 'scaled' (10× faster), or { mode, scale } */
  clock?: ClockMode | { mode?: ClockMode; scale?: number };
  /** default 0: an ephemeral port */
  port?: number;
  /** default 127.0.0.1 (another address needs adminToken) */
  host?: string;
}

export interface RunningSandbox<A extends string = string> extends ControlMethods {
  /** the sandbox's root URL, http://127.0.0.1:PORT */
  url: string;
  /** per API, the base URL its client configures (the API's own servers path on this host) */
  urls: Record<A, string>;
  port: number;
  /** the engine object itself (its clock, fault engine, request log, app), for embedding */
  sandbox: Sandbox;
  /** state, fault rules, the log and the clock back to the start (or one API's, one key's); synchronous */
  reset(scope?: ResetRequest): ResetResult;
  /** frees the port, stops timers, kills FFmpeg, removes temporary files */
  close(): Promise<void>;
}

export interface ConnectedSandbox extends ControlClient {
  url: string;
  urls: Record<string, string>;
}

function clockOption(clock: StartSandboxOptions['clock']): SandboxOptions['clock'] {
  if (clock === undefined) return undefined;
  const { mode = 'real', scale } = typeof clock === 'string' ? { mode: clock, scale: undefined } : clock;
  return { mode, scale: mode === 'scaled' ? (scale ?? DEFAULT_CLOCK_SCALE) : scale };
}

export async function startSandbox<const A extends string = string>(options: StartSandboxOptions<A> = {}): Promise<RunningSandbox<A>> {
  const { apis, clock, port = 0, host = '127.0.0.1', ...rest } = options;
  // A test touches a few operations: compiling each one's validators on first use costs less than
  // compiling them all in the background while the tests run.
  const sandbox = createSandbox({ warmValidators: false, ...rest, only: apis ? [...apis] : undefined, clock: clockOption(clock), controlApi: true });
  let url: string;
  try {
    ({ url } = await sandbox.listen(port, host));
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const control = createControlClient(url, options.adminToken);
  const resetOp = sandbox.control!.spec.operation('resetSandbox');
  return {
    url,
    urls: Object.fromEntries(sandbox.apis.map((a) => [a.spec.policy.id, `${url}${a.spec.mount}`])) as Record<A, string>,
    port: Number(new URL(url).port),
    sandbox,
    health: control.health,
    faults: control.faults,
    clock: control.clock,
    accounts: control.accounts,
    requests: control.requests,
    jobs: control.jobs,
    webhooks: control.webhooks,
    events: control.events,
    specs: control.specs,
    // The control API's own reset handler, called in process (so it can be synchronous): the same
    // checks, the same result, the same errors as POST /__sandbox/reset.
    reset(scope = {}) {
      const runtime = sandbox.control!;
      try {
        runtime.validators.get('resetSandbox').body(scope);
        const answer = runtime.handlers.resetSandbox!({ operation: resetOp, params: {}, query: {}, headers: {}, body: scope, account: undefined as never, requestId: 'in-process', baseUrl: url });
        if (answer instanceof Promise) throw new Error('the reset handler is expected to be synchronous');
        return answer.body as ResetResult;
      } catch (err) {
        if (!(err instanceof ApiError || err instanceof PlainApiError)) throw err;
        const rendered = renderError(runtime.spec.policy, err, 'in-process');
        throw SandboxControlError.from(rendered.status, rendered.body, 'POST /__sandbox/reset');
      }
    },
    close: () => sandbox.close(),
  };
}

/**
 * The control methods of a sandbox that runs elsewhere, by its root URL (default: the
 * VIDEO_API_SANDBOX_URL a globalSetup sets), with its APIs' base URLs.
 */
export async function connectSandbox(url = process.env.VIDEO_API_SANDBOX_URL, options: { adminToken?: string } = {}): Promise<ConnectedSandbox> {
  if (!url) throw new Error('connectSandbox: no URL given and VIDEO_API_SANDBOX_URL is not set (start one with startSandbox() or a globalSetup)');
  const control = createControlClient(url, options.adminToken);
  const health = await control.health();
  return { ...control, url: url.replace(/\/+$/, ''), urls: Object.fromEntries(health.apis.map((a) => [a.id, a.baseUrl])) };
}
