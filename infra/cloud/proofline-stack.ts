import {
  Annotations,
  type CfnElement,
  CfnOutput,
  type RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { JourneyFile } from '../../functions/engine/asl.js';
import { stepTimeouts } from '../../functions/shared/timeouts.js';
import { TABLES, type TableId } from '../../functions/store/tables.js';
import { Alarms } from './constructs/alarms.js';
import { Api } from './constructs/api.js';
import { ResourceGroup } from './constructs/common.js';
import { Journeys } from './constructs/journeys.js';
import { NodeFunctions, nodeFunctionId } from './constructs/node-functions.js';
import { Oidc } from './constructs/oidc.js';
import { Tables } from './constructs/tables.js';
import { Vendors } from './constructs/vendors.js';
import { type DeploymentSettings, planJourneys } from './settings.js';

export { acknowledgeNag, REPO_ROOT } from './constructs/common.js';
export type { IdemiaSettings, IproovSettings } from './settings.js';

export interface ProoflineStackProps extends StackProps, Omit<DeploymentSettings, 'stage'> {
  /**
   * What happens to the transactions and sessions tables when the stack is deleted (users are always retained).
   * @default RemovalPolicy.DESTROY
   */
  readonly ephemeralTablesRemovalPolicy?: RemovalPolicy;
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
 *
 * The stack wires its constructs together (`constructs/`): Tables, NodeFunctions, Journeys, Api, Vendors and
 * Alarms. Each is a ResourceGroup: its id is left out of the logical IDs under it, so every resource keeps the
 * logical ID it had when the stack created it directly (`allocateLogicalId`).
 */
export class ProoflineStack extends Stack {
  readonly tables: Readonly<Record<TableId, TableV2>>;
  readonly api: HttpApi;
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  /** Every function by construct id: `ApiFunction`, `WebhookFunction`, `<Family>NodesFunction`. */
  readonly functions: Readonly<Record<string, NodejsFunction>>;
  readonly vendors: Vendors;

  constructor(scope: Construct, id: string, props: ProoflineStackProps = {}) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const realms = props.realms ?? ['alpha'];
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
    const uiEnvironment: Record<string, string> = props.uiBaseUrl
      ? { UI_BASE_URL: props.uiBaseUrl.replace(/\/$/, '') }
      : {};

    // Tables: from the same definitions the embedded runtime uses.
    const tables = new Tables(this, 'Tables', {
      ...(props.ephemeralTablesRemovalPolicy
        ? { ephemeralTablesRemovalPolicy: props.ephemeralTablesRemovalPolicy }
        : {}),
    });
    this.tables = tables.tables;
    const environment: Record<string, string> = {
      ...tables.environment,
      // No NODE_OPTIONS=--enable-source-maps and no source maps: measured, they cost init (ADR 17).
      POWERTOOLS_SERVICE_NAME: 'proofline',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      // Every function that reads users must place legacy users in the same realm.
      ...(props.legacyUsersRealm ? { LEGACY_USERS_REALM: props.legacyUsersRealm } : {}),
    };

    const nodeFunctions = new NodeFunctions(this, 'NodeFunctions', {
      families: plan.families,
      tables,
      environment,
      nodeEnvironment: {
        ...props.throttle,
        ...uiEnvironment,
        ...(props.termsVersion ? { TERMS_VERSION: props.termsVersion } : {}),
        ...(props.locales ? { LOCALES: props.locales.join(',') } : {}),
      },
      timeoutSeconds: timeouts.nodeFunctionSeconds,
      logRetention,
      mailingFamilies: plan.mailingFamilies,
      ...(props.emailFrom ? { emailFrom: props.emailFrom } : {}),
    });

    const journeys = new Journeys(this, 'JourneyMachines', {
      journeys: plan.journeys,
      nodeFunctions: nodeFunctions.functions,
      stepSeconds: timeouts.stepSeconds,
      logRetention,
    });
    this.stateMachines = journeys.stateMachines;

    const api = new Api(this, 'Api', {
      tables,
      stateMachines: this.stateMachines,
      journeys: plan.journeys,
      vendors: plan.vendors,
      environment,
      uiEnvironment,
      realms,
      ...(props.corsOrigins ? { corsOrigins: props.corsOrigins } : {}),
      ...(props.idemia ? { idemiaApplicationId: props.idemia.applicationId } : {}),
      ...(props.iproov?.webSdkUrl
        ? { iproovWebSdk: { url: props.iproov.webSdkUrl, baseUrl: props.iproov.baseUrl } }
        : {}),
      functionSeconds: timeouts.apiFunctionSeconds,
      stepSeconds: timeouts.stepSeconds,
      logRetention,
    });
    this.api = api.httpApi;

    const oidc = new Oidc(this, 'Oidc', {
      httpApi: api.httpApi,
      tables,
      environment,
      uiEnvironment,
      realms,
      clients: props.oidcClients ?? [],
      ...(props.publicBaseUrl ? { publicBaseUrl: props.publicBaseUrl } : {}),
      ...(props.idaTrustFramework ? { idaTrustFramework: props.idaTrustFramework } : {}),
      functionSeconds: timeouts.apiFunctionSeconds,
      logRetention,
    });

    const idemiaFunction = nodeFunctions.functions.idemia;
    const iproovFunction = nodeFunctions.functions.iproov;
    this.vendors = new Vendors(this, 'Vendors', {
      publicBaseUrl: this.api.apiEndpoint,
      ...(idemiaFunction && props.idemia
        ? {
            idemia: {
              function: idemiaFunction,
              settings: props.idemia,
              ...(props.emailFrom ? { emailFrom: props.emailFrom } : {}),
              proofRetentionDays: props.proofRetentionDays ?? 90,
            },
          }
        : {}),
      ...(iproovFunction && props.iproov
        ? { iproov: { function: iproovFunction, settings: props.iproov } }
        : {}),
    });

    this.functions = {
      ...Object.fromEntries(
        plan.families.flatMap((family) => {
          const fn = nodeFunctions.functions[family];
          return fn ? [[nodeFunctionId(family), fn]] : [];
        }),
      ),
      ApiFunction: api.apiFunction,
      OidcFunction: oidc.oidcFunction,
      PagesFunction: api.pagesFunction,
      ...(api.webhookFunction ? { WebhookFunction: api.webhookFunction } : {}),
    };
    new Alarms(this, 'Alarms', {
      ...(props.alarmTopicArn ? { topicArn: props.alarmTopicArn } : {}),
      functions: this.functions,
      stateMachines: this.stateMachines,
      api: this.api,
    });

    const { idemiaSecret, proofBucket, iproovSecret } = this.vendors;
    if (idemiaSecret) new CfnOutput(this, 'IdemiaSecretArn', { value: idemiaSecret.secretArn });
    if (proofBucket) new CfnOutput(this, 'ProofBucketName', { value: proofBucket.bucketName });
    if (iproovSecret && props.iproov) {
      new CfnOutput(this, 'IproovSecretArn', { value: iproovSecret.secretArn });
      // What an operator's erasure needs to delete an enrolment (ADR 12): the settings, and where the secret is
      // (the operator's own credentials must allow reading it).
      new CfnOutput(this, 'IproovBaseUrl', { value: props.iproov.baseUrl });
      new CfnOutput(this, 'IproovApiKey', { value: props.iproov.apiKey });
      new CfnOutput(this, 'IproovOauthUsername', { value: props.iproov.oauthUsername });
    }
    new CfnOutput(this, 'ApiUrl', {
      value: `${this.api.apiEndpoint}/`,
      description: 'Base URL (SDK serverConfig.baseUrl)',
    });
    new CfnOutput(this, 'Realms', {
      value: realms.join(','),
      description: 'Realms served besides root',
    });
    new CfnOutput(this, 'Journeys', {
      value: Object.keys(this.stateMachines).join(','),
      description: 'The journeys deployed',
    });
    // Every table's name: the operator commands (`npm run admin -- … --stack`, ADR 12) find the data through them.
    for (const { id: tableId } of TABLES) {
      new CfnOutput(this, `${tableId}TableName`, { value: this.tables[tableId].tableName });
    }
  }

  /**
   * The logical ID CDK gives `element`, computed from its path under the stack without the ids of the
   * ResourceGroups on it: grouping resources into constructs never renames (and so never replaces) them.
   */
  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes.filter((scope) => !ResourceGroup.isResourceGroup(scope));
    return super.allocateLogicalId({ node: { scopes }, stack: this } as unknown as CfnElement);
  }
}
