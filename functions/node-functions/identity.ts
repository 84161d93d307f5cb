import { commonNodeServices } from '../composition/nodes.js';
import { passwordHasher } from '../store/password-hasher.js';
import { createNodeHandler } from './common.js';

/** Lambda entry point of the identity family (Page, username/password, user store, throttles): no vendor. */
export const handler = createNodeHandler((env) => commonNodeServices(env, { passwords: passwordHasher }));
