import { describe, expect, it } from 'vitest';
import { UserRepository } from '../../functions/store/users.js';
import { testStore } from './test-store.js';

/** The rehash after a successful sign-in (DynamoDB Local): replaces the hash only if nobody changed it meanwhile. */
const users = new UserRepository(testStore());
const profile = (): { userName: string } => ({ userName: `rehash-${Math.random().toString(36).slice(2)}` });

describe('UserRepository.updatePasswordHash', () => {
  it('replaces the hash it was given and touches updatedAt', async () => {
    const user = await users.create('alpha', profile(), 'scrypt$old');

    await expect(users.updatePasswordHash(user.id, '$argon2id$new', 'scrypt$old')).resolves.toBe(true);

    const updated = await users.get(user.id);
    expect(updated?.passwordHash).toBe('$argon2id$new');
    expect(Date.parse(updated?.updatedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(user.updatedAt));
    expect(updated).toMatchObject({ userName: user.userName, loginCount: 0, accountStatus: 'active' });
  });

  it('leaves a hash that changed meanwhile alone and answers false', async () => {
    const user = await users.create('alpha', profile(), 'scrypt$old');
    await users.updatePasswordHash(user.id, '$argon2id$changed-password', 'scrypt$old');

    await expect(users.updatePasswordHash(user.id, '$argon2id$rehash', 'scrypt$old')).resolves.toBe(false);
    expect((await users.get(user.id))?.passwordHash).toBe('$argon2id$changed-password');
  });

  it('answers false for a user without a password or an unknown id, creating nothing', async () => {
    const user = await users.create('alpha', profile(), undefined);

    await expect(users.updatePasswordHash(user.id, '$argon2id$new', 'scrypt$old')).resolves.toBe(false);
    expect((await users.get(user.id))?.passwordHash).toBeUndefined();
    await expect(users.updatePasswordHash('no-such-user', '$argon2id$new', 'scrypt$old')).resolves.toBe(
      false,
    );
    await expect(users.get('no-such-user')).resolves.toBeUndefined();
  });
});
