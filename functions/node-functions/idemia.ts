import { commonNodeServices, idemiaNodeServices } from '../composition/nodes.js';
import { withSecrets } from '../shared/secrets.js';
import { passwordHasher } from '../store/password-hasher.js';
import { createNodeHandler } from './common.js';

/** Lambda entry point of the IDEMIA family: its client (secret IDEMIA_SECRET_ARN), proofs in S3, SES and SNS. */
export const handler = createNodeHandler(
  (env) => ({ ...commonNodeServices(env, { passwords: passwordHasher }), ...idemiaNodeServices(env) }),
  (env) => withSecrets(env, 'IDEMIA_SECRET_ARN'),
);
