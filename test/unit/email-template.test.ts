import { describe, expect, it } from 'vitest';
import type { User } from '../../functions/contract/data.js';
import type { NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import type { AttemptStore, ThrottleStore, UserStore } from '../../functions/contract/ports.js';
import { EMAIL_TEMPLATES, renderEmailTemplate } from '../../functions/nodes/email-templates.js';
import { getNodeDefinition, parseNodeConfig } from '../../functions/nodes/registry.js';
import { runNode } from '../../functions/nodes/run.js';
import type { EmailMessage } from '../../functions/providers/messaging/port.js';

/** Email Template on fake ports that record every call: what it sends, and the work it does. */
const ADA: User = {
  id: 'user-ada',
  realm: 'alpha',
  userName: 'ada',
  mail: 'ada@example.com',
  accountStatus: 'active',
  loginCount: 0,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const NO_MAIL: User = { ...ADA, id: 'user-bob', userName: 'bob', mail: undefined } as User;

function harness(options: { mailer?: boolean; uiBaseUrl?: string } = {}) {
  const calls: string[] = [];
  const mails: Array<EmailMessage | undefined> = [];
  const users = {
    async findByUserName(realm: string, name: string) {
      calls.push('users.findByUserName');
      return realm === 'alpha' ? [ADA, NO_MAIL].find((u) => u.userName === name) : undefined;
    },
    async findByMail(realm: string, mail: string) {
      calls.push('users.findByMail');
      return realm === 'alpha' && mail === ADA.mail ? ADA : undefined;
    },
  } as unknown as UserStore;
  const services: NodeServices = {
    clock: { nowMs: () => Date.UTC(2026, 10, 27, 12) },
    users,
    passwords: {} as PasswordHasher,
    attempts: {} as AttemptStore,
    throttle: {} as ThrottleStore,
    ...(options.uiBaseUrl ? { uiBaseUrl: options.uiBaseUrl } : {}),
    ...(options.mailer === false
      ? {}
      : {
          mailer: {
            async enqueue(message: EmailMessage | undefined) {
              calls.push('mailer.enqueue');
              mails.push(message);
            },
          },
        }),
  };
  return { services, calls, mails };
}

const invocation = (
  state: NodeInvocation['context']['state'],
  config: Record<string, unknown>,
  locale = 'en',
): NodeInvocation => ({
  node: { id: 'Mail', type: 'EmailTemplateNode', config: config as never },
  context: { journey: 'Login', realm: 'alpha', txId: 'tx-1', state, locale },
});

describe('Email Template', () => {
  it('mails the user named in shared state (EMAIL_SENT), from the profile’s address', async () => {
    const h = harness({ uiBaseUrl: 'https://app.example' });

    const result = await runNode(
      invocation({ username: 'ada' }, { emailTemplateName: 'passwordChanged' }),
      h.services,
    );

    expect(result.outcome).toBe('EMAIL_SENT');
    expect(h.mails).toEqual([
      {
        to: 'ada@example.com',
        subject: 'Your password was changed',
        text: expect.stringContaining('Hello ada,'),
      },
    ]);
  });

  it('calls the mailer with nothing for an unknown name or a user without mail (EMAIL_NOT_SENT), with the same calls', async () => {
    const known = harness();
    const unknown = harness();
    const noMail = harness();

    const sent = await runNode(
      invocation({ username: 'ada' }, { emailTemplateName: 'accountLocked' }),
      known.services,
    );
    const notFound = await runNode(
      invocation({ username: 'nobody' }, { emailTemplateName: 'accountLocked' }),
      unknown.services,
    );
    const withoutMail = await runNode(
      invocation({ username: 'bob' }, { emailTemplateName: 'accountLocked' }),
      noMail.services,
    );

    expect(sent.outcome).toBe('EMAIL_SENT');
    expect(notFound.outcome).toBe('EMAIL_NOT_SENT');
    expect(withoutMail.outcome).toBe('EMAIL_NOT_SENT');
    expect(unknown.calls).toEqual(known.calls);
    expect(noMail.calls).toEqual(known.calls);
    expect(known.calls).toEqual(['users.findByUserName', 'mailer.enqueue']);
    expect(unknown.mails).toEqual([undefined]);
    expect(noMail.mails).toEqual([undefined]);
  });

  it('finds the user by the collected mail when the identity attribute is mail', async () => {
    const h = harness();

    const result = await runNode(
      invocation(
        { objectAttributes: { mail: 'ada@example.com' } },
        { emailTemplateName: 'passwordChanged', identityAttribute: 'mail' },
      ),
      h.services,
    );

    expect(result.outcome).toBe('EMAIL_SENT');
    expect(h.calls).toEqual(['users.findByMail', 'mailer.enqueue']);
  });

  it('sends nothing without a mailer (EMAIL_NOT_SENT), known or not', async () => {
    const known = harness({ mailer: false });
    const unknown = harness({ mailer: false });

    const a = await runNode(
      invocation({ username: 'ada' }, { emailTemplateName: 'accountLocked' }),
      known.services,
    );
    const b = await runNode(
      invocation({ username: 'nobody' }, { emailTemplateName: 'accountLocked' }),
      unknown.services,
    );

    expect([a.outcome, b.outcome]).toEqual(['EMAIL_NOT_SENT', 'EMAIL_NOT_SENT']);
    expect(unknown.calls).toEqual(known.calls);
  });

  it('writes in the client’s locale, falling back to English', async () => {
    const fr = harness({ uiBaseUrl: 'https://app.example' });
    const de = harness({ uiBaseUrl: 'https://app.example' });

    await runNode(
      invocation({ username: 'ada' }, { emailTemplateName: 'accountLocked' }, 'fr-CH'),
      fr.services,
    );
    await runNode(invocation({ username: 'ada' }, { emailTemplateName: 'accountLocked' }, 'de'), de.services);

    expect(fr.mails[0]?.subject).toBe('Votre compte a été verrouillé');
    expect(fr.mails[0]?.text).toContain('Bonjour ada,');
    expect(de.mails[0]?.subject).toBe('Your account was locked');
  });

  it('tells a locked-out user how to reset the password: the ResetPassword link, or the sign-in page without one', () => {
    const withLink = renderEmailTemplate('accountLocked', 'en', {
      userName: 'ada',
      uiBaseUrl: 'https://app.example',
    });
    const without = renderEmailTemplate('accountLocked', 'fr', { userName: 'ada', uiBaseUrl: undefined });

    expect(withLink.text).toContain('https://app.example/#/service/ResetPassword');
    expect(without.text).toContain('Mot de passe oublié');
    expect(without.text).not.toContain('undefined');
  });

  it('has every template in English and French, and refuses an unknown template name', () => {
    for (const template of Object.values(EMAIL_TEMPLATES)) {
      expect(Object.keys(template.subject)).toEqual(['en', 'fr']);
      expect(Object.keys(template.text)).toEqual(['en', 'fr']);
    }
    const definition = getNodeDefinition('EmailTemplateNode');

    expect(() => parseNodeConfig(definition, { emailTemplateName: 'welcome' }, 'Mail')).toThrow(
      /emailTemplateName/,
    );
    expect(definition.mailsOffPath).toBe(true);
  });
});
