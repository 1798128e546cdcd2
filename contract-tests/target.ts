// Where the contract suite runs: CONTRACT_BASE_URL + CONTRACT_KEY (a staging copy, the vendor with
// a test key, a sandbox in CI), or — when unset — a sandbox started here on 127.0.0.1.
import { createSandbox } from '../src/sandbox.ts';
import type { ContractOptions } from '../src/contract/index.ts';

export interface Target {
  options: ContractOptions;
  close(): Promise<void>;
}

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

export async function contractTarget(): Promise<Target> {
  const env = process.env;
  const api = env.CONTRACT_API ?? 'phantomflow';
  const common: Partial<ContractOptions> = {
    secondKey: env.CONTRACT_SECOND_KEY,
    spec: env.CONTRACT_SPEC,
    seed: env.CONTRACT_SEED ? Number(env.CONTRACT_SEED) : undefined,
    include: list(env.CONTRACT_INCLUDE) as ContractOptions['include'],
    destructive: env.CONTRACT_DESTRUCTIVE === '1',
    checks: list(env.CONTRACT_CHECKS),
    excludeChecks: list(env.CONTRACT_EXCLUDE_CHECKS),
    operations: list(env.CONTRACT_OPERATIONS),
    maxRps: env.CONTRACT_MAX_RPS ? Number(env.CONTRACT_MAX_RPS) : undefined,
    webhookHost: env.CONTRACT_WEBHOOK_HOST,
    adminToken: env.SANDBOX_ADMIN_TOKEN,
  };
  if (env.CONTRACT_BASE_URL) {
    if (!env.CONTRACT_KEY) throw new Error('CONTRACT_BASE_URL is set but CONTRACT_KEY is not');
    return { options: { ...common, api, baseUrl: env.CONTRACT_BASE_URL, key: env.CONTRACT_KEY }, close: async () => undefined };
  }
  const sandbox = createSandbox({ only: [api], media: { allowHosts: ['127.0.0.1'] } });
  const { url } = await sandbox.listen(0, '127.0.0.1');
  const mount = new URL(sandbox.apis.find((a) => a.spec.policy.id === api)!.spec.doc.servers?.[0]?.url ?? url).pathname.replace(/\/+$/, '');
  const prefix = sandbox.apis.find((a) => a.spec.policy.id === api)!.spec.policy.auth.testKeyPattern.source.replace(/^\^/, '').split(/[[(]/)[0];
  return {
    options: { ...common, api, baseUrl: `${url}${mount}`, key: env.CONTRACT_KEY ?? `${prefix}pro_contract_suite`, webhookHost: common.webhookHost ?? '127.0.0.1' },
    close: () => sandbox.close(),
  };
}
