import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../e2e/target.js';

describe('the aws e2e target', () => {
  const outputs = join(mkdtempSync(join(tmpdir(), 'proofline-e2e-target-')), 'cdk-outputs.json');
  writeFileSync(
    outputs,
    JSON.stringify({
      'Proofline-prod': { ApiUrl: 'https://prod.example/' },
      'Proofline-dev': { ApiUrl: 'https://dev.example/' },
    }),
  );

  it('tests the stack it is told (E2E_STACK), never the first one the outputs file lists', () => {
    const target = resolveTarget(undefined, {
      E2E_TARGET: 'aws',
      E2E_STACK: 'Proofline-dev',
      E2E_OUTPUTS_FILE: outputs,
    });

    expect(target).toMatchObject({ name: 'aws', stack: 'Proofline-dev', baseUrl: 'https://dev.example/' });
  });

  it('is skipped without E2E_STACK, even with an outputs file or a base URL', () => {
    for (const env of [{ E2E_OUTPUTS_FILE: outputs }, { E2E_BASE_URL: 'https://dev.example' }]) {
      const target = resolveTarget(undefined, { E2E_TARGET: 'aws', ...env });
      expect(target.baseUrl).toBeUndefined();
      expect(target.skipReason).toMatch(/E2E_STACK/);
    }
  });

  it('is skipped when the outputs file has no such stack', () => {
    const target = resolveTarget(undefined, {
      E2E_TARGET: 'aws',
      E2E_STACK: 'Proofline-qa',
      E2E_OUTPUTS_FILE: outputs,
    });

    expect(target.baseUrl).toBeUndefined();
    expect(target.skipReason).toMatch(/no ApiUrl output of stack Proofline-qa/);
  });
});
