import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: Debian's Chromium (/usr/bin/chromium, playwright-core) against the embedded runtime —
 * the hosted pages through every journey (the integration suite's global setup: in-memory DynamoDB Local and the
 * sandboxes), the OIDC code flow of the sample application, and the unmodified ForgeRock Login Widget (a runtime
 * of its own, test/browser/widget/harness.ts). Screenshots go to the git-ignored test-results/.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/integration/global-setup.ts'],
    // Real journeys in a real browser: polling waits (5 s), IPA and iProov steps.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
