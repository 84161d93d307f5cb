import * as v from 'valibot';
import type { NodeDefinition } from './types.js';

const configSchema = v.strictObject({
  lockAction: v.optional(v.picklist(['LOCK', 'UNLOCK']), 'LOCK'),
});
type Config = v.InferOutput<typeof configSchema>;

/** Account Lockout: sets the account of the user named in shared state inactive (LOCK) or active (UNLOCK). */
export const accountLockout = {
  type: 'AccountLockoutNode',
  displayName: 'Account Lockout',
  family: 'identity',
  configSchema,
  outcomes: () => ['outcome'],
  suspends: false,
  async process(ctx) {
    const user = ctx.state.username ? await ctx.services.users.findByUserName(ctx.state.username) : undefined;
    if (user) {
      await ctx.services.users.setAccountStatus(
        user.id,
        ctx.config.lockAction === 'LOCK' ? 'inactive' : 'active',
      );
      if (ctx.config.lockAction === 'UNLOCK') await ctx.services.users.resetRetryCounts(user.id);
    }
    return { outcome: 'outcome' };
  },
} satisfies NodeDefinition<Config>;
