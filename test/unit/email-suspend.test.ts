import { describe, expect, it } from 'vitest';
import type { User } from '../../functions/contract/data.js';
import type { NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import type { AttemptStore, ThrottleStore, UserStore } from '../../functions/contract/ports.js';
import { runNode } from '../../functions/nodes/run.js';
import type { EmailMessage } from '../../functions/providers/messaging/port.js';
import { hashSecret } from '../../functions/shared/secret-hash.js';
import { ThrottledError } from '../../functions/shared/throttled.js';
import { throttlePolicyFromEnv } from '../../functions/store/throttle.js';

/** Email Suspend and Identify Existing User on fake ports that record every call: the work they do. */
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

function harness(throttled = false) {
  const calls: string[] = [];
  const consumed: string[][] = [];
  const mails: Array<EmailMessage | undefined> = [];
  const users = {
    async get(id: string) {
      calls.push('users.get');
      return id === ADA.id ? ADA : undefined;
    },
    async findByMail(realm: string, mail: string) {
      calls.push('users.findByMail');
      return realm === 'alpha' && mail === ADA.mail ? ADA : undefined;
    },
    async findByUserName(realm: string, name: string) {
      calls.push('users.findByUserName');
      return realm === 'alpha' && name === ADA.userName ? ADA : undefined;
    },
  } as unknown as UserStore;
  const services: NodeServices = {
    clock: { nowMs: () => Date.UTC(2026, 10, 27, 12) },
    users,
    passwords: {} as PasswordHasher,
    attempts: {} as AttemptStore,
    throttle: {
      policy: throttlePolicyFromEnv({}),
      async consume(keys) {
        calls.push('throttle.consume');
        consumed.push(keys.map((k) => k.id));
        if (throttled) throw new ThrottledError(60);
      },
    } as ThrottleStore,
    uiBaseUrl: 'https://app.example',
    mailer: {
      async enqueue(message) {
        calls.push('mailer.enqueue');
        mails.push(message);
      },
    },
  };
  return { services, calls, mails, consumed };
}

const CLIENT = '203.0.113.7';

const invocation = (
  type: string,
  state: NodeInvocation['context']['state'],
  extra: Partial<NodeInvocation['context']> = {},
  config: Record<string, unknown> = {},
): NodeInvocation => ({
  node: { id: 'N', type, config: config as never },
  context: {
    journey: 'ResetPassword',
    realm: 'alpha',
    txId: 'tx-1',
    state,
    locale: 'en',
    clientIp: CLIENT,
    ...extra,
  },
});

describe('Identify Existing User', () => {
  it('identifies the user holding the collected mail (true), or not (false), with the same store work', async () => {
    const known = harness();
    const unknown = harness();

    const found = await runNode(
      invocation('IdentifyExistingUserNode', { objectAttributes: { mail: 'ada@example.com' } }),
      known.services,
    );
    const missing = await runNode(
      invocation('IdentifyExistingUserNode', { objectAttributes: { mail: 'nobody@example.com' } }),
      unknown.services,
    );

    expect(found.outcome).toBe('true');
    expect(found.state).toMatchObject({ userId: 'user-ada', username: 'ada' });
    expect(missing.outcome).toBe('false');
    expect(missing.state.userId).toBeUndefined();
    expect(unknown.calls).toEqual(known.calls);
  });

  it('is false without a collected value', async () => {
    const h = harness();
    expect((await runNode(invocation('IdentifyExistingUserNode', {}), h.services)).outcome).toBe('false');
  });
});

describe('Email Suspend', () => {
  it('mails a single-use link and suspends with a SuspendedTextOutputCallback', async () => {
    const h = harness();

    const result = await runNode(invocation('EmailSuspendNode', { userId: 'user-ada' }), h.services);

    expect(result.outcome).toBe('suspended');
    expect(result.suspend?.callbacks.map((c) => c.type)).toEqual(['SuspendedTextOutputCallback']);
    const mail = h.mails[0];
    expect(mail?.to).toBe('ada@example.com');
    const link = new URL(/https:\/\/app\.example\/\S+/.exec(mail?.text ?? '')?.[0] ?? 'https://x');
    expect(link.searchParams.get('authIndexValue')).toBe('ResetPassword');
    const id = link.searchParams.get('suspendedId') ?? '';
    expect(id.startsWith('tx-1.')).toBe(true);
    // Only the secret's hash is in the suspension; it expires after the configured minutes (default 15).
    expect(result.suspend?.resumeLink).toEqual({
      hash: hashSecret(id.split('.')[1] ?? ''),
      expiresAt: Date.UTC(2026, 10, 27, 12) / 1000 + 15 * 60,
    });
    expect(JSON.stringify(result.suspend)).not.toContain(id.split('.')[1]);
  });

  it('does the same work for an unknown account, with nothing to send', async () => {
    const known = harness();
    const unknown = harness();

    const a = await runNode(
      invocation('EmailSuspendNode', { userId: 'user-ada', objectAttributes: { mail: 'ada@example.com' } }),
      known.services,
    );
    const b = await runNode(
      invocation('EmailSuspendNode', { objectAttributes: { mail: 'nobody@example.com' } }),
      unknown.services,
    );

    expect(unknown.calls).toEqual(known.calls);
    // Each message counts against its destination (the address typed) and the client, known or not.
    expect(known.consumed[0]).toEqual([expect.stringMatching(/^msg#/), expect.stringMatching(/^msg#/)]);
    expect(unknown.consumed[0]?.length).toBe(2);
    expect(unknown.mails).toEqual([undefined]);
    expect(b.suspend?.callbacks).toEqual(a.suspend?.callbacks);
  });

  it('refuses a throttled message (429) before anything is mailed, known account or not', async () => {
    for (const state of [{ userId: 'user-ada' }, {}]) {
      const h = harness(true);
      await expect(
        runNode(
          invocation('EmailSuspendNode', { ...state, objectAttributes: { mail: 'ada@example.com' } }),
          h.services,
        ),
      ).rejects.toBeInstanceOf(ThrottledError);
      expect(h.mails).toEqual([]);
    }
  });

  it('continues at its outcome when resumed (only a followed link resumes it)', async () => {
    const h = harness();
    const resumed = await runNode(
      invocation(
        'EmailSuspendNode',
        { userId: 'user-ada' },
        { resumeAt: 'N', memo: { suspended: true }, input: [] },
      ),
      h.services,
    );
    expect(resumed.outcome).toBe('outcome');
    expect(h.mails).toEqual([]);
  });

  it('speaks the user’s language', async () => {
    const h = harness();
    const result = await runNode(
      invocation('EmailSuspendNode', { userId: 'user-ada' }, { locale: 'fr' }),
      h.services,
    );
    expect(String(result.suspend?.callbacks[0]?.output[0]?.value)).toMatch(/Un e-mail a été envoyé/);
    expect(h.mails[0]?.subject).toBe('Reprendre là où vous vous êtes arrêté');
  });
});
