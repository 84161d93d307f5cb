import { CfnOutput, Duration } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type OidcClientConfig, parseOidcClients } from '../../../functions/oidc/clients.js';
import { OIDC_TABLE_GRANTS } from '../grants.js';
import { acknowledgeNag, ResourceGroup } from './common.js';
import { prooflineFunction } from './function.js';
import type { Tables } from './tables.js';

export interface OidcProps {
  readonly httpApi: HttpApi;
  readonly tables: Tables;
  /** Variables every function gets. */
  readonly environment: Readonly<Record<string, string>>;
  /** `UI_BASE_URL`, when configured: where people sign in. */
  readonly uiEnvironment: Readonly<Record<string, string>>;
  readonly realms: readonly string[];
  /** The clients (no secrets). */
  readonly clients: readonly Readonly<Record<string, unknown>>[];
  /** The issuer's origin (a custom domain); default the origin the API is called at. */
  readonly publicBaseUrl?: string;
  /** `IDA_TRUST_FRAMEWORK`. */
  readonly idaTrustFramework?: string;
  readonly functionSeconds: number;
  readonly logRetention: RetentionDays;
}

/**
 * The OpenID Provider (ADR 24): one function behind `/oauth2/{proxy+}`, its keys in a secret it fills on first
 * use, a generated secret per confidential client, least-privilege access to its table and the sign-in sessions.
 */
export class Oidc extends ResourceGroup {
  readonly oidcFunction: NodejsFunction;
  readonly keysSecret: Secret;

  constructor(scope: Construct, id: string, props: OidcProps) {
    super(scope, id);
    // Validated as the function will read it (throws at synth with what is wrong).
    const clients: OidcClientConfig[] = parseOidcClients(JSON.stringify(props.clients), props.realms);
    const fn = prooflineFunction(this, 'OidcFunction', {
      entry: 'functions/oidc/handler.ts',
      memorySize: 512,
      // oidc-provider keys its models' storage by their class names: minification must keep them.
      keepNames: true,
      timeout: Duration.seconds(props.functionSeconds),
      environment: props.environment,
      logRetention: props.logRetention,
    });
    this.oidcFunction = fn;
    fn.addEnvironment('REALMS', props.realms.join(','));
    fn.addEnvironment('OIDC_CLIENTS', JSON.stringify(clients));
    for (const [name, value] of Object.entries(props.uiEnvironment)) fn.addEnvironment(name, value);
    if (props.publicBaseUrl) fn.addEnvironment('PUBLIC_BASE_URL', props.publicBaseUrl);
    if (props.idaTrustFramework) fn.addEnvironment('IDA_TRUST_FRAMEWORK', props.idaTrustFramework);
    props.tables.grant(fn, OIDC_TABLE_GRANTS);

    // Signing and cookie keys: created empty; the first cold start makes the keys and writes them (once:
    // functions/oidc/cloud-secrets.ts). Rotation writes a new version (docs/oidc.md).
    this.keysSecret = new Secret(this, 'OidcKeys', {
      description:
        'Proofline OpenID Provider signing and cookie keys (made by the OIDC function on first use)',
      secretObjectValue: {},
    });
    acknowledgeNag(
      this.keysSecret,
      'AwsSolutions-SMG4',
      'Signing keys are rotated by writing a new version with the new keys first and the old ones after (docs/oidc.md): no rotation Lambda.',
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        resources: [this.keysSecret.secretArn],
      }),
    );
    fn.addEnvironment('OIDC_KEYS_SECRET_ARN', this.keysSecret.secretArn);
    new CfnOutput(this, 'OidcKeysSecretArn', { value: this.keysSecret.secretArn });

    // Confidential clients: a generated secret each, read by the function, given to the application's owner.
    const secretArns: Record<string, string> = {};
    clients
      .filter((c) => (c.token_endpoint_auth_method ?? 'client_secret_basic') !== 'none')
      .forEach((client, index) => {
        const secret = new Secret(this, `OidcClientSecret${index}`, {
          description: `OpenID Connect client secret of ${client.realm}/${client.client_id}`,
          generateSecretString: { passwordLength: 48, excludePunctuation: true },
        });
        acknowledgeNag(
          secret,
          'AwsSolutions-SMG4',
          'A client secret is rotated with its application (a new secret, then the application updated): no rotation Lambda.',
        );
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
        );
        secretArns[`${client.realm}/${client.client_id}`] = secret.secretArn;
        new CfnOutput(this, `OidcClientSecret${index}Arn`, {
          value: secret.secretArn,
          description: `Secret of OIDC client ${client.realm}/${client.client_id}`,
        });
      });
    if (Object.keys(secretArns).length > 0) {
      fn.addEnvironment('OIDC_CLIENT_SECRET_ARNS', JSON.stringify(secretArns));
    }

    const routes = props.httpApi.addRoutes({
      path: '/oauth2/{proxy+}',
      // OPTIONS: browsers' preflights reach the provider's own CORS unless the API answers them (corsOrigins).
      methods: [HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS],
      integration: new HttpLambdaIntegration('OidcIntegration', fn),
    });
    for (const route of routes) {
      acknowledgeNag(
        route,
        'AwsSolutions-APIG4',
        'OAuth 2.0 / OpenID Connect endpoints authenticate clients and tokens themselves (RFC 6749, OIDC Core).',
      );
    }
  }
}
