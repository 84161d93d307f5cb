import { nodeServices } from '../composition/nodes.js';
import type { NodeServices } from '../contract/nodes.js';
import { withSecrets } from '../shared/secrets.js';
import { passwordHasher } from '../store/password-hasher.js';
import { createNodeHandler } from './common.js';

/**
 * The services of all node families, from the environment (what it is not given stays undefined). The deployed
 * functions are one per family, each with only its own services: identity.ts, idemia.ts, iproov.ts.
 */
export function nodeServicesFromEnv(env: NodeJS.ProcessEnv = process.env): NodeServices {
  return nodeServices(env, { passwords: passwordHasher });
}

/** A Lambda entry point with every family's services (each vendor secret that the environment names). */
export const handler = createNodeHandler(nodeServicesFromEnv, (env) =>
  withSecrets(env, 'IDEMIA_SECRET_ARN').then((next) => withSecrets(next, 'IPROOV_SECRET_ARN')),
);
