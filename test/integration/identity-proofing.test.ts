import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CallbackType,
  type ChoiceCallback,
  Config,
  FRAuth,
  type FRStep,
  type HiddenValueCallback,
  type MetadataCallback,
  StepType,
} from '@forgerock/javascript-sdk';
import QRCode from 'qrcode';
import { describe, expect, inject, it } from 'vitest';
import { IpaSessionRepository } from '../../functions/store/ipa-sessions.js';
import { hashPassword } from '../../functions/store/password.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import {
  type AmReply,
  authenticateUrl,
  baseUrl,
  completeFace,
  fill,
  iproovData,
  output,
  PASSWORD,
  post,
  register,
  registrationValues,
  type Step,
  scanFace,
  start,
  submit,
  uniqueName,
} from './am-client.js';
import { testStore } from './test-store.js';

const sandbox = (): string => inject('idemiaSandboxUrl');
type Reply = AmReply;

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox()}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as Record<string, unknown>;
}

const hiddenValue = (step: Step, id: string): string | undefined =>
  step.callbacks.find((c) => c.type === 'HiddenValueCallback' && output(c, 'id') === id)?.output[0]?.value as
    | string
    | undefined;

/** Picks a delivery method on the choice step (0: QR code, 1: email). */
function choose(step: Step, option: number): Step {
  const copy = structuredClone(step);
  const confirmation = copy.callbacks.find((c) => c.type === 'ChoiceCallback');
  if (!confirmation?.input[0]) throw new Error(`no delivery choice in ${JSON.stringify(step)}`);
  confirmation.input[0].value = option;
  return copy;
}

/**
 * Registers a user (unless given) and signs in to IdentityProofing, choosing the QR code (or `option`) when
 * asked: returns the waiting step and the IPA session id.
 */
async function signInToProofing(
  userName?: string,
  option = 0,
): Promise<{ step: Step; sessionId: string; userName: string }> {
  const name = userName ?? uniqueName('proof');
  if (!userName) await register(name);
  const first = await start('IdentityProofing');
  let reply = await submit<Step>('IdentityProofing', fill(first, { Username: name, Password: PASSWORD }));
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  if (reply.body.callbacks.some((c) => c.type === 'ChoiceCallback')) {
    reply = await submit<Step>('IdentityProofing', choose(reply.body, option));
  }
  const url = hiddenValue(reply.body, 'ipaSessionUrl');
  const sessionId = url ? new URL(url).searchParams.get('session-id') : null;
  if (!sessionId) throw new Error(`no IPA session URL in ${JSON.stringify(reply.body)}`);
  return { step: reply.body, sessionId, userName: name };
}

const poll = (step: Step) => submit<Reply>('IdentityProofing', step);

/** Registers a user with these names on the profile (Registration's givenName and sn). */
async function registerAs(userName: string, givenName: string, sn: string): Promise<void> {
  const reply = await submit<{ tokenId?: string }>(
    'Registration',
    fill(await start('Registration'), registrationValues(userName, { givenName, sn })),
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
}

/**
 * Plays the user on the sandbox's start page, as a browser would: reads the page from the step's IPA link and
 * posts its form with the names entered and the button pressed (`formaction` carries the button's LOA).
 */
async function onStartPage(
  step: Step,
  button: string,
  entered: Record<string, string> = {},
): Promise<{ page: string; response: Response }> {
  const page = await (await fetch(hiddenValue(step, 'ipaSessionUrl') as string)).text();
  const tag = new RegExp(
    `<button name="outcome" value="([a-z]+)"(?: formaction="([^"]+)")?[^>]*>${button}<`,
  ).exec(page);
  if (!tag) throw new Error(`no button ${button} on ${page}`);
  const fields = Object.fromEntries(
    [...page.matchAll(/<input id="\w+" name="(\w+)"[^>]* value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
  );
  const action = tag[2] ?? (/<form method="post" action="([^"]+)"/.exec(page)?.[1] as string);
  const response = await fetch(`${sandbox()}${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, ...entered, outcome: tag[1] as string }).toString(),
    redirect: 'manual',
  });
  return { page, response };
}

const ipaSessions = () => new IpaSessionRepository(testStore());

/** The last step of a proven identity: the face is bound with iProov (Combined), then the session. */
async function bindFace(reply: { status: number; body: Reply }): Promise<Reply> {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(iproovData(reply.body).token).toEqual(expect.any(String));
  const done = await completeFace<Reply>('IdentityProofing', reply.body);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return done.body;
}

describe('IdentityProofing with IDEMIA IPA', () => {
  it('shows the IPA URL as a QR code, as text, as a hidden value, and a polling wait', async () => {
    const { step } = await signInToProofing();

    expect(step.callbacks.map((c) => c.type)).toEqual([
      'TextOutputCallback',
      'TextOutputCallback',
      'HiddenValueCallback',
      'HiddenValueCallback',
      'PollingWaitCallback',
    ]);
    const url = hiddenValue(step, 'ipaSessionUrl');
    expect(url).toMatch(/\/api\/v1\/ipa\/start\?session-id=[0-9a-f-]{36}$/);
    // The link as plain text (messageType 0), for a UI that cannot draw the QR code: the Login Widget.
    expect(output(step.callbacks[1]!, 'message')).toBe(`Or open this link on your phone: ${url}`);
    expect(output(step.callbacks[1]!, 'messageType')).toBe('0');
    expect(hiddenValue(step, 'ipaSessionQrCode')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(output(step.callbacks[4]!, 'waitTime')).toBe('5000');
  });

  it('renders the QR code from the stored link when it answers the step: the SVG is never stored', async () => {
    const { step } = await signInToProofing();
    const url = hiddenValue(step, 'ipaSessionUrl')!;
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });

    expect(hiddenValue(step, 'ipaSessionQrCode')).toBe(
      `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    );
    const tx = await new TransactionRepository(testStore()).get(step.authId.split('.')[0]!);
    expect(JSON.stringify(tx)).not.toContain('data:image');
    const stored = tx?.pending?.callbacks.find((c) => c.output.some((o) => o.value === 'ipaSessionQrCode'));
    expect(stored?.output[0]?.value).toEqual({ $render: 'qr', from: url });
    // Polled again: the same client-visible step.
    const again = await poll(step);
    expect(hiddenValue(again.body as Step, 'ipaSessionQrCode')).toBe(hiddenValue(step, 'ipaSessionQrCode'));
  });

  it('lets the user choose how to receive the link, in their language', async () => {
    const userName = uniqueName('choice');
    await register(userName);
    const first = await start('IdentityProofing');

    const reply = await post<Step>(
      authenticateUrl('IdentityProofing'),
      fill(first, { Username: userName, Password: PASSWORD }),
      {
        'Accept-Language': 'fr-CH, fr;q=0.9, en;q=0.5',
      },
    );

    expect(reply.body.callbacks.map((c) => c.type)).toEqual(['ChoiceCallback']);
    expect(output(reply.body.callbacks[0]!, 'prompt')).toMatch(/Choisissez/);
    expect(output(reply.body.callbacks[0]!, 'choices')).toEqual([
      'Scanner un code QR',
      'M’envoyer un e-mail',
      'Continuer sur cet appareil',
    ]);
  });

  it('sends the link by email to the address in the profile, then completes', async () => {
    const { step, sessionId, userName } = await signInToProofing(undefined, 1);

    const outbox = (await (await fetch(`${baseUrl()}/outbox`)).json()) as Array<{ to: string; text: string }>;
    const email = outbox.find((e) => e.to === `${userName}@example.com`);
    expect(email?.text).toContain(`session-id=${sessionId}`);
    expect(step.callbacks.map((c) => c.type)).toEqual([
      'TextOutputCallback',
      'HiddenValueCallback',
      'PollingWaitCallback',
    ]);
    await control(`/sandbox/sessions/${sessionId}/complete`, { outcome: 'verified' });

    expect((await bindFace(await poll(step))).tokenId).toEqual(expect.any(String));
  });

  it('offers SMS only to a user with a mobile number, and sends the link there', async () => {
    const userName = uniqueName('sms');
    const users = new UserRepository(testStore());
    await users.create(
      'alpha',
      { userName, givenName: 'Ada', sn: 'Lovelace', telephoneNumber: '+447700900123' },
      await hashPassword(PASSWORD),
    );
    const signedIn = await submit<Step>(
      'IdentityProofing',
      fill(await start('IdentityProofing'), { Username: userName, Password: PASSWORD }),
    );
    const options = signedIn.body.callbacks.find((c) => c.type === 'ChoiceCallback');

    const waiting = await submit<Step>('IdentityProofing', choose(signedIn.body, 1));
    const outbox = (await (await fetch(`${baseUrl()}/outbox`)).json()) as Array<{
      channel: string;
      to: string;
      text: string;
    }>;
    const sms = outbox.find((m) => m.to === '+447700900123');
    const sessionId = new URL(hiddenValue(waiting.body, 'ipaSessionUrl') as string).searchParams.get(
      'session-id',
    );
    await control(`/sandbox/sessions/${sessionId}/complete`, { outcome: 'verified' });

    // No email address on this profile: no email option; a mobile number: the SMS option.
    expect(output(options!, 'choices')).toEqual([
      'Scan a QR code',
      'Send me a text message',
      'Continue on this device',
    ]);
    expect(sms).toMatchObject({ channel: 'sms' });
    expect(sms?.text).toContain(`session-id=${sessionId}`);
    expect((await bindFace(await poll(waiting.body))).tokenId).toEqual(expect.any(String));
  });

  it('redirects to IPA and back with a one-time code, which brings the user into the same journey', async () => {
    const userName = uniqueName('redirect');
    await register(userName);
    const first = await start('IdentityProofing');
    const choice = await submit<Step>(
      'IdentityProofing',
      fill(first, { Username: userName, Password: PASSWORD }),
    );
    const chosen = await submit<Step>('IdentityProofing', choose(choice.body, 2));
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    const redirect = chosen.body;
    const ipaUrl = output(redirect.callbacks[0]!, 'redirectUrl') as string;
    const sessionId = new URL(ipaUrl).searchParams.get('session-id');

    // The "user" finishes on IPA's page, which notifies Proofline and sends the browser to the gotoUrl.
    const finished = await fetch(`${sandbox()}/sandbox/sessions/${sessionId}/complete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'outcome=verified&loa=LOA2',
      redirect: 'manual',
    });
    const back = new URL(finished.headers.get('location') as string);
    const resumed = await post<Reply>(
      `${authenticateUrl('IdentityProofing')}&code=${back.searchParams.get('code')}&state=${back.searchParams.get('state')}`,
      redirect,
    );

    expect(redirect.callbacks.map((c) => c.type)).toEqual(['RedirectCallback', 'HiddenValueCallback']);
    expect(output(redirect.callbacks[0]!, 'redirectMethod')).toBe('GET');
    expect(finished.status).toBe(303);
    expect(`${back.origin}${back.pathname}`).toBe(`${baseUrl()}/`);
    expect((await bindFace(resumed)).tokenId).toEqual(expect.any(String));
  });

  it('refuses a wrong code brought back from the redirect', async () => {
    const userName = uniqueName('redirect');
    await register(userName);
    const first = await start('IdentityProofing');
    const choice = await submit<Step>(
      'IdentityProofing',
      fill(first, { Username: userName, Password: PASSWORD }),
    );
    const redirect = (await submit<Step>('IdentityProofing', choose(choice.body, 2))).body;

    const resumed = await post<Reply>(
      `${authenticateUrl('IdentityProofing')}&code=${'x'.repeat(43)}&state=idemia-ipa`,
      redirect,
    );

    expect(resumed.status).toBe(401);
  });

  it('keeps the client waiting while the user has not finished: the same step, the same authId', async () => {
    const { step } = await signInToProofing();

    const reply = await poll(step);
    const again = await poll(reply.body as Step);

    expect(reply.status).toBe(200);
    // Nothing happened: the poll is answered from the transaction (issue 10 §3), the step is unchanged.
    expect(reply.body).toEqual(step);
    expect(again.body).toEqual(step);
  });

  it('completes when the user is verified: the webhook resumes the journey and the next poll gets the session', async () => {
    const { step, sessionId, userName } = await signInToProofing();

    const session = await control(`/sandbox/sessions/${sessionId}/complete`, {
      outcome: 'verified',
      loa: 'LOA3',
    });
    const reply = await poll(step);

    expect((session.deliveries as Array<{ status: number }>).map((d) => d.status)).toEqual([204]);
    // The proof archive is kept, encrypted (not a gzip stream on disk).
    const stored = (await readdir(inject('proofsDir'), { recursive: true })).find((f) =>
      f.endsWith(`${sessionId}.tar.gz.enc`),
    );
    expect(stored).toBeDefined();
    const bytes = await readFile(join(inject('proofsDir'), stored as string));
    expect(bytes.length).toBeGreaterThan(28);
    expect(bytes.subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
    const enrolment = reply.body;
    expect(iproovData(enrolment).type).toBe('enrol');
    expect((await bindFace(reply)).tokenId).toEqual(expect.any(String));
    // Completion Decision: a verified user is not asked again; their face is now verified, not enrolled.
    const again = await submit<Reply>(
      'IdentityProofing',
      fill(await start('IdentityProofing'), { Username: userName, Password: PASSWORD }),
    );
    expect(iproovData(again.body).type).toBe('verify');
    expect((await bindFace(again)).tokenId).toEqual(expect.any(String));
  });

  it('records duplicate, concurrent and late notifications once', async () => {
    const { step, sessionId } = await signInToProofing();
    const completed = await control(`/sandbox/sessions/${sessionId}/complete`, { outcome: 'verified' });
    const callbackUrl = completed.callbackUrl as string;
    const notification = completed.notification as Record<string, unknown>;

    const duplicates = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(callbackUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(notification),
        }),
      ),
    );
    const redelivered = await control(`/sandbox/sessions/${sessionId}/redeliver`, {});
    const reply = await poll(step);
    const late = await fetch(callbackUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(notification),
    });

    expect(duplicates.map((d) => d.status)).toEqual([204, 204, 204]);
    expect(await duplicates[0]!.text()).toBe('');
    expect((redelivered.deliveries as Array<{ status: number }>).map((d) => d.status)).toEqual([204, 204]);
    expect((await bindFace(reply)).tokenId).toEqual(expect.any(String));
    expect(late.status).toBe(204);
  });

  it.each([
    ['a forged key', (url: string) => url.replace(/[^/]+$/, 'A'.repeat(43)), {}, 404],
    ['an unknown session', (url: string) => url, { sessionId: '00000000-0000-0000-0000-000000000000' }, 404],
    ['another application', (url: string) => url, { applicationId: 'someone-else' }, 403],
    ['a malformed status', (url: string) => url, { status: 'DONE' }, 400],
    ['a missing timestamp', (url: string) => url, { timestamp: undefined }, 400],
  ])('refuses a notification with %s and changes nothing', async (_name, mutateUrl, patch, status) => {
    const { step, sessionId } = await signInToProofing();
    const record = await control(`/sandbox/sessions/${sessionId}`);
    const body = {
      applicationId: 'proofline-sandbox-app',
      sessionId,
      identityId: 'gips-forged',
      timestamp: Date.now() / 1000,
      ...patch,
    };

    const response = await fetch(mutateUrl(record.callbackUrl as string), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const reply = await poll(step);

    expect(response.status).toBe(status);
    expect(reply.body.callbacks.at(-1)?.type).toBe('PollingWaitCallback');
  });

  it('answers a wrong key exactly as an unknown session, so session ids cannot be probed', async () => {
    const { step, sessionId } = await signInToProofing();
    const record = await control(`/sandbox/sessions/${sessionId}`);
    const notify = (url: string, session: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          applicationId: 'proofline-sandbox-app',
          sessionId: session,
          timestamp: Date.now() / 1000,
        }),
      });
    const wrongKey = (record.callbackUrl as string).replace(/[^/]+$/, 'A'.repeat(43));

    const known = await notify(wrongKey, sessionId);
    const unknown = await notify(wrongKey, '00000000-0000-0000-0000-000000000000');

    expect(known.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await known.text()).toBe(await unknown.text());
    expect((await poll(step)).body.callbacks.at(-1)?.type).toBe('PollingWaitCallback');
  });

  it("refuses a notification naming another session's identity, which changes nothing", async () => {
    const victim = await signInToProofing();
    const completed = await control(`/sandbox/sessions/${victim.sessionId}/complete`, {
      outcome: 'verified',
      loa: 'LOA3',
    });
    const victimIdentity = (completed.notification as { identityId: string }).identityId;
    const attacker = await signInToProofing();
    const record = await control(`/sandbox/sessions/${attacker.sessionId}`);

    const forged = await fetch(record.callbackUrl as string, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        applicationId: 'proofline-sandbox-app',
        sessionId: attacker.sessionId,
        identityId: victimIdentity,
        proofUrl: `${sandbox()}/gips/v1/identities/${victimIdentity}/proof`,
        timestamp: Date.now() / 1000,
      }),
    });
    const attackerPoll = await poll(attacker.step);
    const victimPoll = await poll(victim.step);
    // The attacker's own session still completes with its own identity afterwards.
    await control(`/sandbox/sessions/${attacker.sessionId}/complete`, { outcome: 'verified' });

    expect(forged.status).toBe(409);
    expect(attackerPoll.body.callbacks.at(-1)?.type).toBe('PollingWaitCallback');
    expect((await bindFace(victimPoll)).tokenId).toEqual(expect.any(String));
    expect((await bindFace(await poll(attackerPoll.body))).tokenId).toEqual(expect.any(String));
  });

  it('refuses malformed JSON with 400', async () => {
    const { sessionId } = await signInToProofing();
    const record = await control(`/sandbox/sessions/${sessionId}`);

    const response = await fetch(record.callbackUrl as string, { method: 'POST', body: '{"sessionId":' });

    expect(response.status).toBe(400);
  });

  it.each([
    ['the user aborts (ERROR)', { outcome: 'error' }, 'IPA_ERROR'],
    ['the user drops off (HEARTBEAT_TIMEOUT)', { outcome: 'timeout' }, 'HEARTBEAT_TIMEOUT'],
    ['the document is rejected', { outcome: 'rejected' }, 'LOA_TOO_LOW'],
    ['the level of assurance is below the minimum', { outcome: 'verified', loa: 'LOA1' }, 'LOA_TOO_LOW'],
    [
      'the document does not match the profile',
      { outcome: 'verified', identity: { givenNames: 'Grace' } },
      'BIOGRAPHIC_MISMATCH',
    ],
  ])('fails the journey when %s', async (_name, completion, _code) => {
    const { step, sessionId } = await signInToProofing();

    await control(`/sandbox/sessions/${sessionId}/complete`, completion);
    const reply = await poll(step);

    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 401, message: 'Login failure' });
  });

  it("passes a user registered with other names who enters them on the sandbox's start page", async () => {
    const userName = uniqueName('zola');
    await registerAs(userName, 'Émile', 'Zola');
    const { step, sessionId } = await signInToProofing(userName);

    const { page, response } = await onStartPage(step, 'Verified, LOA2', {
      givenNames: 'Émile',
      surname: 'Zola',
      birthDate: '1985-04-02',
    });
    const reply = await poll(step);

    // Prefilled with the sandbox's sample document; the person types the names they registered with.
    expect(page).toContain('name="givenNames" type="text" required maxlength="100" value="Ada"');
    expect(page).toContain('name="birthDate" type="date"');
    expect(response.status).toBe(200);
    const gips = await control(`/sandbox/sessions/${sessionId}`);
    expect(gips.state).toBe('COMPLETED');
    expect((await bindFace(reply)).tokenId).toEqual(expect.any(String));
    expect((await ipaSessions().get(sessionId))?.result).toBe('SUCCESS');
  });

  it('fails as a name mismatch when the user presses "Name mismatch" on the start page', async () => {
    const { step, sessionId } = await signInToProofing();

    const { response } = await onStartPage(step, 'Name mismatch');
    const reply = await poll(step);

    expect(response.status).toBe(200);
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ code: 401, message: 'Login failure' });
    expect((await ipaSessions().get(sessionId))?.failure).toMatchObject({
      code: 'BIOGRAPHIC_MISMATCH',
      message: expect.stringMatching(/given_name, family_name/),
    });
  });

  it('fails as a name mismatch for the sample names when the user registered with others', async () => {
    const userName = uniqueName('hopper');
    await registerAs(userName, 'Grace', 'Hopper');
    const { step, sessionId } = await signInToProofing(userName);

    await onStartPage(step, 'Verified, LOA2');
    const reply = await poll(step);

    expect(reply.status).toBe(401);
    expect((await ipaSessions().get(sessionId))?.failure).toMatchObject({ code: 'BIOGRAPHIC_MISMATCH' });
  });

  it.each([
    ['a birth date that is not a date', { birthDate: '10/12/1990' }, /birthDate must be a date/],
    ['an unknown outcome', { outcome: 'maybe' }, /outcome must be one of/],
    ['an unknown level of assurance', { loa: 'LOA9' }, /loa must be one of/],
    ['an over-long name', { surname: 'x'.repeat(101) }, /surname must be/],
  ])(
    'answers 400 to the start page posting %s, and the session stays open',
    async (_name, patch, message) => {
      const { sessionId } = await signInToProofing();

      const response = await fetch(`${sandbox()}/sandbox/sessions/${sessionId}/complete`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ outcome: 'verified', givenNames: 'Ada', surname: 'Lovelace', ...patch }),
      });

      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
      expect((await control(`/sandbox/sessions/${sessionId}`)).state).toBe('CREATED');
    },
  );

  it('waits through a GIPS outage and completes once GIPS recovers', async () => {
    const { step, sessionId } = await signInToProofing();
    await control('/sandbox/faults', { gipsFailures: 3 });

    await control(`/sandbox/sessions/${sessionId}/complete`, { outcome: 'verified' });
    let reply = await poll(step);
    for (let i = 0; i < 5 && reply.body.callbacks?.at(-1)?.type === 'PollingWaitCallback'; i++)
      reply = await poll(reply.body);
    await control('/sandbox/faults', {});

    expect((await bindFace(reply)).tokenId).toEqual(expect.any(String));
  });

  it('continues an unfinished session in a new journey (Completion Decision: Not Completed)', async () => {
    const first = await signInToProofing();

    const second = await signInToProofing(first.userName);

    expect(second.sessionId).toBe(first.sessionId);
  });

  it('starts a new session after a failed or expired one', async () => {
    const first = await signInToProofing();
    await control(`/sandbox/sessions/${first.sessionId}/complete`, { outcome: 'timeout' });

    const second = await signInToProofing(first.userName);

    expect(second.sessionId).not.toBe(first.sessionId);
  });

  it('is completed by the unmodified ForgeRock SDK, polling as told', async () => {
    const userName = uniqueName('sdk-proof');
    await register(userName);
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });

    let step = (await FRAuth.next(undefined, { tree: 'IdentityProofing' })) as FRStep;
    step.getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(userName);
    step.getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue(PASSWORD);
    let next = await FRAuth.next(step, { tree: 'IdentityProofing' });
    const delivery = (next as FRStep).getCallbackOfType<ChoiceCallback>(CallbackType.ChoiceCallback);
    // Every option can be picked through the SDK (a ConfirmationCallback's setOptionIndex takes only 0 or 1).
    expect(delivery.getChoices().length).toBeGreaterThan(2);
    expect(() => delivery.setChoiceIndex(delivery.getChoices().length - 1)).not.toThrow();
    delivery.setChoiceIndex(0);
    next = await FRAuth.next(next as FRStep, { tree: 'IdentityProofing' });
    const url = (next as FRStep)
      .getCallbacksOfType(CallbackType.HiddenValueCallback)[0]
      ?.getOutputValue('value') as string;
    await control(`/sandbox/sessions/${new URL(url).searchParams.get('session-id')}/complete`, {
      outcome: 'verified',
    });
    for (
      let polls = 0;
      next.type === StepType.Step &&
      (next as FRStep).getCallbacksOfType(CallbackType.MetadataCallback).length === 0 &&
      polls < 5;
      polls++
    ) {
      step = next as FRStep;
      expect(step.getCallbackOfType(CallbackType.PollingWaitCallback)).toBeDefined();
      next = await FRAuth.next(step, { tree: 'IdentityProofing' });
    }
    // The face step, read and answered through the SDK's own callback classes.
    step = next as FRStep;
    const { iproov } = step.getCallbackOfType<MetadataCallback>(CallbackType.MetadataCallback).getData<{
      iproov: { token: string };
    }>();
    await scanFace(iproov.token, 'passed');
    step.getCallbackOfType<HiddenValueCallback>(CallbackType.HiddenValueCallback).setInputValue('passed');
    next = await FRAuth.next(step, { tree: 'IdentityProofing' });

    expect(next.type).toBe(StepType.LoginSuccess);
  });

  it('shows the QR code message in the language the client prefers', async () => {
    const userName = uniqueName('fr');
    await register(userName);
    const headers = { 'Accept-Language': 'fr' };
    const first = await start('IdentityProofing');
    const credentials = fill(first, { Username: userName, Password: PASSWORD });
    const choice = await post<Step>(authenticateUrl('IdentityProofing'), credentials, headers);

    const reply = await post<Step>(authenticateUrl('IdentityProofing'), choose(choice.body, 0), headers);

    expect(output(reply.body.callbacks[0]!, 'message')).toMatch(/^Scannez le code QR/);
  });
});
