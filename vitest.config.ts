import { defineConfig } from 'vitest/config';

// Two projects: `toolkit` (test/**, what `npm test` runs) and `contract` (contract-tests/**, the
// contract suite as vitest cases against CONTRACT_BASE_URL, or a local sandbox when unset):
// `npx vitest run contract-tests`.
export default defineConfig({
  test: {
    // Whole contract runs (test/contract) share the two cores with the rest: allow for the load.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // FFmpeg renders are CPU-heavy; two workers match the two-core machines this runs on.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'toolkit', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'contract', include: ['contract-tests/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 } },
    ],
  },
});
