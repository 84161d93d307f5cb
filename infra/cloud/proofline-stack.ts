import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Annotations,
  ArnFormat,
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
import type { JourneyFile } from '../../functions/engine/asl.js';
import { NODE_FAMILIES } from '../../functions/nodes/families.js';
import type { NodeFamily } from '../../functions/nodes/types.js';
import { stepTimeouts } from '../../functions/shared/timeouts.js';
import { type IndexDefinition, TABLES, type TableId } from '../../functions/store/tables.js';
import {
  API_TABLE_GRANTS,
  mergeGrants,
  NODE_TABLE_GRANTS,
  type TableGrants,
  WEBHOOK_TABLE_GRANTS,
} from './grants.js';
import { type IdemiaSettings, type IproovSettings, planJourneys } from './settings.js';

export type { IdemiaSettings, IproovSettings } from './settings.js';

/** The repository root: entry files, the lock file and the ASL files are resolved against it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Acknowledges a cdk-nag AwsSolutions finding (`rule`, e.g. `AwsSolutions-IAM5[Resource::*]`) on `scope` and the
 * constructs under it only, with the reason it is accepted. Scoped, never stack-wide: the same finding on a
 * construct added later still fails the synthesis until someone reviews and acknowledges it there.
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}

/**
 * What a bundle needs at run time to load argon2, which stays external (a native addon cannot be bundled): the
 * package's JS and only the Linux glibc prebuilds — arm64 for Lambda, x64 to load the asset on a development
 * machine — and its run-time dependencies. Nothing is installed or compiled: the prebuilds ship in argon2's
 * npm tarball (built for Node-API 10: Node 22.14+, which nodejs22.x provides), and node-gyp-build picks the
 * platform's one at run time. `node-addon-api` and `cross-env` serve only argon2's install script (a compile from
 * source), which the assets do not need.
 */
const ARGON2_RUNTIME_FILES: Readonly<Record<string, readonly string[]>> = {
  argon2: [
    'package.json',
    'argon2.cjs',
    'LICENSE',
    'prebuilds/linux-arm64/argon2.armv8.glibc.node',
    'prebuilds/linux-x64/argon2.glibc.node',
  ],
  'node-gyp-build': ['package.json', 'index.js', 'node-gyp-build.js', 'LICENSE'],
  '@phc/format': ['package.json', 'index.js', 'license'],
};
const ARGON2_BUILD_ONLY_DEPENDENCIES = ['node-addon-api', 'cross-env'];

/**
 * Shell commands (`mkdir`, `cp`: offline, no npm) copying ARGON2_RUNTIME_FILES from this checkout's
 * node_modules into `outputDir/node_modules`. Fails the synthesis if argon2 gained a run-time dependency not
 * listed, or a file is missing.
 */
function argon2CopyCommands(outputDir: string): string[] {
  const packageDir = (name: string, from: string): string =>
    dirname(createRequire(join(from, 'package.json')).resolve(`${name}/package.json`));
  const argon2Dir = packageDir('argon2', REPO_ROOT);
  const { dependencies = {} } = JSON.parse(readFileSync(join(argon2Dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const runtime = Object.keys(dependencies).filter((d) => !ARGON2_BUILD_ONLY_DEPENDENCIES.includes(d));
  const listed = Object.keys(ARGON2_RUNTIME_FILES).filter((name) => name !== 'argon2');
  if (runtime.sort().join() !== listed.sort().join()) {
    throw new Error(
      `argon2's run-time dependencies are ${runtime.join(', ')}; ARGON2_RUNTIME_FILES lists ${listed.join(', ')}`,
    );
  }
  const quote = (path: string): string => `'${path.replaceAll("'", "'\\''")}'`;
  return Object.entries(ARGON2_RUNTIME_FILES).flatMap(([name, files]) => {
    const from = name === 'argon2' ? argon2Dir : packageDir(name, argon2Dir);
    return files.flatMap((file) => {
      const source = join(from, file);
      if (!existsSync(source))
        throw new Error(`${source} is missing: the Lambda bundles need it to load argon2`);
      const target = join(outputDir, 'node_modules', name, file);
      return [`mkdir -p ${quote(dirname(target))}`, `cp ${quote(source)} ${quote(target)}`];
    });
  });
}

export interface ProoflineStackProps extends StackProps {
  /**
   * The journeys to deploy (names of `statemachines/<Journey>.asl.json`). A journey named here whose vendor is
   * not configured fails the synthesis.
   * @default - every journey whose vendors are configured; the others are left out with a warning
   */
  readonly journeys?: readonly string[];
  /**
   * The public URL of the pages people open (`UI_BASE_URL` of the functions): IDEMIA's "Continue on this device"
   * returns to `<uiBaseUrl>/`, and `successUrl` is `<uiBaseUrl>/`. Required once a deployed journey sends people
   * to a page.
   * @default - none: a journey that needs it fails the synthesis; `successUrl` is AM's `/enduser/?realm=/alpha`
   */
  readonly uiBaseUrl?: string;
  /**
   * Browser origins allowed to call the API with credentials (CORS).
   * @default - no CORS: only same-origin and non-browser clients
   */
  readonly corsOrigins?: readonly string[];
  /**
   * Realms served besides root.
   * @default ['alpha']
   */
  readonly realms?: readonly string[];
  /**
   * The realm users created before realms were isolated (no realm on their item) belong to (ADR 11).
   * @default 'alpha'
   */
  readonly legacyUsersRealm?: string;
  /**
   * IDEMIA IPA settings (seed 003's endpoint details, not secrets). The client secret and the GIPS-RS API key
   * go in the stack's `IdemiaSecret` (Secrets Manager) after deployment.
   * @default - IDEMIA not configured: journeys with IDEMIA nodes are not deployed
   */
  readonly idemia?: IdemiaSettings;
  /**
   * iProov service-provider settings (seed 000: tenant + `/api/v2`, API key, OAuth user). The API secret and
   * the OAuth password go in the stack's `IproovSecret` (Secrets Manager) after deployment.
   * @default - iProov not configured: journeys with iProov nodes are not deployed
   */
  readonly iproov?: IproovSettings;
  /**
   * Throttling limits of the node functions (`THROTTLE_*` settings, README "Lockout and throttling").
   * @default - the built-in defaults
   */
  readonly throttle?: Readonly<Record<string, string>>;
  /**
   * Sender address for emails to users (an SES verified identity).
   * @default - email delivery fails as misconfigured (a synth warning when a deployed journey may send email)
   */
  readonly emailFrom?: string;
  /**
   * SNS topic ARN that alarms notify.
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
  /**
   * What happens to the transactions and sessions tables when the stack is deleted (users are always retained).
   * @default RemovalPolicy.DESTROY
   */
  readonly ephemeralTablesRemovalPolicy?: RemovalPolicy;
  /**
   * How long IDEMIA proof archives are kept in the proof bucket (a lifecycle rule deletes them after).
   * @default 90
   */
  readonly proofRetentionDays?: number;
  /**
   * Log retention of every log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /** The journey files (tests). @default - `statemachines/*.asl.json` */
  readonly journeyFiles?: readonly JourneyFile[];
}

/**
 * Proofline on AWS: an HTTP API speaking AM's callbacks protocol, one EXPRESS state machine per journey
 * (from `statemachines/*.asl.json`), one Lambda per node family, DynamoDB tables from `TABLES`.
 */
export class ProoflineStack extends Stack {
  readonly tables: Record<TableId, TableV2>;
  readonly api: HttpApi;
  readonly stateMachines: Record<string, StateMachine>;

  constructor(scope: Construct, id: string, props: ProoflineStackProps = {}) {
    super(scope, id, props);
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const alarmTopic = props.alarmTopicArn
      ? Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
      : undefined;
    /** An alarm on any occurrence within 5 minutes, notifying the topic when there is one. */
    const alarmOn = (alarmId: string, metric: IMetric, alarmDescription: string): void => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription,
      });
      if (alarmTopic) created.addAlarmAction(new SnsAction(alarmTopic));
    };

    // Tables: from the same definitions the embedded runtime uses.
    this.tables = Object.fromEntries(
      TABLES.map((definition) => {
        const table = new TableV2(this, `${definition.id}Table`, {
          partitionKey: { name: definition.partitionKey.name, type: AttributeType.STRING },
          billing: Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: TableEncryptionV2.awsManagedKey(),
          deletionProtection: definition.id === 'Users',
          removalPolicy:
            definition.id === 'Users'
              ? RemovalPolicy.RETAIN
              : (props.ephemeralTablesRemovalPolicy ?? RemovalPolicy.DESTROY),
          ...('timeToLiveAttribute' in definition
            ? { timeToLiveAttribute: definition.timeToLiveAttribute }
            : {}),
          globalSecondaryIndexes: (definition.globalSecondaryIndexes as readonly IndexDefinition[]).map(
            (index) => ({
              indexName: index.indexName,
              partitionKey: { name: index.partitionKey.name, type: AttributeType.STRING },
              ...(index.sortKey ? { sortKey: { name: index.sortKey.name, type: AttributeType.STRING } } : {}),
            }),
          ),
        });
        return [definition.id, table];
      }),
    ) as Record<TableId, TableV2>;
    const tableEnvironment = Object.fromEntries(TABLES.map((t) => [t.envVar, this.tables[t.id].tableName]));

    const lambda = (
      functionId: string,
      entry: string,
      memorySize: number,
      timeout: Duration,
      wildcardReason?: string,
      functionName?: string,
      shipsArgon2 = false,
    ): NodejsFunction => {
      const logGroup = new LogGroup(this, `${functionId}Logs`, {
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const fn = new NodejsFunction(this, functionId, {
        ...(functionName ? { functionName } : {}),
        entry: resolve(REPO_ROOT, entry),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        memorySize,
        timeout,
        tracing: Tracing.ACTIVE,
        logGroup,
        environment: {
          ...tableEnvironment,
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'proofline',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          // Every function that reads users must place legacy users in the same realm.
          ...(props.legacyUsersRealm ? { LEGACY_USERS_REALM: props.legacyUsersRealm } : {}),
        },
        bundling: {
          forceDockerBundling: false,
          minify: true,
          sourceMap: true,
          target: 'node22',
          format: OutputFormat.ESM,
          // The AWS SDK is bundled (pinned by our lock file, tree-shaken), not taken from the runtime. argon2 is
          // a native addon: never bundled, copied beside the bundle for the functions that hash passwords.
          externalModules: ['argon2'],
          ...(shipsArgon2
            ? {
                commandHooks: {
                  beforeBundling: () => [],
                  beforeInstall: () => [],
                  afterBundling: (_inputDir: string, outputDir: string) => argon2CopyCommands(outputDir),
                },
              }
            : {}),
          mainFields: ['module', 'main'],
          banner:
            "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
      });
      alarmOn(
        `${functionId}Errors`,
        fn.metricErrors({ period: Duration.minutes(5) }),
        `${functionId} threw errors`,
      );
      acknowledgeNag(
        fn,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'The AWS-managed basic execution role only lets the function write its own logs.',
      );
      acknowledgeNag(
        fn,
        'AwsSolutions-L1',
        'Node.js 22 is the runtime Proofline targets and tests (nodejs22.x on arm64).',
      );
      acknowledgeNag(
        fn,
        'AwsSolutions-IAM5[Resource::*]',
        wildcardReason ?? 'X-Ray (active tracing) takes no resource-level permissions: xray:PutTrace* on *.',
      );
      return fn;
    };
    /**
     * The table grants of one function (`grants.ts`): one statement per table with exactly the actions its code
     * calls, on the table's ARN, and one per index it queries, on that index's ARN (no wildcards).
     */
    const grantTables = (fn: NodejsFunction, grants: TableGrants): void => {
      for (const [id, access] of Object.entries(grants) as Array<
        [TableId, NonNullable<TableGrants[TableId]>]
      >) {
        const table = this.tables[id];
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: access.actions.map((action) => `dynamodb:${action}`),
            resources: [table.tableArn],
          }),
        );
        for (const [index, actions] of Object.entries(access.indexes ?? {})) {
          const definition = TABLES.find((t) => t.id === id);
          const known = (definition?.globalSecondaryIndexes ?? []) as readonly IndexDefinition[];
          if (!known.some((i) => i.indexName === index))
            throw new Error(`grants.ts names index ${index}, which table ${id} does not have`);
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: actions.map((action) => `dynamodb:${action}`),
              resources: [`${table.tableArn}/index/${index}`],
            }),
          );
        }
      }
    };

    // Every timeout, and the lease on a claimed step, from one step budget (functions/shared/timeouts.ts).
    const timeouts = stepTimeouts();

    // Which journeys deploy (ADR 13): those selected whose vendors are configured; the families and vendors they
    // use decide which functions, secrets, webhooks and buckets exist.
    const plan = planJourneys(props, props.journeyFiles);
    for (const { journey, missing } of plan.leftOut) {
      Annotations.of(this).addWarningV2(
        `proofline:journey-left-out:${journey}`,
        `Journey ${journey} is not deployed: it needs ${missing.join(' and ')}, not configured (the "${missing.join('" and "')}" setting${missing.length > 1 ? 's' : ''}).`,
      );
    }
    const uses = (vendor: 'idemia' | 'iproov'): boolean => plan.vendors.includes(vendor);
    const uiEnvironment: Record<string, string> = props.uiBaseUrl
      ? { UI_BASE_URL: props.uiBaseUrl.replace(/\/$/, '') }
      : {};

    // One function per node family the deployed journeys use, each with the table grants of its nodes.
    const nodeFunctions: Partial<Record<NodeFamily, NodejsFunction>> = {};
    for (const family of plan.families) {
      const fn = lambda(
        `${family[0]?.toUpperCase()}${family.slice(1)}NodesFunction`,
        NODE_FAMILIES[family].entry,
        1024,
        Duration.seconds(timeouts.nodeFunctionSeconds),
        family === 'idemia'
          ? 'X-Ray (active tracing) takes no resource-level permissions, nor does sns:Publish to phone numbers (the IPA link by SMS): both on *.'
          : undefined,
        undefined,
        true,
      );
      grantTables(fn, NODE_TABLE_GRANTS[family]);
      for (const [name, value] of Object.entries({ ...props.throttle, ...uiEnvironment }))
        fn.addEnvironment(name, value);
      nodeFunctions[family] = fn;
    }
    const idemiaFunction = nodeFunctions.idemia;
    const iproovFunction = nodeFunctions.iproov;

    // One EXPRESS state machine per deployed journey, from its ASL file (linted by the plan: a broken journey
    // does not deploy), allowed to invoke only the node functions its Task states name.
    this.stateMachines = {};
    for (const { file, families: journeyFamilies } of plan.journeys) {
      const logGroup = new LogGroup(this, `${file.journey}ExecutionLogs`, {
        // Vended logs: Step Functions' log delivery then needs no CloudWatch Logs resource policy entry per group
        // (that policy's 5120-character limit breaks deploys past a few machines).
        logGroupName: `/aws/vendedlogs/states/${this.stackName}-${file.journey}`,
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const invoked = journeyFamilies.map((family) => {
        const fn = nodeFunctions[family];
        if (!fn) throw new Error(`${file.journey} runs nodes of family ${family}, which has no function`);
        return [family, fn] as const;
      });
      const machine = new StateMachine(this, `${file.journey}StateMachine`, {
        stateMachineName: `${this.stackName}-${file.journey}`,
        stateMachineType: StateMachineType.EXPRESS,
        // The step budget as the machine's TimeoutSeconds (the `timeout` prop applies to CDK-built definitions
        // only, not to a file's).
        definitionBody: DefinitionBody.fromString(
          JSON.stringify({ ...file.definition, TimeoutSeconds: timeouts.stepSeconds }),
        ),
        definitionSubstitutions: Object.fromEntries(
          invoked.map(([family, fn]) => [NODE_FAMILIES[family].substitution, fn.functionArn]),
        ),
        // Execution data carries passwords and profile data: never logged.
        logs: { destination: logGroup, level: LogLevel.ERROR, includeExecutionData: false },
        tracingEnabled: true,
      });
      // A definition from a file derives no grants: the machine may invoke the functions its ASL names, by their
      // unqualified ARN (the ASL names no version or alias).
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: invoked.map(([, fn]) => fn.functionArn),
        }),
      );
      acknowledgeNag(
        machine,
        'AwsSolutions-IAM5[Resource::*]',
        'Step Functions log delivery (logs:*LogDelivery, logs:PutResourcePolicy, …) and X-Ray take no resource-level permissions.',
      );
      acknowledgeNag(
        machine,
        'AwsSolutions-SF1',
        'Express executions log at ERROR level without execution data: ALL would log every state of every step (cost at scale, and the data carries passwords); failures are what operators need.',
      );
      alarmOn(
        `${file.journey}ExecutionsFailed`,
        machine.metricFailed({ period: Duration.minutes(5) }),
        `${file.journey} executions failed`,
      );
      this.stateMachines[file.journey] = machine;
    }

    // The callbacks API.
    const apiFunction = lambda(
      'ApiFunction',
      'functions/api/handler.ts',
      512,
      Duration.seconds(timeouts.apiFunctionSeconds),
    );
    const stateMachineArns = this.toJsonString(
      Object.fromEntries(Object.entries(this.stateMachines).map(([j, m]) => [j, m.stateMachineArn])),
    );
    apiFunction.addEnvironment('STATE_MACHINE_ARNS', stateMachineArns);
    // The lease on a claimed step is derived from the same budget as the machines' TimeoutSeconds.
    apiFunction.addEnvironment('STEP_TIMEOUT_SECONDS', String(timeouts.stepSeconds));
    apiFunction.addEnvironment('REALMS', (props.realms ?? ['alpha']).join(','));
    // successUrl: the UI's root page.
    for (const [name, value] of Object.entries(uiEnvironment)) apiFunction.addEnvironment(name, value);
    grantTables(apiFunction, API_TABLE_GRANTS);
    for (const machine of Object.values(this.stateMachines)) machine.grantStartSyncExecution(apiFunction);

    this.api = new HttpApi(this, 'Api', {
      apiName: `${this.stackName}-api`,
      createDefaultStage: false,
      ...(props.corsOrigins && props.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              allowCredentials: true,
              allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
              allowHeaders: [
                'Content-Type',
                'Accept-API-Version',
                'X-Requested-With',
                'X-Requested-Platform',
                'iPlanetDirectoryPro',
              ],
              maxAge: Duration.minutes(10),
            },
          }
        : {}),
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'ApiDefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 1000, burstLimit: 2000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No query strings, bodies or headers: ids and timings only.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', apiFunction);
    // One greedy route: the handler routes AM's paths itself (trailing slashes included, as the ForgeRock SDK
    // posts to `…/sessions/?_action=logout`) and answers unknown ones in AM's error shape.
    const acknowledgeNoAuthorizer = (routes: readonly HttpRoute[], reason: string): void => {
      for (const route of routes) acknowledgeNag(route, 'AwsSolutions-APIG4', reason);
    };
    acknowledgeNoAuthorizer(
      this.api.addRoutes({ path: '/json/{proxy+}', methods: [HttpMethod.POST], integration }),
      'The callbacks API is the authentication endpoint itself: it cannot require prior authorization. Sessions are checked by the handler (iPlanetDirectoryPro).',
    );

    // Vendor webhooks, only for the vendors the deployed journeys use: record notifications and resume waiting
    // journeys. Named, so that it may invoke itself (asynchronously, to resume journeys after answering the
    // vendor) without a dependency cycle between the function and its role's policy.
    if (plan.vendors.length > 0) {
      const webhookFunctionName = `${this.stackName}-webhooks`.slice(0, 64);
      const webhookFunction = lambda(
        'WebhookFunction',
        'functions/webhooks/handler.ts',
        512,
        Duration.seconds(timeouts.apiFunctionSeconds),
        undefined,
        webhookFunctionName,
      );
      webhookFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [
            this.formatArn({
              service: 'lambda',
              resource: 'function',
              resourceName: webhookFunctionName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      webhookFunction.addEnvironment('STATE_MACHINE_ARNS', stateMachineArns);
      webhookFunction.addEnvironment('STEP_TIMEOUT_SECONDS', String(timeouts.stepSeconds));
      for (const [name, value] of Object.entries(uiEnvironment)) webhookFunction.addEnvironment(name, value);
      // The IDEMIA handler is enabled by its application id: set only when IDEMIA is in use.
      if (uses('idemia') && props.idemia)
        webhookFunction.addEnvironment('IDEMIA_APPLICATION_ID', props.idemia.applicationId);
      grantTables(
        webhookFunction,
        mergeGrants(WEBHOOK_TABLE_GRANTS.resume, ...plan.vendors.map((v) => WEBHOOK_TABLE_GRANTS.vendors[v])),
      );
      // Webhooks resume only journeys waiting for a vendor's event: the machines of journeys with such a node.
      for (const { file, vendorEventNodes } of plan.journeys) {
        const machine = this.stateMachines[file.journey];
        if (machine && vendorEventNodes.length > 0) machine.grantStartSyncExecution(webhookFunction);
      }
      const webhookIntegration = new HttpLambdaIntegration('WebhookIntegration', webhookFunction);
      for (const vendor of plan.vendors) {
        acknowledgeNoAuthorizer(
          this.api.addRoutes({
            path: `/webhooks/${vendor}/{proxy+}`,
            methods: [HttpMethod.POST],
            integration: webhookIntegration,
          }),
          'Vendors call webhooks without AWS credentials or tokens: each notification is authenticated by the handler with the per-session secret key in its URL (only its hash is stored, compared in constant time) and the application id.',
        );
      }
    }

    /**
     * A vendor's secrets in Secrets Manager (a JSON object of variable names, laid over the environment at cold
     * start), readable by that vendor's node function only, which also learns the public base URL its webhooks
     * and links are built on. The vendor issues and rotates the credentials: no rotation Lambda.
     */
    const vendorSecret = (
      id: string,
      fn: NodejsFunction,
      arnVariable: string,
      description: string,
    ): Secret => {
      const secret = new Secret(this, id, { description, secretObjectValue: {} });
      acknowledgeNag(
        secret,
        'AwsSolutions-SMG4',
        `${description}: credentials issued by the vendor, rotated in its portal and then stored here; there is no rotation Lambda to write.`,
      );
      // GetSecretValue only (what Powertools' SecretsProvider calls): grantRead would add DescribeSecret.
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
      );
      fn.addEnvironment(arnVariable, secret.secretArn);
      fn.addEnvironment('PUBLIC_BASE_URL', this.api.apiEndpoint);
      return secret;
    };

    // IDEMIA: endpoint details as environment, the two secrets in Secrets Manager.
    if (idemiaFunction && props.idemia) {
      const idemiaSecret = vendorSecret(
        'IdemiaSecret',
        idemiaFunction,
        'IDEMIA_SECRET_ARN',
        'IDEMIA IPA secrets: JSON {"IDEMIA_CLIENT_SECRET": "…", "IDEMIA_GIPS_API_KEY": "…"}',
      );
      new CfnOutput(this, 'IdemiaSecretArn', { value: idemiaSecret.secretArn });
      // The IPA link by email (SES v2, from a verified identity) and by SMS (SNS publishes to phone numbers,
      // which have no ARN).
      if (props.emailFrom) idemiaFunction.addEnvironment('MESSAGING_EMAIL_FROM', props.emailFrom);
      else
        Annotations.of(this).addWarningV2(
          'proofline:no-email-from',
          'emailFrom is not set: IDEMIA nodes cannot send the IPA link by email (the EMAIL delivery fails).',
        );
      idemiaFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
        }),
      );
      // sns:Publish is for SMS only: phone numbers have no ARN (hence `*`), and every topic ARN is denied.
      idemiaFunction.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
      idemiaFunction.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: ['sns:Publish'],
          resources: [`arn:${this.partition}:sns:*:*:*`],
        }),
      );
      const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
      const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
      acknowledgeNag(
        idemiaFunction,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:${region}:${account}:identity/*]`,
        'Email to users may be sent from any verified SES identity of the account (the sender is configuration).',
      );
      // IDEMIA proof archives: encrypted with the stack's own KMS key (rotated), TLS only, never public, deleted
      // by a lifecycle rule after the retention period. The IDEMIA function may only write them, naming the key.
      const proofKey = new Key(this, 'ProofKey', {
        description: 'Proofline: encrypts IDEMIA proof archives',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const proofBucket = new Bucket(this, 'ProofBucket', {
        encryption: BucketEncryption.KMS,
        encryptionKey: proofKey,
        bucketKeyEnabled: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        lifecycleRules: [
          {
            expiration: Duration.days(props.proofRetentionDays ?? 90),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // Objects encrypted with any other key, or none named (the bucket default would apply), are refused.
      proofBucket.addToResourcePolicy(
        new PolicyStatement({
          sid: 'DenyOtherKeys',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['s3:PutObject'],
          resources: [proofBucket.arnForObjects('*')],
          conditions: {
            StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': proofKey.keyArn },
          },
        }),
      );
      acknowledgeNag(
        proofBucket,
        'AwsSolutions-S1',
        'Only the IDEMIA node function writes proofs, and nothing reads them through Proofline; CloudTrail data events are the place to audit object access if the deployer wants it.',
      );
      idemiaFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [proofBucket.arnForObjects('proofs/*')],
        }),
      );
      proofKey.grant(idemiaFunction, 'kms:GenerateDataKey');
      idemiaFunction.addEnvironment('PROOF_BUCKET', proofBucket.bucketName);
      idemiaFunction.addEnvironment('PROOF_KMS_KEY_ARN', proofKey.keyArn);
      acknowledgeNag(
        idemiaFunction,
        `AwsSolutions-IAM5[Resource::<${this.getLogicalId(proofBucket.node.defaultChild as CfnElement)}.Arn>/proofs/*]`,
        'The IDEMIA function writes one object per proofed session under proofs/ (keys are user and session ids); it cannot read or delete them.',
      );
      new CfnOutput(this, 'ProofBucketName', { value: proofBucket.bucketName });
      const settings = props.idemia;
      for (const [name, value] of Object.entries({
        IDEMIA_COGNITO_URL: settings.cognitoUrl,
        IDEMIA_CLIENT_ID: settings.clientId,
        IDEMIA_SESSION_URL: settings.sessionUrl,
        IDEMIA_IPA_START_URL: settings.ipaStartUrl,
        IDEMIA_GIPS_URL: settings.gipsUrl,
        IDEMIA_APPLICATION_ID: settings.applicationId,
      })) {
        idemiaFunction.addEnvironment(name, value);
      }
    }

    // iProov: service-provider details as environment, the API secret and OAuth password in Secrets Manager.
    if (iproovFunction && props.iproov) {
      const iproovSecret = vendorSecret(
        'IproovSecret',
        iproovFunction,
        'IPROOV_SECRET_ARN',
        'iProov secrets: JSON {"IPROOV_API_SECRET": "…", "IPROOV_OAUTH_PASSWORD": "…"}',
      );
      new CfnOutput(this, 'IproovSecretArn', { value: iproovSecret.secretArn });
      iproovFunction.addEnvironment('IPROOV_BASE_URL', props.iproov.baseUrl);
      iproovFunction.addEnvironment('IPROOV_API_KEY', props.iproov.apiKey);
      iproovFunction.addEnvironment('IPROOV_OAUTH_USERNAME', props.iproov.oauthUsername);
      // What an operator's erasure needs to delete an enrolment (ADR 12): the settings, and where the secret is
      // (the operator's own credentials must allow reading it).
      new CfnOutput(this, 'IproovBaseUrl', { value: props.iproov.baseUrl });
      new CfnOutput(this, 'IproovApiKey', { value: props.iproov.apiKey });
      new CfnOutput(this, 'IproovOauthUsername', { value: props.iproov.oauthUsername });
    }
    alarmOn(
      'Api5xxErrors',
      this.api.metricServerError({ period: Duration.minutes(5) }),
      'The callbacks API answered 5XX',
    );

    new CfnOutput(this, 'ApiUrl', {
      value: `${this.api.apiEndpoint}/`,
      description: 'Base URL (SDK serverConfig.baseUrl)',
    });
    new CfnOutput(this, 'Realms', {
      value: (props.realms ?? ['alpha']).join(','),
      description: 'Realms served besides root',
    });
    new CfnOutput(this, 'Journeys', {
      value: Object.keys(this.stateMachines).join(','),
      description: 'The journeys deployed',
    });
    // Every table's name: the operator commands (`npm run admin -- … --stack`, ADR 12) find the data through them.
    for (const { id } of TABLES) {
      new CfnOutput(this, `${id}TableName`, { value: this.tables[id].tableName });
    }
  }
}
