import { defineConfig } from 'vitest/config';

/** `npm run test:e2e`: the e2e suite against E2E_TARGET (local | cdk-out | localstack | aws). See docs/e2e.md. */
// cdk-out: cold starts of the Lambda processes and real waits (retries, polling) as on a deployed stage.
const remote = process.env.E2E_TARGET !== undefined && process.env.E2E_TARGET !== 'local';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    // After each file: the users it created are erased from a deployed stack (E2E_STACK).
    setupFiles: ['test/e2e/cleanup.ts'],
    // Cold Lambdas and scrypt on a deployed stage take their time.
    testTimeout: remote ? 60_000 : 30_000,
    hookTimeout: remote ? 120_000 : 60_000,
    maxWorkers: 1,
    passWithNoTests: true,
  },
});
