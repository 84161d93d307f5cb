import * as v from 'valibot';
import { JourneyConfigurationError } from '../contract/errors.js';
import type { NodeDefinition } from '../contract/nodes.js';

const configSchema = v.strictObject({});

/** Increment Login Count: adds one to the identified user's login count. */
export const incrementLoginCount = {
  type: 'IncrementLoginCountNode',
  displayName: 'Increment Login Count',
  family: 'identity',
  configSchema,
  outcomes: () => ['outcome'],
  suspends: false,
  async process(ctx) {
    const userId = ctx.state.userId;
    if (!userId) {
      throw new JourneyConfigurationError(
        `${ctx.nodeId}: no identified user (place it after a node that identifies one)`,
      );
    }
    await ctx.services.users.incrementLoginCount(userId);
    return { outcome: 'outcome' };
  },
} satisfies NodeDefinition<Record<string, never>>;
