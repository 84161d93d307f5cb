import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ProoflineStack, REPO_ROOT } from '../../../infra/cloud/proofline-stack.js';
import { deploymentSettings } from '../../../infra/cloud/settings.js';

/** The checked-in test configuration (`npm run synth` and CI synthesize it too): every journey, both vendors. */
export const TEST_CONFIG_TEXT = readFileSync(join(REPO_ROOT, 'infra/cloud/test-config.json'), 'utf8');
export const TEST_CONFIG = JSON.parse(TEST_CONFIG_TEXT) as Record<string, unknown>;

/**
 * The app as `infra/cloud/app.ts` builds it, from CDK context (values as `--context` passes them: text, or as
 * `cdk.context.json` holds them: objects), in a fresh temporary outdir. Default: the test configuration as the
 * JSON text of one `config` context, as `npm run synth` passes it.
 */
export function synthesizeApp(
  context: Record<string, unknown> = { config: TEST_CONFIG_TEXT },
  configure?: (stack: ProoflineStack) => void,
): { app: App; stack: ProoflineStack } {
  const app = new App({
    outdir: join(tmpdir(), `proofline-cdk-${process.pid}-${Math.random().toString(36).slice(2)}`),
    context,
  });
  const { stage = 'dev', ...settings } = deploymentSettings((name) => app.node.tryGetContext(name), {});
  const stack = new ProoflineStack(app, `Proofline-${stage}`, settings);
  configure?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
