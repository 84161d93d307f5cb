import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';

const configSchema = v.strictObject({
  /** The attribute made available in shared state when a user is found (AM: `identifier`). */
  identifier: v.optional(v.picklist(['userName', 'mail']), 'userName'),
  /** The attribute that identifies the user, read from the collected `objectAttributes` (AM: `identityAttribute`). */
  identityAttribute: v.optional(v.picklist(['userName', 'mail']), 'mail'),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Identify Existing User: looks up the user of this realm whose `identityAttribute` (by default `mail`) is the
 * value collected earlier, and on `true` identifies them (`userId`, and `username` when `identifier` is
 * `userName`). The store's work is the same whether or not a user holds the value (the look-up reads an item
 * that never exists), so journeys that route both outcomes alike (ResetPassword, ForgottenUsername) do not
 * tell who has an account.
 */
export const identifyExistingUser = {
  type: 'IdentifyExistingUserNode',
  displayName: 'Identify Existing User',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const collected = ctx.state.objectAttributes?.[ctx.config.identityAttribute];
    const value = typeof collected === 'string' ? collected.trim() : '';
    const { users } = ctx.services;
    const user =
      value === ''
        ? undefined
        : ctx.config.identityAttribute === 'mail'
          ? await users.findByMail(ctx.realm, value)
          : await users.findByUserName(ctx.realm, value);
    if (!user || user.accountStatus === 'inactive') return { outcome: 'false' };
    ctx.state.userId = user.id;
    if (ctx.config.identifier === 'userName') ctx.state.username = user.userName;
    return { outcome: 'true' };
  },
} satisfies NodeDefinition<Config>;
