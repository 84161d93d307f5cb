import { describe, expect, it } from 'vitest';
import { UserRepository } from '../../functions/store/users.js';
import { testStore } from './test-store.js';

/** Patch Object's store write (DynamoDB Local): profile attributes set and removed, the hash, nothing else. */
const users = new UserRepository(testStore());
const userName = (): string => `patch-${Math.random().toString(36).slice(2)}`;

describe('UserRepository.patch', () => {
  it('sets and removes top-level attributes and the password hash in one update', async () => {
    const user = await users.create(
      'alpha',
      { userName: userName(), sn: 'Jensen', preferences: { marketing: false, updates: false } },
      undefined,
    );

    await expect(
      users.patch(user.id, {
        set: { givenName: 'Barbara', preferences: { marketing: true, updates: false } },
        remove: ['sn'],
        passwordHash: '$argon2id$new',
      }),
    ).resolves.toBe(true);

    const updated = await users.get(user.id);
    expect(updated).toMatchObject({
      givenName: 'Barbara',
      preferences: { marketing: true, updates: false },
      passwordHash: '$argon2id$new',
      userName: user.userName,
      loginCount: 0,
    });
    expect(updated?.sn).toBeUndefined();
  });

  it('answers false for an unknown id and creates nothing', async () => {
    await expect(users.patch('no-such-user', { set: { givenName: 'x' } })).resolves.toBe(false);
    await expect(users.get('no-such-user')).resolves.toBeUndefined();
  });

  it.each(['userName', 'mail', 'loginCount', 'id', 'passwordHash'])('refuses to write %s', async (name) => {
    const user = await users.create('alpha', { userName: userName() }, undefined);
    await expect(users.patch(user.id, { set: { [name]: 'x' } })).rejects.toThrow(`cannot change "${name}"`);
    await expect(users.patch(user.id, { remove: [name] })).rejects.toThrow(`cannot change "${name}"`);
  });
});
