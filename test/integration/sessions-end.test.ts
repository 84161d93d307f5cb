import { describe, expect, it } from 'vitest';
import { SessionRepository } from '../../functions/store/sessions.js';
import { UserRepository } from '../../functions/store/users.js';
import { testStore } from './test-store.js';

/** ADR 21 on DynamoDB Local: which store calls end a user's sessions (a password change), and which do not. */
const store = testStore();
const users = new UserRepository(store);
const sessions = new SessionRepository(store);
const name = (): string => `ends-${Math.random().toString(36).slice(2)}`;

async function userWithSession(): Promise<{ id: string; token: string }> {
  const user = await users.create('alpha', { userName: name() }, 'scrypt$old');
  const token = await sessions.create(
    { userId: user.id, userName: user.userName, realm: 'alpha', journey: 'Login' },
    3600,
  );
  // ADR 21 compares milliseconds strictly: a session created in the very millisecond of a password change counts
  // as after it. In a journey tens of milliseconds separate the two; here the next call could land in the same
  // millisecond (DynamoDB Local answers in well under one), so the clock is let past it first.
  const created = Date.now();
  while (Date.now() <= created) await new Promise((resolve) => setTimeout(resolve, 1));
  return { id: user.id, token };
}

describe('sessions and password changes', () => {
  it('ends the sessions created before a new password set by patch, and deletes them; later ones live', async () => {
    const { id, token } = await userWithSession();

    await expect(users.patch(id, { passwordHash: '$argon2id$new' })).resolves.toBe(true);
    const later = await sessions.create(
      { userId: id, userName: 'x', realm: 'alpha', journey: 'Login' },
      3600,
    );

    expect(await sessions.find(token)).toBeUndefined();
    expect(await sessions.delete(token)).toBe(false);
    expect(await sessions.find(later)).toMatchObject({ userId: id });
    expect((await users.get(id))?.sessionsValidAfter).toEqual(expect.any(Number));
  });

  it('keeps the sessions through a profile patch without a password and through a rehash', async () => {
    const { id, token } = await userWithSession();

    await users.patch(id, { set: { givenName: 'Ada' } });
    await users.updatePasswordHash(id, '$argon2id$rehash', 'scrypt$old');

    expect(await sessions.find(token)).toMatchObject({ userId: id });
    expect((await users.get(id))?.sessionsValidAfter).toBeUndefined();
  });

  it('ends them on a password change by compare-and-set (endSessions)', async () => {
    const { id, token } = await userWithSession();

    await users.updatePasswordHash(id, '$argon2id$changed', 'scrypt$old', { endSessions: true });

    expect(await sessions.find(token)).toBeUndefined();
  });

  it('refuses sessionsValidAfter as a profile attribute', async () => {
    const { id } = await userWithSession();

    await expect(users.patch(id, { set: { sessionsValidAfter: 0 } })).rejects.toThrow(/sessionsValidAfter/);
  });
});
