import { describe, expect, it } from 'vitest';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../../functions/store/password.js';

describe('password hashing (scrypt)', () => {
  it('verifies the right password and rejects others', async () => {
    const hash = await hashPassword('Secret-Passw0rd');

    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(hash).not.toContain('Secret');
    await expect(verifyPassword('Secret-Passw0rd', hash)).resolves.toBe(true);
    await expect(verifyPassword('secret-Passw0rd', hash)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('never matches a malformed stored hash', async () => {
    await expect(verifyPassword('x', 'plain-text')).resolves.toBe(false);
    await expect(verifyPassword('x', 'bcrypt$1$2$3$4$5')).resolves.toBe(false);
  });

  it('spends a verification for unknown users and answers false', async () => {
    await expect(burnPasswordCheck('anything')).resolves.toBe(false);
  });
});

describe('stored hash parameters', () => {
  it('refuses parameters outside what Proofline writes instead of deriving with them', async () => {
    await expect(verifyPassword('x', 'scrypt$2097152$8$1$c2FsdA$aGFzaA')).resolves.toBe(false);
    await expect(verifyPassword('x', 'scrypt$abc$8$1$c2FsdA$aGFzaA')).resolves.toBe(false);
  });
});
