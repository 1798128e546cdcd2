// The breakage tests for the named rules of the breaking proxy: the suite run through the proxy
// must fail, naming the check that guards the rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { BREAKAGES, MAIN_KEY, startBreakingProxy } from './breaking-proxy.ts';
import { describeFailures, runSuite } from './contract.ts';

export function defineBreakageTests(names: string[], baseline: boolean): void {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ media: { allowHosts: ['127.0.0.1'] } });
  });
  afterAll(() => sb.close());

  const throughProxy = async (name: string | undefined) => {
    const proxy = await startBreakingProxy(sb.url, name ? BREAKAGES[name] : undefined);
    try {
      await fetch(`${sb.url}/__sandbox/reset`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: MAIN_KEY }) });
      // The whole suite, with one generated case per operation (instead of two) to spare the CPU.
      return await runSuite({ api: 'phantomflow', baseUrl: proxy.url, key: MAIN_KEY, seed: 11, examplesPerOperation: 1, destructive: name === 'missing-retry-after' });
    } finally {
      await proxy.close();
    }
  };

  if (baseline) {
    it('the proxy breaking nothing: every check passes', async () => {
      const o = await throughProxy(undefined);
      expect(o.failures, describeFailures(o)).toEqual([]);
    }, 120_000);
  }

  describe('each breakage fails the suite with the right check named', () => {
    for (const name of names) {
      const b = BREAKAGES[name]!;
      it(`${name}: ${b.what} → ${b.check}`, async () => {
        const o = await throughProxy(name);
        expect(o.result.exitCode).toBe(1);
        expect([...o.failedChecks], describeFailures(o, 3)).toContain(b.check);
      }, 120_000);
    }
  });
}
