import { defineConfig } from 'vitest/config';

// Three projects: `toolkit` (test/**, what `npm test` runs first), `tooling` (the heavy
// tool-driven tests — npm pack + install, tsc over a generated client — run by `npm test` as a
// second group after the rest: on two cores they would otherwise crowd out timing-sensitive tests)
// and `contract` (contract-tests/**, the contract suite as vitest cases against CONTRACT_BASE_URL,
// or a local sandbox when unset): `npx vitest run contract-tests`.
const TOOLING = ['test/package/pack.test.ts', 'test/node-api/generated-client.test.ts'];

export default defineConfig({
  test: {
    // Whole contract runs (test/contract) share the two cores with the rest: allow for the load.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // FFmpeg renders are CPU-heavy; two workers match the two-core machines this runs on.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'toolkit', include: ['test/**/*.test.ts'], exclude: TOOLING, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'tooling', include: TOOLING, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: 'contract', include: ['contract-tests/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000, sequence: { groupOrder: 2 } } },
    ],
  },
});
