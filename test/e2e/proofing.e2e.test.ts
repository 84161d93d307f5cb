import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient, type TableNames } from '../../functions/store/dynamo.js';
import { hashPassword } from '../../functions/store/password.js';
import { type Transaction, TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import {
  authenticate,
  createdUsers,
  fill,
  output,
  PASSWORD,
  post,
  type Reply,
  register,
  target,
} from './client.js';
import { isLocalTarget } from './target.js';

/**
 * IdentityProofing (IDEMIA IPA, then the face bound with iProov) and IProovLogin, through the public API. The
 * "user" on IDEMIA's and iProov's side is played through the vendor sandboxes' control APIs: the local target's
 * own (the `local` and `cdk-out` targets start them), or, for a deployed stack configured against reachable sandboxes, E2E_IDEMIA_SANDBOX_URL and
 * E2E_IPROOV_SANDBOX_URL. Without them the suite is skipped: real vendors cannot be scripted.
 */
const local = isLocalTarget(target.name);
const idemia = local ? inject('e2eIdemiaSandboxUrl') : process.env.E2E_IDEMIA_SANDBOX_URL;
const iproov = local ? inject('e2eIproovSandboxUrl') : process.env.E2E_IPROOV_SANDBOX_URL;
const ready = Boolean(target.baseUrl && idemia && iproov);
if (target.baseUrl && !ready) {
  process.stdout.write(
    `e2e proofing (${target.name}) skipped: set E2E_IDEMIA_SANDBOX_URL and E2E_IPROOV_SANDBOX_URL to the sandboxes the stack uses\n`,
  );
}

async function control(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, `${url}: ${await response.text()}`).toBe(200);
}

const iproovOf = (reply: Reply): { token: string; type: string } | undefined => {
  const metadata = reply.body.callbacks?.find((c) => c.type === 'MetadataCallback');
  return metadata
    ? (output(metadata, 'data') as { iproov: { token: string; type: string } }).iproov
    : undefined;
};

/** Scans the face in the iProov sandbox and reports the SDK's event, as a web app does. */
async function face(journey: string, reply: Reply, result: 'passed' | 'canceled'): Promise<Reply> {
  const data = iproovOf(reply);
  if (!data) throw new Error(`no iProov step: ${JSON.stringify(reply.body)}`);
  await control(`${iproov}/sandbox/tokens/${data.token}/scan`, { result });
  const step = structuredClone(reply.body);
  const hidden = step.callbacks?.find(
    (c) => c.type === 'HiddenValueCallback' && output(c, 'id') === 'iproovResult',
  );
  if (hidden?.input[0]) hidden.input[0].value = result;
  return post(authenticate(journey), step);
}

describe.skipIf(!ready)(`identity proofing and face login (${target.name})`, () => {
  const userName = `e2e-proof-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    expect((await register(userName)).status).toBe(200);
  });

  it('proves the identity with IDEMIA IPA, then enrols the face with iProov', async () => {
    const start = await post(authenticate('IdentityProofing'));
    const choice = await post(authenticate('IdentityProofing'), fill(start.body, [userName, PASSWORD]));
    const waiting = await post(authenticate('IdentityProofing'), fill(choice.body, [undefined, 0]));
    const link = waiting.body.callbacks?.find((c) => output(c, 'id') === 'ipaSessionUrl');
    const sessionId = new URL(output(link!, 'value') as string).searchParams.get('session-id');
    await control(`${idemia}/sandbox/sessions/${sessionId}/complete`, {
      outcome: 'verified',
      loa: 'LOA3',
      identity: { givenNames: 'Edith', surname: 'Clarke' },
    });

    let reply = await post(authenticate('IdentityProofing'), waiting.body);
    for (let polls = 0; !iproovOf(reply) && reply.status === 200 && polls < 10; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      reply = await post(authenticate('IdentityProofing'), reply.body);
    }
    expect(iproovOf(reply)?.type).toBe('enrol');
    const done = await face('IdentityProofing', reply, 'passed');

    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.tokenId).toEqual(expect.any(String));
  });

  it('signs in with the face (IProovLogin), and not when the user cancels', async () => {
    const signIn = async () => {
      const start = await post(authenticate('IProovLogin'));
      return post(authenticate('IProovLogin'), fill(start.body, [userName, PASSWORD]));
    };

    const verify = await signIn();
    const done = await face('IProovLogin', verify, 'passed');
    const canceled = await face('IProovLogin', await signIn(), 'canceled');

    expect(iproovOf(verify)?.type).toBe('verify');
    expect(done.body.tokenId).toEqual(expect.any(String));
    expect(canceled.status).toBe(401);
    expect(canceled.body).toMatchObject({ code: 401, message: 'Login failure' });
  });
});

/**
 * The vendors' events on the paths a browser does not take: the IPA link sent by email and by SMS, IDEMIA's
 * end-of-process notification resuming the waiting journey through the webhook (the client's next poll then
 * gets the next step), and iProov's results webhook (a native app that scanned on another device) resuming
 * IProovLogin. They need what only the targets started on this machine give: the outbox (the local runtime's
 * `/outbox`; on cdk-out the harness's record of the SES and SNS calls) and the tables, read to see the journey
 * move before the client polls, and written to seed a user with a mobile number (no public journey collects
 * one: Registration's page asks for the name, email address and preferences only).
 */
describe.skipIf(!ready || !local)(`vendor events: links by email and SMS, webhooks (${target.name})`, () => {
  const store = local
    ? (JSON.parse(inject('e2eStore')) as { dynamodbEndpoint: string; tables: TableNames })
    : undefined;
  const doc = store ? createDocumentClient(store.dynamodbEndpoint) : undefined;
  const transactions = doc && store ? new TransactionRepository({ doc, tables: store.tables }) : undefined;
  const users = doc && store ? new UserRepository({ doc, tables: store.tables }) : undefined;
  const emailUser = `e2e-mail-${randomBytes(6).toString('hex')}`;

  type OutboxEntry = { channel: string; to: string; subject?: string; text: string };
  const outbox = async (): Promise<OutboxEntry[]> =>
    (await (await fetch(inject('e2eOutboxUrl'))).json()) as OutboxEntry[];

  /**
   * Waits, without polling the API, until an event has moved the journey on from `node` (the webhook's resume):
   * the transaction is no longer claimed and no longer pending there.
   */
  async function movedOn(step: Reply['body'], node: string): Promise<Transaction> {
    const txId = String(step.authId).split('.')[0] as string;
    let tx: Transaction | undefined;
    for (let tries = 0; tries < 150; tries++) {
      tx = await transactions?.get(txId);
      if (tx && tx.status !== 'processing' && tx.pending?.node !== node) return tx;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the journey did not move on from ${node}: ${JSON.stringify(tx?.status)}`);
  }

  /** Signs in to IdentityProofing and picks the delivery option labelled `label`: the waiting step. */
  async function proofingBy(userName: string, label: RegExp): Promise<{ waiting: Reply; sessionId: string }> {
    const start = await post(authenticate('IdentityProofing'));
    const choice = await post(authenticate('IdentityProofing'), fill(start.body, [userName, PASSWORD]));
    const confirmation = choice.body.callbacks?.find((c) => c.type === 'ChoiceCallback');
    const options = output(confirmation!, 'choices') as string[];
    const index = options.findIndex((o) => label.test(o));
    expect(index, JSON.stringify(options)).toBeGreaterThanOrEqual(0);
    const waiting = await post(authenticate('IdentityProofing'), fill(choice.body, [index]));
    expect(waiting.status, JSON.stringify(waiting.body)).toBe(200);
    const link = waiting.body.callbacks?.find((c) => output(c, 'id') === 'ipaSessionUrl');
    const sessionId = new URL(output(link!, 'value') as string).searchParams.get('session-id');
    return { waiting, sessionId: String(sessionId) };
  }

  /** The user finishes IPA; its notification resumes the journey (the webhook), then the client polls. */
  async function completeThroughWebhook(waiting: Reply, sessionId: string): Promise<Reply> {
    await control(`${idemia}/sandbox/sessions/${sessionId}/complete`, {
      outcome: 'verified',
      loa: 'LOA3',
      identity: { givenNames: 'Edith', surname: 'Clarke' },
    });
    const tx = await movedOn(waiting.body, 'IpaEvaluation');
    expect(tx.pending?.node).toBe('FaceEnrolment');
    const next = await post(authenticate('IdentityProofing'), waiting.body);
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(iproovOf(next)?.type).toBe('enrol');
    return next;
  }

  beforeAll(async () => {
    expect((await register(emailUser)).status).toBe(200);
  });

  it('sends the IPA link by email; IDEMIA’s notification resumes the journey, the poll gets the face step', async () => {
    const { waiting, sessionId } = await proofingBy(emailUser, /email/i);

    const email = (await outbox()).find((m) => m.to === `${emailUser}@example.com`);
    expect(email).toMatchObject({ channel: 'email' });
    expect(email?.text).toContain(`session-id=${sessionId}`);
    const done = await face('IdentityProofing', await completeThroughWebhook(waiting, sessionId), 'passed');
    expect(done.body.tokenId).toEqual(expect.any(String));
  });

  it('sends the IPA link by SMS to a user with a mobile number; the notification resumes the journey', async () => {
    const userName = `e2e-sms-${randomBytes(6).toString('hex')}`;
    const number = `+4477009${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`;
    createdUsers.add(userName);
    await users?.create(
      target.realm,
      { userName, givenName: 'Edith', sn: 'Clarke', telephoneNumber: number },
      await hashPassword(PASSWORD),
    );
    const { waiting, sessionId } = await proofingBy(userName, /text message/i);

    const sms = (await outbox()).find((m) => m.to === number);
    expect(sms).toMatchObject({ channel: 'sms' });
    expect(sms?.text).toContain(`session-id=${sessionId}`);
    const done = await face('IdentityProofing', await completeThroughWebhook(waiting, sessionId), 'passed');
    expect(done.body.tokenId).toEqual(expect.any(String));
  });

  it('signs in with a face scanned on another device: the results webhook resumes IProovLogin', async () => {
    const start = await post(authenticate('IProovLogin'));
    const step = await post(authenticate('IProovLogin'), fill(start.body, [emailUser, PASSWORD]));
    const data = iproovOf(step) as { token: string; type: string; resultsUrl?: string } | undefined;
    expect(data?.type).toBe('verify');
    expect(data?.resultsUrl).toMatch(/\/webhooks\/iproov\/[A-Za-z0-9_-]+$/);
    await control(`${iproov}/sandbox/tokens/${data?.token}/scan`, { result: 'passed' });

    const reported = await fetch(String(data?.resultsUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: data?.token }),
    });
    expect(reported.status).toBe(204);
    const tx = await movedOn(step.body, 'IProov');
    const poll = await post(authenticate('IProovLogin'), step.body);

    expect(tx.status).toBe('succeeded');
    expect(poll.status, JSON.stringify(poll.body)).toBe(200);
    expect(poll.body.tokenId).toEqual(expect.any(String));
  });
});
