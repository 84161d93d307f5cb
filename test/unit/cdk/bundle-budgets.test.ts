import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goalBytes, KB } from '../../../bench/bundle-budgets.js';
import { readCloudAssembly } from '../../e2e/cdk-out/synth.js';
import { synthesizeApp } from './synth.js';

/**
 * Issue 10 §2: every function's bundle within its size goal (250 KB; the OpenID Provider: its library + 100 KB).
 * Sizes are deterministic (pinned esbuild and lock file), so this guards the goal against a change that brings
 * the AWS SDK, or any other heavy library, back into a function (ADR 17, ADR 25). Init times are the bench's.
 */
describe('Lambda bundles', () => {
  it('are each within their size goal', () => {
    const { app } = synthesizeApp();
    const assembly = readCloudAssembly(app.synth().directory);
    const sizes: Record<string, { kb: number; goalKb: number }> = {};
    for (const [logicalId, resource] of Object.entries(assembly.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
      // Functions the CDK adds with inline code (custom resources) have no bundle of ours.
      if (typeof key !== 'string' || !assembly.assetDirs[key]) continue;
      const bundle = join(assembly.assetDirs[key], 'index.mjs');
      if (!existsSync(bundle)) continue;
      sizes[logicalId] = {
        kb: Math.round(statSync(bundle).size / KB),
        goalKb: goalBytes(logicalId) / KB,
      };
    }
    expect(Object.keys(sizes).length).toBeGreaterThanOrEqual(7);
    const over = Object.entries(sizes).filter(([, s]) => s.kb > s.goalKb);
    expect(over, JSON.stringify(sizes)).toEqual([]);
  }, 180_000);
});
