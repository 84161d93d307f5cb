import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { authenticate, fill, output, PASSWORD, post, type Reply, register, target } from './client.js';
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
