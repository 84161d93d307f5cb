import { userInfo } from 'node:os';
import { join } from 'node:path';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { useProcessCredentials } from '../functions/aws/http.js';
import type { IproovUserDeleter } from '../functions/operator/accounts.js';
import { IproovClient } from '../functions/providers/iproov/client.js';
import { iproovConfigFromEnv, isIproovConfigured } from '../functions/providers/iproov/config.js';
import { ConfigurationError } from '../functions/shared/errors.js';
import { withSecrets } from '../functions/shared/secrets.js';
import { createDocumentClient, type Store, type TableNames } from '../functions/store/dynamo.js';
import { LocalProofFiles, type ProofEraser, S3ProofStore } from '../functions/store/proofs.js';
import { TABLES } from '../functions/store/tables.js';
import { readRuntimeInfo } from '../infra/local/runtime-info.js';

/** Where an operator command acts: the store, the proof archives, iProov, and who the operator is. */
export interface Target {
  /** `local` or the stack name (in the audit line). */
  name: string;
  /** For messages: where this is. */
  description: string;
  store: Store;
  /** The realms served besides `root`. */
  realms: readonly string[];
  proofs?: ProofEraser;
  /**
   * iProov user management, built only when an erasure needs it. Undefined when iProov is not configured for
   * the target (nothing can have been enrolled); throws when it is configured but unreachable from here.
   */
  iproov(): Promise<IproovUserDeleter | undefined>;
  /** Who runs the command: `os:<login>` locally, the caller's IAM ARN on AWS. */
  actor(): Promise<string>;
  /** Also append audit lines to this file (local runs). */
  auditFile?: string;
}

/** The running local runtime, found through `<dataDir>/runtime.json`. */
export async function localTarget(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const info = await readRuntimeInfo(dataDir);
  return {
    name: 'local',
    description: `the local runtime (${info.url}, data ${dataDir})`,
    store: { doc: createDocumentClient(info.dynamodbEndpoint), tables: info.tables },
    realms: info.realms,
    proofs: new LocalProofFiles(info.proofsDir),
    async iproov() {
      if (info.iproov.source === 'sandbox') return new IproovClient(iproovConfigFromEnv(info.iproov.env));
      if (!isIproovConfigured(env)) {
        throw new ConfigurationError(
          'The local runtime uses a real iProov (IPROOV_* settings), which runtime.json does not record: set the same IPROOV_* variables for this command.',
        );
      }
      return new IproovClient(iproovConfigFromEnv(env));
    },
    async actor() {
      return `os:${userInfo().username}`;
    },
    auditFile: join(dataDir, 'audit.log'),
  };
}

/**
 * The two AWS SDK clients the `--stack` mode needs beyond those the functions use. They are loaded when needed,
 * so that the local mode works without them; `npm i -E @aws-sdk/client-cloudformation@3.1164.0
 * @aws-sdk/client-sts@3.1164.0` adds them.
 */
interface CloudFormationModule {
  CloudFormationClient: new (
    config: object,
  ) => { send(command: unknown): Promise<unknown>; destroy(): void; config: { region(): Promise<string> } };
  DescribeStacksCommand: new (input: { StackName: string }) => unknown;
}
interface StsModule {
  STSClient: new (config: object) => { send(command: unknown): Promise<unknown>; destroy(): void };
  GetCallerIdentityCommand: new (input: object) => unknown;
}

async function loadSdk<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new ConfigurationError(
      `--stack needs ${name}, which is not installed: npm i -E ${name}@3.1164.0 (${(error as Error).message})`,
    );
  }
}

/** The outputs of a CloudFormation stack, by OutputKey. */
export type StackOutputs = Record<string, string>;

export async function describeStackOutputs(stackName: string): Promise<StackOutputs> {
  const sdk = await loadSdk<CloudFormationModule>('@aws-sdk/client-cloudformation');
  const client = new sdk.CloudFormationClient({});
  try {
    const reply = (await client.send(new sdk.DescribeStacksCommand({ StackName: stackName }))) as {
      Stacks?: Array<{ Outputs?: Array<{ OutputKey?: string; OutputValue?: string }> }>;
    };
    const outputs = reply.Stacks?.[0]?.Outputs ?? [];
    return Object.fromEntries(
      outputs.flatMap((o) =>
        o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } finally {
    client.destroy();
  }
}

/** The operator's region as the SDK finds it (AWS_REGION, else the profile's), if any. */
async function operatorRegion(): Promise<string | undefined> {
  const sdk = await loadSdk<CloudFormationModule>('@aws-sdk/client-cloudformation');
  const client = new sdk.CloudFormationClient({});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

async function callerArn(): Promise<string> {
  const sdk = await loadSdk<StsModule>('@aws-sdk/client-sts');
  const client = new sdk.STSClient({});
  try {
    const reply = (await client.send(new sdk.GetCallerIdentityCommand({}))) as { Arn?: string };
    if (!reply.Arn) throw new ConfigurationError('sts:GetCallerIdentity returned no ARN');
    return reply.Arn;
  } finally {
    client.destroy();
  }
}

/**
 * A deployed stage: its stack's outputs name the tables, the proof bucket and iProov's settings and secret; the
 * operator's own AWS credentials (default provider chain: AWS_PROFILE, AWS_REGION, SSO…) do the work.
 */
export async function stackTarget(
  stackName: string,
  outputs: StackOutputs | (() => Promise<StackOutputs>) = () => describeStackOutputs(stackName),
): Promise<Target> {
  const values = typeof outputs === 'function' ? await outputs() : outputs;
  // Proofline's AWS clients sign with the operator's credentials, in the operator's region, as the SDK finds them.
  useProcessCredentials(defaultProvider(), await operatorRegion());
  const required = (key: string): string => {
    const value = values[key];
    if (!value) {
      throw new ConfigurationError(
        `Stack ${stackName} has no output ${key}: deploy this version of Proofline to it first (npx cdk deploy).`,
      );
    }
    return value;
  };
  const tables = Object.fromEntries(TABLES.map((t) => [t.id, required(`${t.id}TableName`)])) as TableNames;
  const bucket = values.ProofBucketName;
  return {
    name: stackName,
    description: `stack ${stackName}`,
    store: { doc: createDocumentClient(), tables },
    realms: (values.Realms ?? 'alpha').split(',').filter(Boolean),
    ...(bucket ? { proofs: new S3ProofStore(bucket) } : {}),
    async iproov() {
      const secretArn = values.IproovSecretArn;
      if (!values.IproovBaseUrl || !secretArn) return undefined;
      const env = await withSecrets(
        {
          IPROOV_BASE_URL: values.IproovBaseUrl,
          IPROOV_API_KEY: required('IproovApiKey'),
          IPROOV_OAUTH_USERNAME: required('IproovOauthUsername'),
          IPROOV_SECRET_ARN: secretArn,
        },
        'IPROOV_SECRET_ARN',
      );
      return new IproovClient(iproovConfigFromEnv(env));
    },
    actor: callerArn,
  };
}
