import type { JourneyContext, NodeInvocation } from '../contract/journey.js';
import type { NodeServices } from '../contract/nodes.js';
import { IdemiaClient } from '../providers/idemia/client.js';
import { idemiaConfigFromEnv, isIdemiaConfigured } from '../providers/idemia/config.js';
import { IproovClient } from '../providers/iproov/client.js';
import { iproovConfigFromEnv, isIproovConfigured } from '../providers/iproov/config.js';
import { AwsMessaging } from '../providers/messaging/aws.js';
import { optionalEnv } from '../shared/env.js';
import { withSecrets } from '../shared/secrets.js';
import { AttemptRepository } from '../store/attempts.js';
import { storeFromEnv } from '../store/dynamo.js';
import { IpaSessionRepository } from '../store/ipa-sessions.js';
import { IproovClaimRepository } from '../store/iproov-claims.js';
import { passwordHasher } from '../store/password-hasher.js';
import { S3ProofStore } from '../store/proofs.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../store/throttle.js';
import { UserRepository } from '../store/users.js';
import { runNode } from './run.js';

let services: Promise<NodeServices> | undefined;

/** The services a node family's function has, from its environment (what it is not given stays undefined). */
export function nodeServicesFromEnv(env: NodeJS.ProcessEnv = process.env): NodeServices {
  const store = storeFromEnv(env);
  const publicBaseUrl = optionalEnv('PUBLIC_BASE_URL', env)?.replace(/\/$/, '');
  const uiBaseUrl = optionalEnv('UI_BASE_URL', env)?.replace(/\/$/, '');
  const proofBucket = optionalEnv('PROOF_BUCKET', env);
  const proofKeyArn = optionalEnv('PROOF_KMS_KEY_ARN', env);
  return {
    passwords: passwordHasher,
    users: new UserRepository(store),
    attempts: new AttemptRepository(store),
    throttle: new ThrottleRepository(store, throttlePolicyFromEnv(env)),
    ipaSessions: new IpaSessionRepository(store),
    ...(isIdemiaConfigured(env) ? { idemia: new IdemiaClient(idemiaConfigFromEnv(env)) } : {}),
    ...(isIproovConfigured(env) ? { iproov: new IproovClient(iproovConfigFromEnv(env)) } : {}),
    iproovClaims: new IproovClaimRepository(store),
    ...(proofBucket
      ? { proofs: new S3ProofStore(proofBucket, proofKeyArn ? { kmsKeyArn: proofKeyArn } : {}) }
      : {}),
    messaging: new AwsMessaging(optionalEnv('MESSAGING_EMAIL_FROM', env)),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    ...(uiBaseUrl ? { uiBaseUrl } : {}),
  };
}

/** Lambda entry point of the node families: invoked by the journeys' Task states. */
export async function handler(event: NodeInvocation): Promise<JourneyContext> {
  // Each family's function is given only its vendor's secret (IDEMIA_SECRET_ARN or IPROOV_SECRET_ARN).
  services ??= withSecrets(process.env, 'IDEMIA_SECRET_ARN')
    .then((env) => withSecrets(env, 'IPROOV_SECRET_ARN'))
    .then(nodeServicesFromEnv)
    .catch((error: unknown) => {
      services = undefined; // not cached: the next invocation tries again
      throw error;
    });
  return runNode(event, await services);
}
