import * as v from 'valibot';
import type { NodeDefinition } from './types.js';

const configSchema = v.strictObject({
  retryLimit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 3),
  /** AM's "Save Retry Limit to User": count on the user's profile, across journeys. */
  incrementUserAttributeOnFailure: v.optional(v.boolean(), true),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Retry Limit Decision: Retry while fewer than `retryLimit` failures were counted, then Reject. Counts on the
 * user when there is one (so a new journey does not reset the count), otherwise in the journey.
 */
export const retryLimitDecision = {
  type: 'RetryLimitDecisionNode',
  displayName: 'Retry Limit Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['Retry', 'Reject'],
  suspends: false,
  async process(ctx) {
    const user =
      ctx.config.incrementUserAttributeOnFailure && ctx.state.username
        ? await ctx.services.users.findByUserName(ctx.state.username)
        : undefined;
    let count: number;
    if (user) {
      count = await ctx.services.users.incrementRetryCount(user.id, ctx.nodeId);
    } else {
      count = (ctx.state.retryCounts?.[ctx.nodeId] ?? 0) + 1;
      ctx.state.retryCounts = { ...ctx.state.retryCounts, [ctx.nodeId]: count };
    }
    return { outcome: count >= ctx.config.retryLimit ? 'Reject' : 'Retry' };
  },
} satisfies NodeDefinition<Config>;
