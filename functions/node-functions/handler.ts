import { nodeServices } from '../composition/root.js';
import type { JourneyContext, NodeInvocation } from '../contract/journey.js';
import type { NodeServices } from '../contract/nodes.js';
import { runNode } from '../nodes/run.js';
import { withSecrets } from '../shared/secrets.js';
import { passwordHasher } from '../store/password-hasher.js';

let services: Promise<NodeServices> | undefined;

/** The services a node family's function has, from its environment (what it is not given stays undefined). */
export function nodeServicesFromEnv(env: NodeJS.ProcessEnv = process.env): NodeServices {
  return nodeServices(env, { passwords: passwordHasher });
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
