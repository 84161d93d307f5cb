import * as v from 'valibot';
import { burnPasswordCheck, verifyPassword } from '../store/password.js';
import { transientOf } from './page-support.js';
import type { NodeDefinition } from './types.js';

const configSchema = v.strictObject({
  /** The message the next page shows after a failed check. */
  failureMessage: v.optional(v.string(), 'Invalid username or password.'),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Identity Store Decision: true when the username and password match an active user. Unknown users,
 * wrong passwords and locked accounts all answer false, in the same time, so nothing is disclosed.
 */
export const identityStoreDecision = {
  type: 'IdentityStoreDecisionNode',
  displayName: 'Identity Store Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const transient = transientOf(ctx);
    const password = transient.password ?? '';
    const username = ctx.state.username ?? '';
    const user = username ? await ctx.services.users.findByUserName(username) : undefined;
    const matches = user?.passwordHash
      ? await verifyPassword(password, user.passwordHash)
      : await burnPasswordCheck(password);
    if (user && matches && user.accountStatus === 'active') {
      ctx.state.userId = user.id;
      if (Object.keys(user.retryCounts ?? {}).length > 0) await ctx.services.users.resetRetryCounts(user.id);
      return { outcome: 'true' };
    }
    transient.messages = [
      ...(transient.messages ?? []),
      { message: ctx.config.failureMessage, messageType: '2' },
    ];
    return { outcome: 'false' };
  },
} satisfies NodeDefinition<Config>;
