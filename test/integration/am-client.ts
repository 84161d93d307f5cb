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

/** Fills inputs by the callback's prompt or attribute name (`Username`, `Password`, `givenName`, …). */
export function fill(step: Step, values: Record<string, unknown>): Step {
  const copy = structuredClone(step);
  for (const callback of copy.callbacks) {
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

export function registrationValues(
  userName: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    Username: userName,
    givenName: 'Ada',
    sn: 'Lovelace',
    mail: `${userName}@example.com`,
    'preferences/marketing': true,
    'preferences/updates': false,
    Password: PASSWORD,
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
