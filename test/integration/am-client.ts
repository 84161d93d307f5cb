import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** A minimal AM callbacks client over real HTTP, for the integration tests. */
export interface Step {
  authId: string;
  callbacks: Array<{
    type: string;
    output: Array<{ name: string; value: unknown }>;
    input: Array<{ name: string; value: unknown }>;
    _id: number;
  }>;
  header?: string;
  description?: string;
}

/** What a journey answers: a step, a session (`tokenId`), or AM's error (`code`, `reason`, `message`). */
export type AmReply = Step & { tokenId?: string; code?: number; reason?: string; message?: string };

export interface HttpReply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export const baseUrl = (): string => inject('baseUrl');

export const authenticateUrl = (journey: string, realm = 'alpha'): string =>
  `${baseUrl()}/json/realms/root/realms/${realm}/authenticate?authIndexType=service&authIndexValue=${journey}`;

export async function post<T = Record<string, unknown>>(
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpReply<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Accept-API-Version': 'resource=2.1, protocol=1.0',
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    // A step never takes this long: an unanswered request fails the test where it happened.
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
}

export async function start(journey: string): Promise<Step> {
  const reply = await post<Step>(authenticateUrl(journey));
  if (reply.status !== 200)
    throw new Error(`start ${journey}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** A security question and its answer, as a KbaCreateCallback takes them. */
export interface KbaEntry {
  question: string;
  answer: string;
}

/**
 * Fills inputs by the callback's prompt or attribute name (`Username`, `Password`, `givenName`, …); the n-th
 * KbaCreateCallback from `securityQuestions[n]` (its question and answer inputs), a TermsAndConditionsCallback
 * from `acceptTerms`.
 */
export function fill(step: Step, values: Record<string, unknown>): Step {
  const copy = structuredClone(step);
  const kba = (values.securityQuestions ?? []) as KbaEntry[];
  let kbaIndex = 0;
  for (const callback of copy.callbacks) {
    if (callback.type === 'KbaCreateCallback') {
      const entry = kba[kbaIndex++];
      for (const input of callback.input) {
        if (entry && input.name.endsWith('question')) input.value = entry.question;
        if (entry && input.name.endsWith('answer')) input.value = entry.answer;
      }
      continue;
    }
    if (callback.type === 'TermsAndConditionsCallback') {
      const first = callback.input[0];
      if (first && 'acceptTerms' in values) first.value = values.acceptTerms;
      continue;
    }
    const key = (callback.output.find((o) => o.name === 'name')?.value ??
      callback.output.find((o) => o.name === 'prompt')?.value) as string | undefined;
    const first = callback.input[0];
    if (key !== undefined && first && key in values) first.value = values[key];
  }
  return copy;
}

export async function submit<T = Record<string, unknown>>(
  journey: string,
  step: Step,
): Promise<HttpReply<T>> {
  return post<T>(authenticateUrl(journey), step);
}

export const uniqueName = (prefix = 'user'): string => `${prefix}-${randomBytes(5).toString('hex')}`;

export const PASSWORD = 'Secret-Passw0rd';

/** The security questions every registered test user defines (Registration's KBA Definition asks for two). */
export const SECURITY_ANSWERS: readonly KbaEntry[] = [
  { question: "What's your favorite color?", answer: 'Blue' },
  { question: 'Name of my first cat?', answer: 'Mistigri' },
];

/** The answer a registered test user gave to `question` (KBA Verification's prompt). */
export function securityAnswer(question: string): string {
  const entry = SECURITY_ANSWERS.find((e) => e.question === question);
  if (!entry) throw new Error(`no answer to ${question}`);
  return entry.answer;
}

export function registrationValues(
  userName: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    Username: userName,
    givenName: 'Ada',
    sn: 'Lovelace',
    mail: `${userName}@example.com`,
    // No marketing: Login's ProgressiveProfile would ask a marketing opt-in for consents at the 3rd sign-in
    // (progressive-profile.test.ts covers that); a registered test user is signed in without a step.
    'preferences/marketing': false,
    'preferences/updates': true,
    Password: PASSWORD,
    securityQuestions: SECURITY_ANSWERS,
    acceptTerms: true,
    ...overrides,
  };
}

/** Registers a user through the Registration journey; returns the session token. */
export async function register(userName: string, password = PASSWORD): Promise<string> {
  const step = await start('Registration');
  const reply = await submit<{ tokenId?: string }>(
    'Registration',
    fill(step, registrationValues(userName, { Password: password })),
  );
  if (reply.status !== 200 || !reply.body.tokenId) {
    throw new Error(`register ${userName}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply.body.tokenId;
}

export async function login(
  userName: string,
  password: string,
): Promise<HttpReply<Step & { tokenId?: string }>> {
  const step = await start('Login');
  return submit('Login', fill(step, { Username: userName, Password: password }));
}

export const output = (callback: Step['callbacks'][number], name: string): unknown =>
  callback.output.find((o) => o.name === name)?.value;

export const iproovSandboxUrl = (): string => inject('iproovSandboxUrl');

/** The `iproov` object of a step's MetadataCallback (token, baseUrl, type, SDK options…). */
export function iproovData(step: Step): Record<string, unknown> {
  const metadata = step.callbacks.find((c) => c.type === 'MetadataCallback');
  const data = metadata ? (output(metadata, 'data') as { iproov?: Record<string, unknown> }) : undefined;
  if (!data?.iproov) throw new Error(`no iProov metadata in ${JSON.stringify(step)}`);
  return data.iproov;
}

/** Plays the user's face scan in the iProov sandbox (what the web SDK would do with iProov). */
export async function scanFace(
  token: string,
  result: 'passed' | 'failed' | 'canceled' | 'error',
): Promise<void> {
  const response = await fetch(`${iproovSandboxUrl()}/sandbox/tokens/${token}/scan`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ result }),
  });
  if (!response.ok) throw new Error(`scan ${token}: ${response.status}`);
}

/** Sets the `iproovResult` HiddenValueCallback to the web SDK's event, as a client does. */
export function reportFace(step: Step, event: string): Step {
  const copy = structuredClone(step);
  const hidden = copy.callbacks.find(
    (c) => c.type === 'HiddenValueCallback' && output(c, 'id') === 'iproovResult',
  );
  if (!hidden?.input[0]) throw new Error(`no iproovResult in ${JSON.stringify(step)}`);
  hidden.input[0].value = event;
  return copy;
}

/** Scans the face in the sandbox and reports the SDK's event on the step: the next reply. */
export async function completeFace<T = Record<string, unknown>>(
  journey: string,
  step: Step,
  result: 'passed' | 'failed' | 'canceled' | 'error' = 'passed',
): Promise<HttpReply<T>> {
  await scanFace(iproovData(step).token as string, result);
  return submit<T>(journey, reportFace(step, result === 'canceled' ? 'canceled' : result));
}
