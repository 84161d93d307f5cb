import type { JourneyContext, NodeInvocation } from '../contract/journey.js';
import type { NodeServices } from '../contract/nodes.js';
import { runNode } from '../nodes/run.js';

/**
 * A node family's Lambda entry point: its services are built on the first invocation from the environment
 * `prepare` completes (the family's vendor secret, fetched then), and kept while the function is warm; a failure
 * is not cached, the next invocation tries again.
 */
export function createNodeHandler(
  build: (env: NodeJS.ProcessEnv) => NodeServices,
  prepare: (env: NodeJS.ProcessEnv) => Promise<NodeJS.ProcessEnv> = async (env) => env,
): (event: NodeInvocation) => Promise<JourneyContext> {
  let services: Promise<NodeServices> | undefined;
  return async (event) => {
    services ??= prepare(process.env)
      .then(build)
      .catch((error: unknown) => {
        services = undefined;
        throw error;
      });
    return runNode(event, await services);
  };
}
