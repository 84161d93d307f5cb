import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { listJourneyFiles } from '../../../functions/engine/asl.js';
import { NODE_FAMILIES } from '../../../functions/nodes/families.js';
import { TABLES } from '../../../functions/store/tables.js';
import { ProoflineStack } from '../../../infra/cloud/proofline-stack.js';

const journeys = listJourneyFiles();

function synthesize(configure?: (stack: ProoflineStack) => void): { app: App; stack: ProoflineStack } {
  const app = new App({
    outdir: join(tmpdir(), `proofline-cdk-${process.pid}-${Math.random().toString(36).slice(2)}`),
  });
  const stack = new ProoflineStack(app, 'Proofline-test', { corsOrigins: ['https://app.example.com'] });
  configure?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

describe('ProoflineStack', () => {
  let template: Template;
  let stack: ProoflineStack;

  beforeAll(() => {
    ({ stack } = synthesize());
    template = Template.fromStack(stack);
  }, 120_000);

  it('creates one table per definition: on demand, PITR, TTL, GSIs', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLES.length);
    for (const table of TABLES) {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [{ AttributeName: table.partitionKey.name, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [
          Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ],
        ...('timeToLiveAttribute' in table
          ? { TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true } }
          : {}),
        ...(table.globalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) =>
                Match.objectLike({ IndexName: index.indexName }),
              ),
            }
          : {}),
      });
    }
  });

  it('keeps the users table on stack deletion', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ GlobalSecondaryIndexes: Match.anyValue() }),
    });
  });

  it('runs every function on Node.js 22, arm64, with X-Ray and a log group with retention', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    // One per node family, the API and the webhooks.
    expect(Object.keys(functions)).toHaveLength(Object.keys(NODE_FAMILIES).length + 2);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() },
      });
    }
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toEqual(expect.any(Number));
    }
  });

  it('makes one EXPRESS state machine per journey, logging without execution data', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', journeys.length);
    for (const { journey } of journeys) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `Proofline-test-${journey}`,
        StateMachineType: 'EXPRESS',
        LoggingConfiguration: Match.objectLike({ Level: 'ERROR', IncludeExecutionData: false }),
        DefinitionSubstitutions: {
          [NODE_FAMILIES.identity.substitution]: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^IdentityNodesFunction'), 'Arn'],
          },
        },
      });
    }
  });

  it('gives each node family only its tables, and IDEMIA its secret from Secrets Manager', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const policyOf = (name: string): string =>
      JSON.stringify(policies.find(([id]) => id.startsWith(name))?.[1]);
    const ipaTable = stack.getLogicalId(stack.tables.IpaSessions.node.defaultChild as never);
    expect(policyOf('IdentityNodesFunctionServiceRole')).not.toContain(ipaTable);
    expect(policyOf('IdemiaNodesFunctionServiceRole')).toContain(ipaTable);
    expect(policyOf('IdemiaNodesFunctionServiceRole')).toContain('secretsmanager:GetSecretValue');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          IDEMIA_SECRET_ARN: Match.anyValue(),
          PUBLIC_BASE_URL: Match.anyValue(),
        }),
      },
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('substitutes every placeholder the ASL files use', () => {
    const substitutions = new Set(Object.values(NODE_FAMILIES).map((f) => f.substitution));
    for (const file of journeys) {
      const placeholders = [...readFileSync(file.path, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map(
        (m) => m[1],
      );
      expect(placeholders.length).toBeGreaterThan(0);
      for (const name of placeholders) expect(substitutions).toContain(name);
    }
  });

  it('lets each state machine invoke the node functions, and the API start sync executions', () => {
    const nodeFunction = stack.node.findChild('IdentityNodesFunction') as NodejsFunction;
    const nodeFunctionId = stack.getLogicalId(nodeFunction.node.defaultChild as never);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p));
    const machineRolePolicies = policies.filter((p) => p.includes('StateMachineRole'));
    expect(machineRolePolicies).toHaveLength(journeys.length);
    for (const policy of machineRolePolicies) {
      expect(policy).toContain('lambda:InvokeFunction');
      expect(policy).toContain(nodeFunctionId);
    }
    expect(
      policies.some((p) => p.includes('states:StartSyncExecution') && p.includes('ApiFunctionServiceRole')),
    ).toBe(true);
  });

  it("gives the API function the journeys' ARNs and the realms", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STATE_MACHINE_ARNS: Match.anyValue(),
          REALMS: 'alpha',
          TRANSACTIONS_TABLE: Match.anyValue(),
          USERS_TABLE: Match.anyValue(),
          SESSIONS_TABLE: Match.anyValue(),
        }),
      },
    });
  });

  it("routes AM's /json paths to the API function, throttled, access-logged, with CORS", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /json/{proxy+}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/{proxy+}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com'],
        AllowCredentials: true,
      }),
    });
  });

  it('alarms on API 5XX, failed executions and function errors', () => {
    // API 5XX, one per journey, one per function (node families, API, webhooks).
    template.resourceCountIs(
      'AWS::CloudWatch::Alarm',
      1 + journeys.length + Object.keys(NODE_FAMILIES).length + 2,
    );
  });

  it('outputs the API base URL and the table names', () => {
    expect(Object.keys(template.findOutputs('*'))).toEqual(
      expect.arrayContaining(['ApiUrl', 'UsersTableName', 'TransactionsTableName', 'SessionsTableName']),
    );
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('passes, with every accepted finding acknowledged with a reason', () => {
    const { app } = synthesize();

    expect(() => app.synth()).not.toThrow();
  }, 120_000);

  it('fails the synthesis on a new unacknowledged finding', () => {
    const { app } = synthesize((stack) =>
      (stack.node.findChild('ApiFunction') as NodejsFunction).addToRolePolicy(
        new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }),
      ),
    );

    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
  }, 120_000);
});
