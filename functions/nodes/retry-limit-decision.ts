import * as v from 'valibot';
import { accountKey } from '../contract/keys.js';
import type { NodeDefinition } from '../contract/nodes.js';
import { transientOf } from './page-support.js';

const configSchema = v.strictObject({
  retryLimit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 3),
  /** AM's "Save Retry Limit to User": count on the account, across journeys. */
  incrementUserAttributeOnFailure: v.optional(v.boolean(), true),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Retry Limit Decision: Retry while fewer than `retryLimit` failures were counted, then Reject. Saved to the
 * user, the count is kept per account (realm and username, whether or not such a user exists: see ADR 10), so a
 * new journey does not reset it; otherwise it is kept in the journey. A failure an Identity Store Decision has
 * already counted (its reservation) is not counted twice.
 */
export const retryLimitDecision = {
  type: 'RetryLimitDecisionNode',
  displayName: 'Retry Limit Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['Retry', 'Reject'],
  suspends: false,
  async process(ctx) {
    const transient = transientOf(ctx);
    const counted = transient.countedAttempts?.[ctx.nodeId];
    let count: number;
    if (counted !== undefined) {
      count = counted;
      const { [ctx.nodeId]: _used, ...rest } = transient.countedAttempts ?? {};
      transient.countedAttempts = rest;
    } else if (ctx.config.incrementUserAttributeOnFailure && ctx.state.username) {
      count = await ctx.services.attempts.countFailure(accountKey(ctx.realm, ctx.state.username), ctx.nodeId);
    } else {
      count = (ctx.state.retryCounts?.[ctx.nodeId] ?? 0) + 1;
      ctx.state.retryCounts = { ...ctx.state.retryCounts, [ctx.nodeId]: count };
    }
    return { outcome: count >= ctx.config.retryLimit ? 'Reject' : 'Retry' };
  },
} satisfies NodeDefinition<Config>;
