import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_FAMILIES } from '../../../functions/contract/families.js';
import { listJourneyFiles } from '../../../functions/engine/asl.js';
import { type JourneyGraph, lintJourney as lintWith } from '../../../functions/engine/lint.js';
import { NODE_LOOKUP } from '../../../functions/nodes/registry.js';
import {
  API_GATEWAY_TIMEOUT_SECONDS,
  STEP_TIMEOUT_SECONDS,
  stepTimeouts,
} from '../../../functions/shared/timeouts.js';
import { TABLES } from '../../../functions/store/tables.js';
import type { ProoflineStack } from '../../../infra/cloud/proofline-stack.js';
import { synthesizeApp } from './synth.js';

const lintJourney = (journey: string, definition: Parameters<typeof lintWith>[1]): JourneyGraph =>
  lintWith(journey, definition, NODE_LOOKUP);

const journeys = listJourneyFiles();
const families = Object.entries(NODE_FAMILIES);
/** Construct id of a node family's function: `identity` → `IdentityNodesFunction`. */
const nodeFunctionId = (family: string): string =>
  `${family[0]?.toUpperCase()}${family.slice(1)}NodesFunction`;
/** The node families a journey's Task states run in. */
const familiesOf = (journey: (typeof journeys)[number]): string[] => [
  ...new Set(lintJourney(journey.journey, journey.definition).nodes.map((n) => n.family)),
];

/** The test configuration (infra/cloud/test-config.json): every journey, both vendors. */
const synthesize = (configure?: (stack: ProoflineStack) => void) => synthesizeApp(undefined, configure);

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

  it('keeps the users table on stack deletion, and only it by default', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    for (const table of TABLES) {
      const logicalId = stack.getLogicalId(stack.tables[table.id].node.defaultChild as never);
      expect(tables[logicalId]?.DeletionPolicy, table.id).toBe(table.id === 'Users' ? 'Retain' : 'Delete');
    }
  });

  it('runs every function on Node.js 22, arm64, with X-Ray and a log group with retention', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    // One per node family, the API, the webhooks, the OpenID Provider and the hosted pages.
    expect(Object.keys(functions)).toHaveLength(Object.keys(NODE_FAMILIES).length + 4);
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

  it('sizes node functions for scrypt and the API within API Gateway’s 30 s', () => {
    const fn = (id: string) => stack.functions[id]!.node.defaultChild as never;
    const functions = template.findResources('AWS::Lambda::Function');
    for (const [family] of families) {
      expect(functions[stack.getLogicalId(fn(nodeFunctionId(family)))]?.Properties).toMatchObject({
        MemorySize: 1024,
        Timeout: 20,
      });
    }
    expect(functions[stack.getLogicalId(fn('ApiFunction'))]?.Properties).toMatchObject({ Timeout: 29 });
  });

  it('nests every timeout in the step budget, and hands the budget to the functions that lease steps', () => {
    const fn = (id: string) => stack.functions[id]!.node.defaultChild as never;
    const functions = template.findResources('AWS::Lambda::Function');
    const props = (id: string) => functions[stack.getLogicalId(fn(id))]?.Properties;
    const nodeTimeout = props(nodeFunctionId('identity')).Timeout as number;
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const machineTimeouts = machines.map(
      (m) =>
        (JSON.parse(m.Properties.DefinitionString as string) as { TimeoutSeconds?: number }).TimeoutSeconds,
    );

    expect(machineTimeouts).toEqual(journeys.map(() => STEP_TIMEOUT_SECONDS));
    expect(nodeTimeout).toBeLessThan(STEP_TIMEOUT_SECONDS);
    for (const id of ['ApiFunction', 'WebhookFunction']) {
      expect(props(id).Timeout).toBeGreaterThan(STEP_TIMEOUT_SECONDS);
      expect(props(id).Timeout).toBeLessThan(API_GATEWAY_TIMEOUT_SECONDS);
      expect(props(id).Environment.Variables.STEP_TIMEOUT_SECONDS).toBe(String(STEP_TIMEOUT_SECONDS));
    }
    expect(stepTimeouts().leaseSeconds).toBeGreaterThan(STEP_TIMEOUT_SECONDS);
    expect(() => stepTimeouts(API_GATEWAY_TIMEOUT_SECONDS)).toThrow(/STEP_TIMEOUT_SECONDS must be/);
  });

  it('makes one EXPRESS state machine per journey, logging without execution data to a vended log group', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', journeys.length);
    for (const journey of journeys) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: `Proofline-test-${journey.journey}`,
        StateMachineType: 'EXPRESS',
        LoggingConfiguration: Match.objectLike({ Level: 'ERROR', IncludeExecutionData: false }),
        // Only the functions its Task states name.
        DefinitionSubstitutions: Object.fromEntries(
          familiesOf(journey).map((family) => [
            NODE_FAMILIES[family as keyof typeof NODE_FAMILIES].substitution,
            { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${nodeFunctionId(family)}`), 'Arn'] },
          ]),
        ),
      });
      // Vended logs: no CloudWatch Logs resource policy entry per log group (its size limit breaks deploys).
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/vendedlogs/states/Proofline-test-${journey.journey}`,
      });
    }
  });

  it('gives each node family only its tables, and each vendor family its own secret from Secrets Manager', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const policyOf = (name: string): string =>
      JSON.stringify(policies.find(([id]) => id.startsWith(name))?.[1]);
    const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
      stack.getLogicalId(construct.node.defaultChild as never);
    const ipaTable = logicalId(stack.tables.IpaSessions);
    const claimsTable = logicalId(stack.tables.IproovClaims);
    const idemiaSecret = logicalId(stack.vendors.idemiaSecret!);
    const iproovSecret = logicalId(stack.vendors.iproovSecret!);
    expect(policyOf('IdentityNodesFunctionServiceRole')).not.toContain(ipaTable);
    expect(policyOf('IdentityNodesFunctionServiceRole')).not.toContain(claimsTable);
    expect(policyOf('IdentityNodesFunctionServiceRole')).not.toContain('secretsmanager:');
    expect(policyOf('IdemiaNodesFunctionServiceRole')).toContain(ipaTable);
    expect(policyOf('IdemiaNodesFunctionServiceRole')).not.toContain(claimsTable);
    expect(policyOf('IdemiaNodesFunctionServiceRole')).toContain(idemiaSecret);
    expect(policyOf('IdemiaNodesFunctionServiceRole')).not.toContain(iproovSecret);
    expect(policyOf('IproovNodesFunctionServiceRole')).toContain(claimsTable);
    expect(policyOf('IproovNodesFunctionServiceRole')).not.toContain(ipaTable);
    expect(policyOf('IproovNodesFunctionServiceRole')).toContain(iproovSecret);
    expect(policyOf('IproovNodesFunctionServiceRole')).not.toContain(idemiaSecret);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          IPROOV_SECRET_ARN: Match.anyValue(),
          PUBLIC_BASE_URL: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          IDEMIA_SECRET_ARN: Match.anyValue(),
          PUBLIC_BASE_URL: Match.anyValue(),
        }),
      },
    });
    // The vendors' two, and the OpenID Provider's keys and the test configuration's one confidential client.
    template.resourceCountIs('AWS::SecretsManager::Secret', 4);
  });

  it('keeps IDEMIA proofs in a KMS-encrypted, private, TLS-only bucket that expires them; only IDEMIA writes', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })],
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const writers = policies.filter(([, p]) => JSON.stringify(p).includes('s3:PutObject')).map(([id]) => id);
    expect(writers).toHaveLength(1);
    expect(writers[0]).toMatch(/^IdemiaNodesFunctionServiceRole/);
    expect(JSON.stringify(policies.find(([id]) => id === writers[0]))).not.toMatch(/s3:(Get|Delete)/);
  });

  it('encrypts proofs with the stack’s own key, named in each PutObject; the bucket refuses any other key', () => {
    const keyId = stack.getLogicalId(stack.vendors.proofKey!.node.defaultChild as never);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Condition: {
              StringNotEquals: {
                's3:x-amz-server-side-encryption-aws-kms-key-id': { 'Fn::GetAtt': [keyId, 'Arn'] },
              },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROOF_BUCKET: Match.anyValue(),
          PROOF_KMS_KEY_ARN: { 'Fn::GetAtt': [keyId, 'Arn'] },
        }),
      },
    });
  });

  it('lets the IDEMIA function publish SMS only: every SNS topic is denied', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const publishers = policies.filter(([, p]) => JSON.stringify(p).includes('sns:Publish'));
    expect(publishers.map(([id]) => id)).toEqual([expect.stringMatching(/^IdemiaNodesFunctionServiceRole/)]);
    const statements = publishers[0]?.[1].Properties.PolicyDocument.Statement as Array<
      Record<string, unknown>
    >;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sns:Publish',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:*']] },
        }),
      ]),
    );
  });

  it('grants each function exactly the DynamoDB actions its code calls, per table and index (grants.ts)', () => {
    const tableIds = Object.fromEntries(
      TABLES.map((t) => [stack.getLogicalId(stack.tables[t.id].node.defaultChild as never), t.id]),
    );
    /** `{table or table/index/name: sorted actions}` of a function's role. */
    const dynamoGrants = (functionId: string): Record<string, string[]> => {
      const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
        id.startsWith(`${functionId}ServiceRoleDefaultPolicy`),
      )!;
      const grants: Record<string, string[]> = {};
      for (const st of policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>) {
        const actions = ([] as string[]).concat(st.Action as string | string[]);
        if (!actions.some((a) => a.startsWith('dynamodb:'))) continue;
        expect(st.Effect).toBe('Allow');
        const resource = JSON.stringify(st.Resource);
        const table = tableIds[/"([A-Za-z0-9]+Table[A-Z0-9]+)"/.exec(resource)?.[1] ?? ''];
        const index = /\/index\/([A-Za-z*]+)/.exec(resource)?.[1];
        expect(table, resource).toBeDefined();
        grants[index ? `${table}/index/${index}` : String(table)] = actions.map((a) => a.slice(9)).sort();
      }
      return grants;
    };
    expect(dynamoGrants('ApiFunction')).toEqual({
      Transactions: ['GetItem', 'PutItem', 'UpdateItem'],
      Sessions: ['DeleteItem', 'GetItem', 'PutItem'],
      Users: ['GetItem'],
    });
    expect(dynamoGrants('WebhookFunction')).toEqual({
      Transactions: ['GetItem', 'PutItem', 'UpdateItem'],
      IpaSessions: ['GetItem', 'PutItem', 'UpdateItem'],
      IproovClaims: ['GetItem', 'UpdateItem'],
    });
    expect(dynamoGrants('IdentityNodesFunction')).toEqual({
      Users: ['BatchGetItem', 'ConditionCheckItem', 'GetItem', 'PutItem', 'UpdateItem'],
      Attempts: ['BatchGetItem', 'DeleteItem', 'PutItem', 'UpdateItem'],
    });
    expect(dynamoGrants('IdemiaNodesFunction')).toEqual({
      Users: ['GetItem', 'UpdateItem'],
      IpaSessions: ['GetItem', 'PutItem', 'UpdateItem'],
      'IpaSessions/index/byUser': ['Query'],
      Attempts: ['BatchGetItem', 'UpdateItem'],
    });
    expect(dynamoGrants('IproovNodesFunction')).toEqual({
      Users: ['GetItem', 'UpdateItem'],
      IproovClaims: ['GetItem', 'PutItem'],
      Attempts: ['UpdateItem'],
    });
    expect(dynamoGrants('OidcFunction')).toEqual({
      Oidc: ['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem'],
      'Oidc/index/byUid': ['Query'],
      'Oidc/index/byGrant': ['Query'],
      Sessions: ['DeleteItem', 'GetItem'],
      Users: ['GetItem'],
      Attempts: ['GetItem'],
    });
  });

  it('lets the webhook function invoke itself (resumes after answering the vendor), and nothing else', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'Proofline-test-webhooks' });
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const invokers = policies.filter(([, p]) =>
      JSON.stringify(p).includes(':function:Proofline-test-webhooks'),
    );
    expect(invokers.map(([id]) => id)).toEqual([expect.stringMatching(/^WebhookFunctionServiceRole/)]);
    expect(JSON.stringify(invokers[0]?.[1])).toContain('lambda:InvokeFunction');
  });

  it('lets the webhook function start only the journeys that wait for a vendor event (from the journey graphs)', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const [, webhookPolicy] = policies.find(([id]) =>
      id.startsWith('WebhookFunctionServiceRoleDefaultPolicy'),
    )!;
    const started = (webhookPolicy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .filter((st) =>
        ([] as string[]).concat(st.Action as string | string[]).includes('states:StartSyncExecution'),
      )
      .flatMap((st) => ([] as unknown[]).concat(st.Resource))
      .map((resource) => JSON.stringify(resource));
    const waiting = journeys
      .filter((journey) =>
        lintJourney(journey.journey, journey.definition).nodes.some(
          (node) => node.suspends && (node.family === 'idemia' || node.family === 'iproov'),
        ),
      )
      .map((journey) => journey.journey)
      .sort();
    expect(waiting).toEqual(['IProovLogin', 'IdentityProofing']);
    const machineIds = Object.fromEntries(
      journeys.map(({ journey }) => [
        stack.getLogicalId(stack.stateMachines[journey]!.node.defaultChild as never),
        journey,
      ]),
    );
    const startedJourneys = started
      .map((resource) => machineIds[/"Ref":"([A-Za-z0-9]+)"/.exec(resource)?.[1] ?? ''])
      .sort();
    expect(startedJourneys).toEqual(waiting);
  });

  it("lets each vendor's function read its secret's value only (no DescribeSecret)", () => {
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    const readers = policies.filter(([, p]) => JSON.stringify(p).includes('secretsmanager:'));
    expect(readers.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^IdemiaNodesFunctionServiceRole/),
      expect.stringMatching(/^IproovNodesFunctionServiceRole/),
      expect.stringMatching(/^OidcFunctionServiceRole/),
    ]);
    const actionsOf = (policy: (typeof readers)[number][1]) =>
      (policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>).flatMap((st) =>
        ([] as string[])
          .concat(st.Action as string | string[])
          .filter((a) => a.startsWith('secretsmanager:')),
      );
    for (const [id, policy] of readers) {
      if (id.startsWith('Oidc')) continue;
      expect(actionsOf(policy)).toEqual(['secretsmanager:GetSecretValue']);
    }
  });

  it("lets the OpenID Provider write its own keys secret only, and read its clients' secrets", () => {
    const [, policy] = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('OidcFunctionServiceRole'),
    ) as [string, { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }];
    const statements = policy.Properties.PolicyDocument.Statement.filter((st) =>
      JSON.stringify(st.Action).includes('secretsmanager:'),
    );
    const writers = statements.filter((st) => JSON.stringify(st.Action).includes('PutSecretValue'));
    expect(writers).toHaveLength(1);
    expect(JSON.stringify(writers[0]?.Resource)).toContain('OidcKeys');
    for (const st of statements) expect(JSON.stringify(st.Action)).not.toContain('DescribeSecret');
    // No secret value in the template: the keys secret starts empty, client secrets are generated.
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    for (const [id, secret] of Object.entries(secrets)) {
      if (id.startsWith('OidcClientSecret')) expect(secret.Properties.GenerateSecretString).toBeDefined();
      if (id.startsWith('OidcKeys')) expect(secret.Properties.SecretString).toBe('{}');
    }
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('OIDC_KEYS_SECRET_ARN'),
    );
    expect(JSON.stringify(fn)).not.toContain('client_secret');
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

  it('lets each state machine invoke only the node functions its ASL names, and the API start sync executions', () => {
    const logicalIdOf = (family: string): string =>
      stack.getLogicalId(stack.functions[nodeFunctionId(family)]!.node.defaultChild as never);
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
    for (const journey of journeys) {
      const roleId = stack.getLogicalId(
        stack.stateMachines[journey.journey]!.role.node.defaultChild as never,
      );
      const statements = policies
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
        .filter((st) => JSON.stringify(st.Action).includes('lambda:InvokeFunction'));
      const invoked = JSON.stringify(statements);
      for (const [family] of families) {
        if (familiesOf(journey).includes(family))
          expect(invoked, journey.journey).toContain(logicalIdOf(family));
        else expect(invoked, journey.journey).not.toContain(logicalIdOf(family));
      }
      // The functions' unqualified ARNs only: no versions or aliases (`:*`).
      expect(invoked).not.toContain(':*');
    }
    expect(
      policies.some(
        ([id, p]) =>
          id.startsWith('ApiFunctionServiceRole') && JSON.stringify(p).includes('states:StartSyncExecution'),
      ),
    ).toBe(true);
  });

  it("gives the API function the journeys' ARNs and the realms", () => {
    const apiFunction = stack.functions.ApiFunction!.node.defaultChild as never;
    const arns = JSON.stringify(
      template.findResources('AWS::Lambda::Function')[stack.getLogicalId(apiFunction)]?.Properties.Environment
        .Variables.STATE_MACHINE_ARNS,
    );
    for (const { journey } of journeys) {
      const machine = stack.stateMachines[journey]!.node.defaultChild as never;
      expect(arns).toContain(`\\"${journey}\\":\\"`);
      expect(arns).toContain(`{"Ref":"${stack.getLogicalId(machine)}"}`);
    }
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
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /webhooks/idemia/{proxy+}',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /webhooks/iproov/{proxy+}',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.proofline.example'],
        AllowCredentials: true,
      }),
    });
  });

  it('alarms on API 5XX, failed executions and function errors', () => {
    // API 5XX, one per journey, one per function (node families, API, webhooks, OpenID Provider, pages).
    template.resourceCountIs(
      'AWS::CloudWatch::Alarm',
      1 + journeys.length + Object.keys(NODE_FAMILIES).length + 4,
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
      stack.functions.ApiFunction!.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }),
      ),
    );

    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
  }, 120_000);

  it('acknowledges findings only where they were reviewed, not stack-wide', () => {
    // The same finding ids as acknowledged elsewhere (IAM5 Resource::*, APIG4), on constructs added later.
    const { app } = synthesize((stack) => {
      new Role(stack, 'LaterRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
        new PolicyStatement({ actions: ['dynamodb:DeleteTable'], resources: ['*'] }),
      );
      stack.api.addRoutes({
        path: '/admin/{proxy+}',
        methods: [HttpMethod.POST],
        integration: new HttpLambdaIntegration('LaterIntegration', stack.functions.ApiFunction!),
      });
    });

    let report = '';
    try {
      app.synth();
    } catch (error) {
      report = String(error);
    }
    expect(report).toContain('Proofline-test/LaterRole/DefaultPolicy/Resource');
    expect(report).toContain("'AwsSolutions::AwsSolutions-IAM5[Resource::*]'");
    expect(report).toContain('Proofline-test/Api/Api/POST--admin--{proxy+}/Resource');
    expect(report).toContain("'AwsSolutions::AwsSolutions-APIG4'");
    // The reviewed constructs stay acknowledged.
    expect(report).not.toContain('ApiFunction/ServiceRole');
    expect(report).not.toContain('POST--json--');
  }, 120_000);
});
