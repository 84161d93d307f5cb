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

/** Fills the first input of each callback, by position. */
export const fill = (step: Reply['body'], values: unknown[]): Reply['body'] => {
  const copy = structuredClone(step);
  copy.callbacks?.forEach((callback, index) => {
    const first = callback.input[0];
    if (first && values[index] !== undefined) first.value = values[index];
  });
  return copy;
};

export const output = (callback: Step['callbacks'][number], name: string): unknown =>
  callback.output.find((o) => o.name === name)?.value;

/** The users this file created: erased from a deployed stack after the file (`cleanup.ts`). */
export const createdUsers = new Set<string>();

/** Registers `userName` through the Registration journey. */
export async function register(userName: string): Promise<Reply> {
  createdUsers.add(userName);
  const start = await post(authenticate('Registration'));
  const values = [userName, 'Edith', 'Clarke', `${userName}@example.com`, false, true, PASSWORD];
  return post(authenticate('Registration'), fill(start.body, values));
}
