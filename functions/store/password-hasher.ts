import type { PasswordHasher } from '../contract/nodes.js';
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from './password.js';

/** The password hasher both runtimes give the nodes. */
export const passwordHasher: PasswordHasher = {
  hash: hashPassword,
  verify: verifyPassword,
  burn: burnPasswordCheck,
  needsRehash,
};
