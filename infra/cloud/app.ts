import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type IdemiaSettings, type IproovSettings, ProoflineStack } from './proofline-stack.js';
import { throttleSettings } from './settings.js';

/**
 * `npx cdk synth|deploy`. Context: `stage` (default dev), `corsOrigins` (comma-separated), `realms`
 * (comma-separated, default alpha), `legacyUsersRealm` (ADR 11, default alpha), `alarmTopicArn`, `idemia` (object: cognitoUrl, clientId, sessionUrl,
 * ipaStartUrl, gipsUrl, applicationId), `iproov` (object: baseUrl, apiKey, oauthUsername) — put those in
 * cdk.context.json or pass them with --context —, `emailFrom`, `proofRetentionDays` (default 90), `throttle`
 * (object or JSON text of `THROTTLE_*` settings). Works offline without credentials for synth.
 */
const app = new App();
const list = (key: string): string[] | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value.trim() !== '' ? value.split(',').map((v) => v.trim()) : undefined;
};
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? process.env.PROOFLINE_STAGE ?? 'dev';

new ProoflineStack(app, `Proofline-${stage}`, {
  description: `Proofline identity journeys (${stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  corsOrigins: list('corsOrigins'),
  realms: list('realms'),
  legacyUsersRealm: app.node.tryGetContext('legacyUsersRealm') as string | undefined,
  alarmTopicArn: app.node.tryGetContext('alarmTopicArn') as string | undefined,
  idemia: app.node.tryGetContext('idemia') as IdemiaSettings | undefined,
  iproov: app.node.tryGetContext('iproov') as IproovSettings | undefined,
  emailFrom: app.node.tryGetContext('emailFrom') as string | undefined,
  throttle: throttleSettings(app.node.tryGetContext('throttle')),
  proofRetentionDays: app.node.tryGetContext('proofRetentionDays')
    ? Number(app.node.tryGetContext('proofRetentionDays'))
    : undefined,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
