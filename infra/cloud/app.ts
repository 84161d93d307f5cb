import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ProoflineStack } from './proofline-stack.js';
import { deploymentSettings } from './settings.js';

/**
 * `npx cdk synth|deploy`. The deployment configuration (README "Deploy to AWS", ADR 13) comes from the CDK
 * context — `cdk.context.json`, `--context name=value` (objects as JSON text, lists comma-separated), or all of it
 * as one `config` context — and is validated by `deploymentSettings` before anything is built: a wrong setting
 * fails the synthesis, naming it. Works offline without credentials for synth.
 */
const app = new App();
const { stage = 'dev', ...settings } = deploymentSettings((name) => app.node.tryGetContext(name));

new ProoflineStack(app, `Proofline-${stage}`, {
  description: `Proofline identity journeys (${stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...settings,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
