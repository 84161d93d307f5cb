import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { API_TABLE_GRANTS, mergeGrants, PAGES_TABLE_GRANTS, WEBHOOK_TABLE_GRANTS } from '../grants.js';
import type { PlannedJourney, Vendor } from '../settings.js';
import { acknowledgeNag, ResourceGroup } from './common.js';
import { prooflineFunction } from './function.js';
import type { Tables } from './tables.js';

export interface ApiProps {
  readonly tables: Tables;
  /** The deployed journeys' machines, by journey name: the API starts any of them. */
  readonly stateMachines: Readonly<Record<string, StateMachine>>;
  /** The deployed journeys: webhooks resume only those with a node waiting for a vendor's event. */
  readonly journeys: readonly PlannedJourney[];
  /** The vendors the deployed journeys use: one webhook route each (none: no webhook function). */
  readonly vendors: readonly Vendor[];
  /** Variables every function gets (the tables' names, logging, the legacy users' realm). */
  readonly environment: Readonly<Record<string, string>>;
  /** The UI's base URL (`UI_BASE_URL`), when configured. */
  readonly uiEnvironment: Readonly<Record<string, string>>;
  /** Realms served besides root (`REALMS`). */
  readonly realms: readonly string[];
  /** Browser origins allowed to call the API with credentials: none, no CORS. */
  readonly corsOrigins?: readonly string[];
  /** IDEMIA's application id, which enables the IDEMIA webhook handler. @default - IDEMIA webhooks disabled */
  readonly idemiaApplicationId?: string;
  /** iProov's web SDK for the hosted pages' face step (`iproov.webSdkUrl`) and the tenant it talks to. */
  readonly iproovWebSdk?: { readonly url: string; readonly baseUrl: string };
  /** The functions' timeout. */
  readonly functionSeconds: number;
  /** The step budget: the lease on a claimed step (`STEP_TIMEOUT_SECONDS`). */
  readonly stepSeconds: number;
  readonly logRetention: RetentionDays;
}

/**
 * The HTTP API: AM's callbacks protocol on one greedy route to the API function, and one webhook route per vendor
 * in use to the webhook function; throttled, with access logs of ids and timings only.
 */
export class Api extends ResourceGroup {
  readonly httpApi: HttpApi;
  readonly apiFunction: NodejsFunction;
  /** The webhook function, when a deployed journey uses a vendor. */
  readonly webhookFunction?: NodejsFunction;
  /** The hosted pages (ADR 23): `/`, `/pages/…`, `/enduser/`, `/console`, and every other unmatched path's 404. */
  readonly pagesFunction: NodejsFunction;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stateMachineArns = stack.toJsonString(
      Object.fromEntries(Object.entries(props.stateMachines).map(([j, m]) => [j, m.stateMachineArn])),
    );

    // The callbacks API.
    this.apiFunction = prooflineFunction(this, 'ApiFunction', {
      entry: 'functions/api/handler.ts',
      memorySize: 512,
      timeout: Duration.seconds(props.functionSeconds),
      environment: props.environment,
      logRetention: props.logRetention,
    });
    this.apiFunction.addEnvironment('STATE_MACHINE_ARNS', stateMachineArns);
    // The lease on a claimed step is derived from the same budget as the machines' TimeoutSeconds.
    this.apiFunction.addEnvironment('STEP_TIMEOUT_SECONDS', String(props.stepSeconds));
    this.apiFunction.addEnvironment('REALMS', props.realms.join(','));
    // successUrl: the UI's root page.
    for (const [name, value] of Object.entries(props.uiEnvironment))
      this.apiFunction.addEnvironment(name, value);
    props.tables.grant(this.apiFunction, API_TABLE_GRANTS);
    for (const machine of Object.values(props.stateMachines))
      machine.grantStartSyncExecution(this.apiFunction);

    this.httpApi = new HttpApi(this, 'Api', {
      apiName: `${stack.stackName}-api`,
      createDefaultStage: false,
      ...(props.corsOrigins && props.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.corsOrigins],
              allowCredentials: true,
              // GET and Authorization: the OpenID Provider's userinfo, called by browser apps with a token.
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
              allowHeaders: [
                'Authorization',
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
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'ApiDefaultStage', {
      httpApi: this.httpApi,
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
    const integration = new HttpLambdaIntegration('ApiIntegration', this.apiFunction);
    // One greedy route: the handler routes AM's paths itself (trailing slashes included, as the ForgeRock SDK
    // posts to `…/sessions/?_action=logout`) and answers unknown ones in AM's error shape.
    const acknowledgeNoAuthorizer = (routes: readonly HttpRoute[], reason: string): void => {
      for (const route of routes) acknowledgeNag(route, 'AwsSolutions-APIG4', reason);
    };
    acknowledgeNoAuthorizer(
      this.httpApi.addRoutes({ path: '/json/{proxy+}', methods: [HttpMethod.POST], integration }),
      'The callbacks API is the authentication endpoint itself: it cannot require prior authorization. Sessions are checked by the handler (iPlanetDirectoryPro).',
    );

    // The hosted pages: GET and HEAD on their paths, and the $default route (a trailing slash, as in
    // `/enduser/`, matches no route; unknown paths get the pages' 404, HTML or JSON). Read-only grants.
    this.pagesFunction = prooflineFunction(this, 'PagesFunction', {
      entry: 'functions/pages/handler.ts',
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: props.environment,
      logRetention: props.logRetention,
    });
    this.pagesFunction.addEnvironment('REALMS', props.realms.join(','));
    this.pagesFunction.addEnvironment('JOURNEYS', Object.keys(props.stateMachines).sort().join(','));
    if (props.iproovWebSdk) {
      this.pagesFunction.addEnvironment('IPROOV_WEB_SDK_URL', props.iproovWebSdk.url);
      this.pagesFunction.addEnvironment('IPROOV_BASE_URL', props.iproovWebSdk.baseUrl);
    }
    props.tables.grant(this.pagesFunction, PAGES_TABLE_GRANTS);
    const pagesIntegration = new HttpLambdaIntegration('PagesIntegration', this.pagesFunction);
    const pagesReason =
      'The hosted pages are public web pages (sign-in, registration): nothing to authorize before them. /enduser/ reads the session cookie itself.';
    for (const path of ['/', '/pages/{asset}', '/enduser', '/console']) {
      acknowledgeNoAuthorizer(
        this.httpApi.addRoutes({
          path,
          methods: [HttpMethod.GET, HttpMethod.HEAD],
          integration: pagesIntegration,
        }),
        pagesReason,
      );
    }
    acknowledgeNoAuthorizer(
      [
        new HttpRoute(this, 'PagesDefaultRoute', {
          httpApi: this.httpApi,
          routeKey: HttpRouteKey.DEFAULT,
          integration: pagesIntegration,
        }),
      ],
      pagesReason,
    );

    // Vendor webhooks, only for the vendors the deployed journeys use: record notifications and resume waiting
    // journeys. Named, so that it may invoke itself (asynchronously, to resume journeys after answering the
    // vendor) without a dependency cycle between the function and its role's policy.
    if (props.vendors.length > 0) {
      const webhookFunctionName = `${stack.stackName}-webhooks`.slice(0, 64);
      const webhookFunction = prooflineFunction(this, 'WebhookFunction', {
        entry: 'functions/webhooks/handler.ts',
        memorySize: 512,
        timeout: Duration.seconds(props.functionSeconds),
        environment: props.environment,
        logRetention: props.logRetention,
        functionName: webhookFunctionName,
      });
      this.webhookFunction = webhookFunction;
      webhookFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [
            stack.formatArn({
              service: 'lambda',
              resource: 'function',
              resourceName: webhookFunctionName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      );
      webhookFunction.addEnvironment('STATE_MACHINE_ARNS', stateMachineArns);
      webhookFunction.addEnvironment('STEP_TIMEOUT_SECONDS', String(props.stepSeconds));
      for (const [name, value] of Object.entries(props.uiEnvironment))
        webhookFunction.addEnvironment(name, value);
      // The IDEMIA handler is enabled by its application id: set only when IDEMIA is in use.
      if (props.vendors.includes('idemia') && props.idemiaApplicationId)
        webhookFunction.addEnvironment('IDEMIA_APPLICATION_ID', props.idemiaApplicationId);
      props.tables.grant(
        webhookFunction,
        mergeGrants(
          WEBHOOK_TABLE_GRANTS.resume,
          ...props.vendors.map((v) => WEBHOOK_TABLE_GRANTS.vendors[v]),
        ),
      );
      // Webhooks resume only journeys waiting for a vendor's event: the machines of journeys with such a node.
      for (const { file, vendorEventNodes } of props.journeys) {
        const machine = props.stateMachines[file.journey];
        if (machine && vendorEventNodes.length > 0) machine.grantStartSyncExecution(webhookFunction);
      }
      const webhookIntegration = new HttpLambdaIntegration('WebhookIntegration', webhookFunction);
      for (const vendor of props.vendors) {
        acknowledgeNoAuthorizer(
          this.httpApi.addRoutes({
            path: `/webhooks/${vendor}/{proxy+}`,
            methods: [HttpMethod.POST],
            integration: webhookIntegration,
          }),
          'Vendors call webhooks without AWS credentials or tokens: each notification is authenticated by the handler with the per-session secret key in its URL (only its hash is stored, compared in constant time) and the application id.',
        );
      }
    }
  }
}
