import { inject } from 'vitest';
import { post as amPost } from '../integration/am-client.js';
import { isLocalTarget, resolveTarget, type Target, targetName } from './target.js';

/** The target of this run, and AM's callbacks protocol over its public HTTP API (shared by the e2e files). */
export const target: Target = resolveTarget(
  isLocalTarget(targetName()) ? inject('e2eLocalBaseUrl') : undefined,
);

export interface Step {
  authId: string;
  callbacks: Array<{
    type: string;
    output: Array<{ name: string; value: unknown }>;
    input: Array<{ name: string; value: unknown }>;
  }>;
}
export type Reply = { status: number; body: Record<string, unknown> & Partial<Step> };

export const PASSWORD = 'E2e-Secret-Passw0rd';

export const authenticate = (journey: string): string =>
  `${target.baseUrl}json/realms/root/realms/${target.realm}/authenticate?authIndexType=service&authIndexValue=${journey}`;

export const sessions = (action: string): string =>
  `${target.baseUrl}json/realms/root/realms/${target.realm}/sessions?_action=${action}`;

/** A POST in AM's protocol: the integration tests' client (it reads no runtime of its own). */
export const post = (url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  amPost<Reply['body']>(url, body, headers);

/**
 * Fills each callback by position: a value fills its first input; an array fills its inputs in order (a
 * KbaCreateCallback's question and answer).
 */
export const fill = (step: Reply['body'], values: unknown[]): Reply['body'] => {
  const copy = structuredClone(step);
  copy.callbacks?.forEach((callback, index) => {
    const value = values[index];
    if (value === undefined) return;
    const inputs = Array.isArray(value) ? value : [value];
    inputs.forEach((v, i) => {
      const input = callback.input[i];
      if (input && v !== undefined) input.value = v;
    });
  });
  return copy;
};

/** The security questions (KbaCreateCallback: question, answer) every registered e2e user defines. */
export const SECURITY_ANSWERS: ReadonlyArray<[question: string, answer: string]> = [
  ["What's your favorite color?", 'Teal'],
  ['Name of my first bicycle?', 'Rocinante'],
];

/** The answer an e2e user gave to `question` (KBA Verification's prompt). */
export function securityAnswer(question: unknown): string {
  const entry = SECURITY_ANSWERS.find(([q]) => q === question);
  if (!entry) throw new Error(`no answer to ${String(question)}`);
  return entry[1];
}

/**
 * Registration's page by position: username, given name, surname, email, the two preferences, password, the
 * two security questions, the terms accepted.
 */
export const registrationValues = (
  userName: string,
  givenName: string,
  sn: string,
  updates = true,
): unknown[] => [
  userName,
  givenName,
  sn,
  `${userName}@example.com`,
  false,
  updates,
  PASSWORD,
  ...SECURITY_ANSWERS,
  true,
];

export const output = (callback: Step['callbacks'][number], name: string): unknown =>
  callback.output.find((o) => o.name === name)?.value;

/** The users this file created: erased from a deployed stack after the file (`cleanup.ts`). */
export const createdUsers = new Set<string>();

/** Registers `userName` through the Registration journey. */
export async function register(userName: string): Promise<Reply> {
  createdUsers.add(userName);
  const start = await post(authenticate('Registration'));
  return post(
    authenticate('Registration'),
    fill(start.body, registrationValues(userName, 'Edith', 'Clarke')),
  );
}
