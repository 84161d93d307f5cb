import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: Debian's Chromium (playwright-core) against the embedded runtime. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    // Real journeys in a real browser: polling waits (5 s), IPA and iProov steps.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
