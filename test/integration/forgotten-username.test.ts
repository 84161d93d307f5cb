import {
  type AttributeInputCallback,
  CallbackType,
  Config,
  FRAuth,
  type FRLoginSuccess,
  type FRStep,
  StepType,
} from '@forgerock/javascript-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateUrl,
  baseUrl,
  fill,
  PASSWORD,
  post,
  register,
  type Step,
  submit,
  uniqueName,
} from './am-client.js';

/**
 * ForgottenUsername (AIC's template): the address → Identify Existing User → Email Suspend (the username in the
 * email, with a single-use link) → Login as an inner journey (which runs ProgressiveProfile) → Success. Through
 * the unmodified ForgeRock SDK (`FRAuth.resume` with the link from the outbox) and over plain HTTP.
 */
type OutboxEntry = { to: string; subject?: string; text: string };

const outbox = async (): Promise<OutboxEntry[]> =>
  (await (await fetch(`${baseUrl()}/outbox`)).json()) as OutboxEntry[];

/** The mail to `to` (sent in the background: waits a little for it). */
async function mailTo(to: string): Promise<OutboxEntry> {
  for (let i = 0; i < 50; i++) {
    const mail = (await outbox()).find((m) => m.to === to);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to}`);
}

const linkIn = (mail: OutboxEntry): string => {
  const link = /https?:\/\/\S+suspendedId=\S+/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no link in ${JSON.stringify(mail)}`);
  return link;
};

/** Starts ForgottenUsername with the SDK and submits `mail`: the suspended step. */
async function askForUsername(mail: string): Promise<FRStep> {
  const first = (await FRAuth.next(undefined, { tree: 'ForgottenUsername' })) as FRStep;
  first
    .getCallbackOfType<AttributeInputCallback<string>>(CallbackType.StringAttributeInputCallback)
    .setValue(mail);
  return (await FRAuth.next(first, { tree: 'ForgottenUsername' })) as FRStep;
}

/** Starts ForgottenUsername over HTTP and submits `mail`. */
async function askOverHttp(mail: string, headers: Record<string, string> = {}) {
  const first = await post<Step>(authenticateUrl('ForgottenUsername'), undefined, headers);
  return post<Step>(authenticateUrl('ForgottenUsername'), fill(first.body, { mail }), headers);
}

describe('ForgottenUsername', () => {
  beforeAll(() => {
    Config.set({ serverConfig: { baseUrl: `${baseUrl()}/`, timeout: 10_000 }, realmPath: 'alpha' });
  });

  it('mails the username and a link; FRAuth.resume(link) continues into Login, which signs in; the link works once', async () => {
    const userName = uniqueName('forgot');
    await register(userName);
    const address = `${userName}@example.com`;

    const suspended = await askForUsername(address);
    const mail = await mailTo(address);
    const link = linkIn(mail);
    // Login's sign-in page, inside the inner journey, reached through the link.
    const signIn = (await FRAuth.resume(link)) as FRStep;
    signIn.getCallbackOfType(CallbackType.ValidatedCreateUsernameCallback).setInputValue(userName);
    signIn.getCallbackOfType(CallbackType.ValidatedCreatePasswordCallback).setInputValue(PASSWORD);
    const done = (await FRAuth.next(signIn, { tree: 'ForgottenUsername' })) as FRLoginSuccess;
    const reused = await FRAuth.resume(link);

    expect(suspended.type).toBe(StepType.Step);
    expect(suspended.getCallbacksOfType(CallbackType.SuspendedTextOutputCallback)).toHaveLength(1);
    expect(mail.subject).toBe('Your username');
    expect(mail.text).toBe(`Your username is ${userName}. Open this link to sign in: ${link}`);
    expect(new URL(link).searchParams.get('authIndexValue')).toBe('ForgottenUsername');
    expect(signIn.type).toBe(StepType.Step);
    expect(signIn.getCallbacksOfType(CallbackType.ValidatedCreatePasswordCallback)).toHaveLength(1);
    expect(done.type).toBe(StepType.LoginSuccess);
    expect(done.getSessionToken()).toEqual(expect.any(String));
    expect(reused.type).toBe(StepType.LoginFailure);
  });

  it('over HTTP: a wrong password inside Login asks again; a followed link answers 401 the second time', async () => {
    const userName = uniqueName('forgot');
    await register(userName);
    const address = `${userName}@example.com`;

    const suspended = await askOverHttp(address);
    const link = new URL(linkIn(await mailTo(address)));
    const resume = `${authenticateUrl('ForgottenUsername')}&suspendedId=${encodeURIComponent(link.searchParams.get('suspendedId') ?? '')}`;
    const signIn = await post<Step>(resume, {});
    const reused = await post<{ code?: number; message?: string }>(resume, {});
    const again = await submit<Step>(
      'ForgottenUsername',
      fill(signIn.body, { Username: userName, Password: `${PASSWORD}-wrong` }),
    );
    const done = await submit<{ tokenId?: string }>(
      'ForgottenUsername',
      fill(again.body, { Username: userName, Password: PASSWORD }),
    );

    expect(suspended.status).toBe(200);
    expect(suspended.body.callbacks.map((c) => c.type)).toEqual(['SuspendedTextOutputCallback']);
    expect(signIn.status).toBe(200);
    expect(signIn.body.callbacks.map((c) => c.type)).toEqual([
      'ValidatedCreateUsernameCallback',
      'ValidatedCreatePasswordCallback',
    ]);
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ code: 401 });
    expect(again.status).toBe(200);
    expect(again.body.callbacks.map((c) => c.type)).toContain('ValidatedCreatePasswordCallback');
    expect(done.status).toBe(200);
    expect(done.body.tokenId).toEqual(expect.any(String));
  });

  it('answers an unknown address exactly as a known one, and mails nobody', async () => {
    const userName = uniqueName('forgot');
    await register(userName);
    const nobody = `${uniqueName('nobody')}@example.com`;

    const known = await askOverHttp(`${userName}@example.com`);
    const unknown = await askOverHttp(nobody);

    const shape = (reply: { status: number; body: Step }) => ({
      status: reply.status,
      body: { ...reply.body, authId: undefined },
    });
    expect(shape(unknown)).toEqual(shape(known));
    // The known address's mail arrives; by then the unknown one's would have too.
    await mailTo(`${userName}@example.com`);
    expect((await outbox()).some((m) => m.to === nobody)).toBe(false);
  });

  it('writes the mail in the requester’s language (Accept-Language)', async () => {
    const userName = uniqueName('oublie');
    await register(userName);
    const address = `${userName}@example.com`;

    await askOverHttp(address, { 'Accept-Language': 'fr-FR,fr;q=0.9' });
    const mail = await mailTo(address);

    expect(mail.subject).toBe('Votre nom d’utilisateur');
    expect(mail.text).toMatch(
      new RegExp(
        `^Votre nom d’utilisateur est ${userName}\\. Ouvrez ce lien pour vous connecter : https?://`,
      ),
    );
  });
});
