import { defineConfig } from 'vitest/config';

// The heavy tool-driven tests (npm pack + install, tsc over a generated client) run as a second
// group, after the rest: on two cores they would otherwise crowd out timing-sensitive tests.
const TOOLING = ['test/package/pack.test.ts', 'test/node-api/generated-client.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // FFmpeg renders are CPU-heavy; two workers match the two-core machines this runs on.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: TOOLING, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'tooling', include: TOOLING, sequence: { groupOrder: 1 } } },
    ],
  },
});
