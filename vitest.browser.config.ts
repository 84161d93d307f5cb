import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the hosted pages driven in Debian's Chromium (/usr/bin/chromium, playwright-core) against
 * the embedded runtime (the integration suite's global setup: in-memory DynamoDB Local and the sandboxes).
 * Screenshots go to the git-ignored test-results/.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/integration/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
