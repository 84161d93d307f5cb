import type { JourneyContext, NodeInvocation } from '../engine/types.js';
import { storeFromEnv } from '../store/dynamo.js';
import { UserRepository } from '../store/users.js';
import { runNode } from './run.js';
import type { NodeServices } from './types.js';

let services: NodeServices | undefined;

/** Lambda entry point of the identity node family: invoked by the journeys' Task states. */
export async function handler(event: NodeInvocation): Promise<JourneyContext> {
  services ??= { users: new UserRepository(storeFromEnv()) };
  return runNode(event, services);
}
