// Start a real sandbox on an ephemeral loopback port for a test file, and stop it afterwards:
// the package's own startSandbox(), with every response checked against the spec.
import { startSandbox as startPublic, type RunningSandbox as PublicSandbox } from '../../src/node-api/start.ts';
import type { Sandbox, SandboxOptions } from '../../src/sandbox.ts';

export interface RunningSandbox {
  sandbox: Sandbox;
  url: string;
  /** the public handle (typed control methods, synchronous reset) */
  handle: PublicSandbox;
  close(): Promise<void>;
}

export async function startSandbox(options: Omit<SandboxOptions, 'controlApi'> = {}): Promise<RunningSandbox> {
  const { only, ...rest } = options;
  // Every handler response is checked against the spec in the tests: drift fails loudly. Nothing
  // is warmed in the background (a Prism worker and every validator compiled per test sandbox
  // would only cost CPU, and compiling holds the event loop, which a scaled clock's timers feel;
  // test/openapi/specs.test.ts compiles every validator); a test that wants it says so.
  const handle = await startPublic({ validateResponses: true, warmMocks: false, warmValidators: false, ...rest, apis: only });
  return { sandbox: handle.sandbox, url: handle.url, handle, close: () => handle.close() };
}

let counter = 0;
/** A fresh, well-formed test key, so tests do not share rate-limit windows or state. */
export function freshKey(prefix = 've_test_', plan?: string): string {
  counter += 1;
  return `${prefix}${plan ? `${plan}_` : ''}t${process.pid}x${counter}${Math.random().toString(36).slice(2, 8)}`;
}
