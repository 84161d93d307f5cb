import {
  CallbackType,
  Config,
  FRAuth,
  type FRStep,
  type HiddenValueCallback,
  type MetadataCallback,
  StepType,
  type TextOutputCallback,
} from '@forgerock/javascript-sdk';
import { describe, expect, inject, it } from 'vitest';
import { GetCommand } from '../../functions/aws/dynamodb.js';
import { hashSecret } from '../../functions/shared/secret-hash.js';
import { createDocumentClient } from '../../functions/store/dynamo.js';
import {
  type AmReply,
  baseUrl,
  completeFace,
  fill,
  iproovData,
  iproovSandboxUrl,
  login,
  output,
  PASSWORD,
  post,
  register,
  reportFace,
  type Step,
  scanFace,
  start,
  submit,
  uniqueName,
} from './am-client.js';

type Reply = AmReply;

/** A user whose identity is proven and whose face is enrolled, through IdentityProofing. */
async function provenUser(): Promise<string> {
  const userName = uniqueName('face');
  await register(userName);
  const signedIn = await submit<Step>(
    'IdentityProofing',
    fill(await start('IdentityProofing'), { Username: userName, Password: PASSWORD }),
  );
  const choice = structuredClone(signedIn.body);
  const confirmation = choice.callbacks.find((c) => c.type === 'ChoiceCallback');
  if (confirmation?.input[0]) confirmation.input[0].value = 0;
  const waiting = await submit<Step>('IdentityProofing', choice);
  const ipaUrl = waiting.body.callbacks.find((c) => output(c, 'id') === 'ipaSessionUrl');
  const sessionId = new URL(output(ipaUrl!, 'value') as string).searchParams.get('session-id');
  await fetch(`${inject('idemiaSandboxUrl')}/sandbox/sessions/${sessionId}/complete`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ outcome: 'verified' }),
  });
  // Poll as the SDK would: another test file may be injecting a GIPS outage into the shared sandbox, which
  // postpones the evaluation to a later poll.
  let face = await submit<Step>('IdentityProofing', waiting.body);
  for (
    let polls = 0;
    polls < 10 && !face.body.callbacks.some((c) => c.type === 'MetadataCallback');
    polls++
  ) {
    face = await submit<Step>('IdentityProofing', face.body);
  }
  const done = await completeFace<Reply>('IdentityProofing', face.body);
  if (!done.body.tokenId) throw new Error(`proofing ${userName}: ${JSON.stringify(done.body)}`);
  return userName;
}

/** IProovLogin up to the face step. */
async function faceStep(userName: string): Promise<Reply> {
  const reply = await submit<Reply>(
    'IProovLogin',
    fill(await start('IProovLogin'), { Username: userName, Password: PASSWORD }),
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

const LOGIN_FAILURE = { code: 401, reason: 'Unauthorized', message: 'Login failure' };

describe('IProovLogin', () => {
  it('signs in a user whose face iProov verifies', async () => {
    const userName = await provenUser();
    const step = await faceStep(userName);

    const done = await completeFace<Reply>('IProovLogin', step);

    expect(step.callbacks.map((c) => c.type)).toEqual([
      'TextOutputCallback',
      'MetadataCallback',
      'HiddenValueCallback',
    ]);
    expect(iproovData(step)).toMatchObject({ type: 'verify', baseUrl: iproovSandboxUrl() });
    expect(done.status).toBe(200);
    expect(done.body.tokenId).toEqual(expect.any(String));
    const session = await post(
      `${baseUrl()}/json/realms/root/realms/alpha/sessions?_action=validate`,
      {},
      { iPlanetDirectoryPro: done.body.tokenId as string },
    );
    expect(session.body).toMatchObject({ valid: true });
  });

  it('is driven by the unmodified ForgeRock SDK: a failed scan, the message, then a passed one', async () => {
    const userName = await provenUser();
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
    const scanWithSdk = async (step: FRStep, result: 'passed' | 'failed') => {
      const { iproov } = step
        .getCallbackOfType<MetadataCallback>(CallbackType.MetadataCallback)
        .getData<{ iproov: { token: string } }>();
      await scanFace(iproov.token, result);
      step.getCallbackOfType<HiddenValueCallback>(CallbackType.HiddenValueCallback).setInputValue(result);
      return FRAuth.next(step, { tree: 'IProovLogin' });
    };

    const first = (await FRAuth.next(undefined, { tree: 'IProovLogin' })) as FRStep;
    first.getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(userName);
    first.getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue(PASSWORD);
    const scan = (await FRAuth.next(first, { tree: 'IProovLogin' })) as FRStep;
    const again = (await scanWithSdk(scan, 'failed')) as FRStep;
    const message = again.getCallbacksOfType<TextOutputCallback>(CallbackType.TextOutputCallback)[0];
    const done = await scanWithSdk(again, 'passed');

    expect(message?.getMessage()).toMatch(/Try again \(attempts left: 2\)/);
    expect(done.type).toBe(StepType.LoginSuccess);
  });

  it('lets the user try again with a message, and fails after the third failed scan', async () => {
    const userName = await provenUser();
    let step = await faceStep(userName);
    const messages: unknown[] = [];

    for (let attempt = 1; attempt < 3; attempt++) {
      const retry = await completeFace<Reply>('IProovLogin', step, 'failed');
      step = retry.body;
      messages.push(output(step.callbacks[0]!, 'message'));
    }
    const last = await completeFace<Reply>('IProovLogin', step, 'failed');

    expect(messages).toEqual([
      'The face scan did not succeed. Try again (attempts left: 2).',
      'The face scan did not succeed. Try again (attempts left: 1).',
    ]);
    expect(last.status).toBe(401);
    expect(last.body).toMatchObject(LOGIN_FAILURE);
  });

  it('locks the account after 3 journeys of failed scans; a verified face starts the count again', async () => {
    const failJourney = async (userName: string): Promise<Reply> => {
      let reply = { status: 200, body: await faceStep(userName) };
      for (let scan = 0; scan < 3 && reply.status === 200; scan++) {
        reply = await completeFace<Reply>('IProovLogin', reply.body, 'failed');
      }
      return reply.body;
    };
    const resilient = await provenUser();
    const locked = await provenUser();

    // resilient: 2 failed journeys, a success, then 2 more failures — never 3 in a row.
    for (let i = 0; i < 2; i++) await failJourney(resilient);
    expect((await completeFace<Reply>('IProovLogin', await faceStep(resilient))).body.tokenId).toBeDefined();
    for (let i = 0; i < 2; i++) await failJourney(resilient);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await failJourney(locked));
    const afterwards = await submit<Reply>(
      'IProovLogin',
      fill(await start('IProovLogin'), { Username: locked, Password: PASSWORD }),
    );

    expect(outcomes.map((o) => o.code)).toEqual([401, 401, 401]);
    expect(afterwards.status).toBe(401);
    expect((await login(locked, PASSWORD)).body.tokenId).toBeUndefined();
    expect((await login(resilient, PASSWORD)).body.tokenId).toEqual(expect.any(String));
  });

  it('does not sign in a client that reports "passed" for a scan iProov failed', async () => {
    const userName = await provenUser();
    const step = await faceStep(userName);
    await scanFace(iproovData(step).token as string, 'failed');

    const reply = await submit<Reply>('IProovLogin', reportFace(step, 'passed'));

    expect(reply.status).toBe(200);
    expect(reply.body.tokenId).toBeUndefined();
    expect(iproovData(reply.body).token).not.toBe(iproovData(step).token);
  });

  it('ends in failure when the user cancels', async () => {
    const step = await faceStep(await provenUser());

    const reply = await completeFace<Reply>('IProovLogin', step, 'canceled');

    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject(LOGIN_FAILURE);
  });

  it('asks for the password first: an unknown user and a wrong password get the same answer', async () => {
    const known = uniqueName('face');
    const nobody = uniqueName('nobo');
    await register(known);
    // The page shows the name typed back in its field: all else must be the same.
    const strip = (body: Step) =>
      JSON.parse(JSON.stringify({ ...body, authId: undefined }).replaceAll(nobody, known));

    const unknown = await submit<Step>(
      'IProovLogin',
      fill(await start('IProovLogin'), { Username: nobody, Password: PASSWORD }),
    );
    const wrong = await submit<Step>(
      'IProovLogin',
      fill(await start('IProovLogin'), { Username: known, Password: 'not-the-password' }),
    );

    expect([unknown.status, wrong.status]).toEqual([200, 200]);
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(unknown.body.callbacks.some((c) => c.type === 'MetadataCallback')).toBe(false);
  });

  it('ends in failure for a user with the right password whose face is not enrolled', async () => {
    const notEnrolled = uniqueName('noface');
    await register(notEnrolled);

    const reply = await submit<Reply>(
      'IProovLogin',
      fill(await start('IProovLogin'), { Username: notEnrolled, Password: PASSWORD }),
    );

    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject(LOGIN_FAILURE);
  });

  it('refuses a replayed step: a passed scan signs in once', async () => {
    const step = await faceStep(await provenUser());
    await scanFace(iproovData(step).token as string, 'passed');
    const answered = reportFace(step, 'passed');

    const first = await submit<Reply>('IProovLogin', answered);
    const replay = await submit<Reply>('IProovLogin', answered);

    expect(first.body.tokenId).toEqual(expect.any(String));
    expect(replay.status).toBe(401);
    expect(replay.body.tokenId).toBeUndefined();
  });

  describe('results webhook', () => {
    const report = (url: string, body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    it('resumes the journey when a native app reports the scan; the next poll gets the session', async () => {
      const step = await faceStep(await provenUser());
      const { token, resultsUrl } = iproovData(step) as { token: string; resultsUrl: string };
      await scanFace(token, 'passed');

      const reported = await report(resultsUrl, { token });
      const again = await report(resultsUrl, { token });
      const poll = await submit<Reply>('IProovLogin', step);

      expect(reported.status).toBe(204);
      expect(await reported.text()).toBe('');
      expect(again.status).toBe(204);
      expect(poll.status, JSON.stringify(poll.body)).toBe(200);
      expect(poll.body.tokenId).toEqual(expect.any(String));
    });

    it('resumes into another attempt when iProov says the remote scan failed', async () => {
      const step = await faceStep(await provenUser());
      const { token, resultsUrl } = iproovData(step) as { token: string; resultsUrl: string };
      await scanFace(token, 'failed');

      expect((await report(resultsUrl, { token })).status).toBe(204);
      const poll = await submit<Reply>('IProovLogin', step);

      expect(poll.body.tokenId).toBeUndefined();
      expect(iproovData(poll.body).token).not.toBe(token);
    });

    it.each([
      ['a wrong token', (url: string) => url, { token: 'f'.repeat(64) }, 403],
      ['an unknown key', (url: string) => url.replace(/[^/]+$/, 'A'.repeat(43)), undefined, 404],
      ['no token', (url: string) => url, {}, 400],
      ['a token that is not a string', (url: string) => url, { token: 42 }, 400],
      ['malformed JSON', (url: string) => url, '{"token":', 400],
      ['a JSON array', (url: string) => url, '[]', 400],
      ['a body too large', (url: string) => url, { token: 'x', pad: 'y'.repeat(8000) }, 413],
    ])('refuses a report with %s and changes nothing', async (_label, target, body, status) => {
      const step = await faceStep(await provenUser());
      const { token, resultsUrl } = iproovData(step) as { token: string; resultsUrl: string };
      await scanFace(token, 'passed');

      const refused = await report(target(resultsUrl), body ?? { token });
      const stillWaiting = await submit<Reply>('IProovLogin', step);

      expect(refused.status).toBe(status);
      expect(await refused.json()).toMatchObject({ code: status, message: expect.any(String) });
      // The journey still waits on the same scan: the client's own report completes it.
      expect(iproovData(stillWaiting.body).token).toBe(token);
      const done = await submit<Reply>('IProovLogin', reportFace(stillWaiting.body, 'passed'));
      expect(done.body.tokenId).toEqual(expect.any(String));
    });
  });

  it('keeps neither the photo nor the validate response once the journey ends', async () => {
    const step = await faceStep(await provenUser());
    const { token, resultsUrl } = iproovData(step) as { token: string; resultsUrl: string };
    const done = await completeFace<Reply>('IProovLogin', step);
    const doc = createDocumentClient(inject('dynamodbEndpoint'));
    const tables = inject('tables');
    const txId = step.authId.split('.')[0];
    const claimKey = resultsUrl.split('/').pop() as string;
    const claimId = hashSecret(claimKey);

    const { Item: tx } = await doc.send(
      new GetCommand({ TableName: tables.Transactions, Key: { id: txId } }),
    );
    const { Item: claim } = await doc.send(
      new GetCommand({ TableName: tables.IproovClaims, Key: { id: claimId } }),
    );

    expect(done.body.tokenId).toEqual(expect.any(String));
    expect(tx).toMatchObject({ status: 'complete', state: {} });
    expect(JSON.stringify(tx)).not.toMatch(/iProov|\/9j\//);
    expect(claim).toEqual({ id: claimId, finished: true, expiresAt: expect.any(Number) });
    expect(JSON.stringify(claim)).not.toContain(token);
  });
});
