import { Annotations, type CfnElement, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { IdemiaSettings, IproovSettings } from '../settings.js';
import { acknowledgeNag, ResourceGroup } from './common.js';

export interface VendorsProps {
  /** The public base URL the vendors' webhooks and links are built on (`PUBLIC_BASE_URL`). */
  readonly publicBaseUrl: string;
  /** IDEMIA, when a deployed journey uses it. @default - no IDEMIA resources */
  readonly idemia?: {
    /** The IDEMIA node function. */
    readonly function: NodejsFunction;
    readonly settings: IdemiaSettings;
    /** Sender of the IPA link by email. @default - EMAIL delivery fails as misconfigured (a synth warning) */
    readonly emailFrom?: string;
    /** How long proof archives are kept. */
    readonly proofRetentionDays: number;
  };
  /** iProov, when a deployed journey uses it. @default - no iProov resources */
  readonly iproov?: {
    /** The iProov node function. */
    readonly function: NodejsFunction;
    readonly settings: IproovSettings;
  };
}

/**
 * What the vendors' node functions need besides the tables: their settings as environment, their secrets in
 * Secrets Manager, IDEMIA's messaging permissions, and the proof bucket with its own KMS key.
 */
export class Vendors extends ResourceGroup {
  readonly idemiaSecret?: Secret;
  readonly proofKey?: Key;
  readonly proofBucket?: Bucket;
  readonly iproovSecret?: Secret;

  constructor(scope: Construct, id: string, props: VendorsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    /**
     * A vendor's secrets in Secrets Manager (a JSON object of variable names, laid over the environment at cold
     * start), readable by that vendor's node function only, which also learns the public base URL its webhooks
     * and links are built on. The vendor issues and rotates the credentials: no rotation Lambda.
     */
    const vendorSecret = (
      secretId: string,
      fn: NodejsFunction,
      arnVariable: string,
      description: string,
    ): Secret => {
      const secret = new Secret(this, secretId, { description, secretObjectValue: {} });
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
      fn.addEnvironment('PUBLIC_BASE_URL', props.publicBaseUrl);
      return secret;
    };

    // IDEMIA: endpoint details as environment, the two secrets in Secrets Manager.
    if (props.idemia) {
      const { function: idemiaFunction, settings } = props.idemia;
      this.idemiaSecret = vendorSecret(
        'IdemiaSecret',
        idemiaFunction,
        'IDEMIA_SECRET_ARN',
        'IDEMIA IPA secrets: JSON {"IDEMIA_CLIENT_SECRET": "…", "IDEMIA_GIPS_API_KEY": "…"}',
      );
      // The IPA link by email (SES v2, from a verified identity) and by SMS (SNS publishes to phone numbers,
      // which have no ARN).
      if (props.idemia.emailFrom)
        idemiaFunction.addEnvironment('MESSAGING_EMAIL_FROM', props.idemia.emailFrom);
      else
        Annotations.of(stack).addWarningV2(
          'proofline:no-email-from',
          'emailFrom is not set: IDEMIA nodes cannot send the IPA link by email (the EMAIL delivery fails).',
        );
      idemiaFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })],
        }),
      );
      // sns:Publish is for SMS only: phone numbers have no ARN (hence `*`), and every topic ARN is denied.
      idemiaFunction.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
      idemiaFunction.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.DENY,
          actions: ['sns:Publish'],
          resources: [`arn:${stack.partition}:sns:*:*:*`],
        }),
      );
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
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
            expiration: Duration.days(props.idemia.proofRetentionDays),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.proofKey = proofKey;
      this.proofBucket = proofBucket;
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
        `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(proofBucket.node.defaultChild as CfnElement)}.Arn>/proofs/*]`,
        'The IDEMIA function writes one object per proofed session under proofs/ (keys are user and session ids); it cannot read or delete them.',
      );
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
    if (props.iproov) {
      const { function: iproovFunction, settings } = props.iproov;
      this.iproovSecret = vendorSecret(
        'IproovSecret',
        iproovFunction,
        'IPROOV_SECRET_ARN',
        'iProov secrets: JSON {"IPROOV_API_SECRET": "…", "IPROOV_OAUTH_PASSWORD": "…"}',
      );
      iproovFunction.addEnvironment('IPROOV_BASE_URL', settings.baseUrl);
      iproovFunction.addEnvironment('IPROOV_API_KEY', settings.apiKey);
      iproovFunction.addEnvironment('IPROOV_OAUTH_USERNAME', settings.oauthUsername);
    }
  }
}
