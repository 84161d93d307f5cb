import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import {
  authenticate,
  fill,
  output,
  PASSWORD,
  post,
  type Reply,
  register,
  securityAnswer,
  sessions,
  target,
} from './client.js';
import { isLocalTarget } from './target.js';

/**
 * ResetPassword through the public API on every target that exposes an outbox (the local runtime's `/outbox`; on
 * cdk-out the harness's record of SES calls — the mail goes through the identity function's asynchronous
 * self-invocation and SES, as on AWS). A deployed stack mails real inboxes, which a test cannot read.
 */
const local = isLocalTarget(target.name);
type OutboxEntry = { channel: string; to: string; subject?: string; text: string };

/** The first mail to `to` with `subject` (sent in the background: waits for it). */
async function mailed(to: string, subject: string): Promise<OutboxEntry> {
  for (let tries = 0; tries < 100; tries++) {
    const outbox = (await (await fetch(inject('e2eOutboxUrl'))).json()) as OutboxEntry[];
    const mail = outbox.find((m) => m.to === to && m.subject === subject);
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail "${subject}" to ${to}`);
}

const validate = async (token: string): Promise<unknown> =>
  (await post(sessions('validate'), undefined, { iPlanetDirectoryPro: token })).body;

async function mailedLink(to: string): Promise<string> {
  for (let tries = 0; tries < 100; tries++) {
    const outbox = (await (await fetch(inject('e2eOutboxUrl'))).json()) as OutboxEntry[];
    const text = outbox.find((m) => m.to === to)?.text ?? '';
    const link = /https?:\/\/\S+suspendedId=\S+/.exec(text)?.[0];
    if (link) return link;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no link mailed to ${to}`);
}

describe.skipIf(!target.baseUrl || !local)(`self-service: ResetPassword (${target.name})`, () => {
  it('mails a single-use link that resumes the journey to a new password; the new password signs in', async () => {
    const userName = `e2e-reset-${randomBytes(6).toString('hex')}`;
    const registered = await register(userName);
    expect(registered.status).toBe(200);
    const start = await post(authenticate('ResetPassword'));
    const suspended = await post(
      authenticate('ResetPassword'),
      fill(start.body, [`${userName}@example.com`]),
    );

    const link = new URL(await mailedLink(`${userName}@example.com`));
    const resume = `${authenticate('ResetPassword')}&suspendedId=${encodeURIComponent(link.searchParams.get('suspendedId') ?? '')}`;
    const question: Reply = await post(resume, {});
    const reused = await post(resume, {});
    // One of the two security questions the user defined at registration.
    const prompt = question.body.callbacks?.[0] ? output(question.body.callbacks[0], 'prompt') : undefined;
    const newPassword = await post(
      authenticate('ResetPassword'),
      fill(question.body, [securityAnswer(prompt)]),
    );
    const done = await post(authenticate('ResetPassword'), fill(newPassword.body, ['E2e-Other-Passw0rd']));
    const signIn = await post(authenticate('Login'));
    const signedIn = await post(authenticate('Login'), fill(signIn.body, [userName, 'E2e-Other-Passw0rd']));

    expect(suspended.body.callbacks?.map((c) => c.type)).toEqual(['SuspendedTextOutputCallback']);
    expect(question.body.callbacks?.map((c) => c.type)).toEqual(['PasswordCallback']);
    expect(newPassword.status, JSON.stringify(newPassword.body)).toBe(200);
    expect(newPassword.body.callbacks?.map((c) => c.type)).toEqual(['ValidatedCreatePasswordCallback']);
    expect(reused.status).toBe(401);
    expect(done.body.tokenId).toEqual(expect.any(String));
    expect(signedIn.body.tokenId).toEqual(expect.any(String));
    // The reset ended the older session, kept its own, and mailed the change (ADR 21).
    expect(await validate(registered.body.tokenId as string)).toEqual({ valid: false });
    expect(await validate(done.body.tokenId as string)).toMatchObject({ valid: true, uid: userName });
    expect((await mailed(`${userName}@example.com`, 'Your password was changed')).text).toContain(userName);
  });

  it("mails a locked account's owner the way to reset", async () => {
    const userName = `e2e-locked-${randomBytes(6).toString('hex')}`;
    expect((await register(userName)).status).toBe(200);

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = await post(authenticate('Login'));
      statuses.push(
        (await post(authenticate('Login'), fill(start.body, [userName, `${PASSWORD}-wrong`]))).status,
      );
    }
    const mail = await mailed(`${userName}@example.com`, 'Your account was locked');

    expect(statuses).toEqual([200, 200, 401]);
    expect(mail.text).toMatch(/\/#\/service\/ResetPassword/);
  });
});

describe.skipIf(!target.baseUrl || !local)(`self-service: ForgottenUsername (${target.name})`, () => {
  it('mails the username and a single-use link that resumes into Login; an unknown address gets the same answer and no mail', async () => {
    const userName = `e2e-forgot-${randomBytes(6).toString('hex')}`;
    const nobody = `e2e-nobody-${randomBytes(6).toString('hex')}@example.com`;
    expect((await register(userName)).status).toBe(200);
    const ask = async (mail: string): Promise<Reply> => {
      const start = await post(authenticate('ForgottenUsername'));
      return post(authenticate('ForgottenUsername'), fill(start.body, [mail]));
    };

    const known = await ask(`${userName}@example.com`);
    const unknown = await ask(nobody);
    const mail = await mailed(`${userName}@example.com`, 'Your username');
    const link = new URL(await mailedLink(`${userName}@example.com`));
    const resume = `${authenticate('ForgottenUsername')}&suspendedId=${encodeURIComponent(link.searchParams.get('suspendedId') ?? '')}`;
    const signIn = await post(resume, {});
    const reused = await post(resume, {});
    const done = await post(authenticate('ForgottenUsername'), fill(signIn.body, [userName, PASSWORD]));
    const outbox = (await (await fetch(inject('e2eOutboxUrl'))).json()) as OutboxEntry[];

    expect(known.status).toBe(200);
    expect(known.body.callbacks?.map((c) => c.type)).toEqual(['SuspendedTextOutputCallback']);
    expect({ ...unknown.body, authId: undefined }).toEqual({ ...known.body, authId: undefined });
    expect(unknown.status).toBe(known.status);
    expect(mail.text).toContain(`Your username is ${userName}.`);
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    expect(signIn.body.callbacks?.map((c) => c.type)).toEqual([
      'ValidatedCreateUsernameCallback',
      'ValidatedCreatePasswordCallback',
    ]);
    expect(reused.status).toBe(401);
    expect(done.body.tokenId).toEqual(expect.any(String));
    expect(await validate(done.body.tokenId as string)).toMatchObject({ valid: true, uid: userName });
    expect(outbox.some((m) => m.to === nobody)).toBe(false);
  });
});

describe.skipIf(!target.baseUrl)(`self-service: UpdatePassword (${target.name})`, () => {
  it('changes the password of the signed-in user (session header), ends the older session', async () => {
    const userName = `e2e-update-${randomBytes(6).toString('hex')}`;
    const registered = await register(userName);
    const token = registered.body.tokenId as string;
    const withSession = { iPlanetDirectoryPro: token };

    const current = await post(authenticate('UpdatePassword'), undefined, withSession);
    const next = await post(authenticate('UpdatePassword'), fill(current.body, [PASSWORD]), withSession);
    const done = await post(
      authenticate('UpdatePassword'),
      fill(next.body, ['E2e-Updated-Passw0rd']),
      withSession,
    );
    const anonymous = await post(authenticate('UpdatePassword'));
    const signIn = await post(authenticate('Login'));
    const signedIn = await post(authenticate('Login'), fill(signIn.body, [userName, 'E2e-Updated-Passw0rd']));

    expect(current.status, JSON.stringify(current.body)).toBe(200);
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    expect(done.body.tokenId).toEqual(expect.any(String));
    expect(anonymous.status).toBe(401);
    expect(signedIn.body.tokenId).toEqual(expect.any(String));
    expect(await validate(token)).toEqual({ valid: false });
  });
});
