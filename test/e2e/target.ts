import { existsSync, readFileSync } from 'node:fs';

/**
 * Where the e2e suite runs: `E2E_TARGET=local` (default: the embedded runtime, started by the global setup),
 * `cdk-out` (the synthesized stack stood up locally from cdk.out by the global setup), `localstack` or `aws`
 * (a deployed stack named by `E2E_STACK`, never guessed: its `ApiUrl` output in the CDK outputs file, or
 * `E2E_BASE_URL`; the users the suite creates there are erased after each file).
 */
export type TargetName = 'local' | 'cdk-out' | 'localstack' | 'aws';

/** Targets the global setup starts on this machine (their base URL and sandboxes are provided to the tests). */
export const isLocalTarget = (name: TargetName): boolean => name === 'local' || name === 'cdk-out';

export interface Target {
  name: TargetName;
  /** Base URL ending in `/`; undefined for remote targets that are not configured. */
  baseUrl?: string;
  /** Why a remote target is skipped. */
  skipReason?: string;
  realm: string;
  /** The deployed stack (`E2E_STACK`, remote targets): where the users the suite created are erased. */
  stack?: string;
}

export function targetName(env: NodeJS.ProcessEnv = process.env): TargetName {
  const name = env.E2E_TARGET ?? 'local';
  if (name !== 'local' && name !== 'cdk-out' && name !== 'localstack' && name !== 'aws') {
    throw new Error(`E2E_TARGET must be local, cdk-out, localstack or aws, got "${name}"`);
  }
  return name;
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/**
 * The base URL of the deployed stack `E2E_STACK`: E2E_BASE_URL, else that stack's `ApiUrl` output in the CDK
 * outputs file. Without E2E_STACK the target is skipped: the suite creates users, and erases them, in the stack
 * it is told — never in the first one an outputs file happens to list (which may be production).
 */
export function remoteBaseUrl(env: NodeJS.ProcessEnv = process.env): {
  baseUrl?: string;
  skipReason?: string;
  stack?: string;
} {
  const stack = env.E2E_STACK;
  if (!stack) {
    return {
      skipReason:
        'no E2E_STACK: name the deployed stack to test (e.g. E2E_STACK=Proofline-dev); the suite creates users there and erases them',
    };
  }
  if (env.E2E_BASE_URL) return { stack, baseUrl: withSlash(env.E2E_BASE_URL) };
  const file = env.E2E_OUTPUTS_FILE ?? 'cdk-outputs.json';
  if (!existsSync(file)) {
    return {
      stack,
      skipReason: `no E2E_BASE_URL and no ${file}: deploy with \`npx cdk deploy --outputs-file ${file}\` (or cdklocal) first`,
    };
  }
  const outputs = JSON.parse(readFileSync(file, 'utf8')) as Record<
    string,
    Record<string, string> | undefined
  >;
  const apiUrl = outputs[stack]?.ApiUrl;
  return apiUrl
    ? { stack, baseUrl: withSlash(apiUrl) }
    : { stack, skipReason: `${file} has no ApiUrl output of stack ${stack}` };
}

export function resolveTarget(
  localBaseUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Target {
  const name = targetName(env);
  const realm = env.E2E_REALM ?? 'alpha';
  if (isLocalTarget(name))
    return { name, realm, ...(localBaseUrl ? { baseUrl: withSlash(localBaseUrl) } : {}) };
  return { name, realm, ...remoteBaseUrl(env) };
}
