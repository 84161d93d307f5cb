import { commonNodeServices, iproovNodeServices } from '../composition/nodes.js';
import { withSecrets } from '../shared/secrets.js';
import { passwordHasher } from '../store/password-hasher.js';
import { createNodeHandler } from './common.js';

/** Lambda entry point of the iProov family: its client (secret IPROOV_SECRET_ARN). */
export const handler = createNodeHandler(
  (env) => ({ ...commonNodeServices(env, { passwords: passwordHasher }), ...iproovNodeServices(env) }),
  (env) => withSecrets(env, 'IPROOV_SECRET_ARN'),
);
