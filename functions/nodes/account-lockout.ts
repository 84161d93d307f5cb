import * as v from 'valibot';
import { nowSeconds } from '../contract/clock.js';
import { accountKey, PERMANENT } from '../contract/keys.js';
import type { NodeDefinition } from '../contract/nodes.js';

const configSchema = v.strictObject({
  lockAction: v.optional(v.picklist(['LOCK', 'UNLOCK']), 'LOCK'),
  /** How long a LOCK lasts; then the account's failure count starts afresh. 0: until unlocked (AIC's default). */
  lockDurationMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(525_600)), 0),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Account Lockout: locks (LOCK) or unlocks (UNLOCK) the account named in shared state. The lock is kept with the
 * account's failure counters (ADR 10), for any username whether or not a user holds it, so that a lock says
 * nothing about who has an account; the Identity Store Decision refuses to evaluate a password while it lasts.
 */
export const accountLockout = {
  type: 'AccountLockoutNode',
  displayName: 'Account Lockout',
  family: 'identity',
  configSchema,
  outcomes: () => ['outcome'],
  suspends: false,
  async process(ctx) {
    const username = ctx.state.username;
    if (!username) return { outcome: 'outcome' };
    const key = accountKey(ctx.realm, username);
    if (ctx.config.lockAction === 'UNLOCK') {
      await ctx.services.attempts.unlock(key);
    } else {
      const minutes = ctx.config.lockDurationMinutes;
      await ctx.services.attempts.lock(
        key,
        minutes === 0 ? PERMANENT : nowSeconds(ctx.services.clock) + minutes * 60,
      );
    }
    return { outcome: 'outcome' };
  },
} satisfies NodeDefinition<Config>;
