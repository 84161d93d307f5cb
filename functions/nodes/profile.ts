import * as v from 'valibot';
import type { User } from '../contract/data.js';
import { JourneyConfigurationError, NoIdentifiedUserError } from '../contract/errors.js';
import type { NodeContext } from '../contract/nodes.js';
import type { JsonObject, JsonValue } from '../shared/json.js';
import { parsePointer, QueryFilterSyntaxError } from './query-filter.js';

/**
 * What the profile decision nodes share: the identified user, and the user as the JSON object AM's nodes see
 * (IDM's managed user), without its private attributes.
 */

/**
 * AM's `identityAttribute` (how IDM finds the object: `userName` by default). Proofline's identity nodes always
 * act on the user an earlier node identified (`userId` in the shared state), so it is accepted for compatibility
 * with AM's exports and not used.
 */
export const identityAttribute = v.optional(v.pipe(v.string(), v.minLength(1)), 'userName');

/** An attribute name, a JSON pointer with or without its leading slash: checked when the journey is loaded. */
export const attributePointer = v.pipe(
  v.string(),
  v.minLength(1),
  v.check((text) => {
    try {
      parsePointer(text);
      return true;
    } catch (error) {
      if (error instanceof QueryFilterSyntaxError) return false;
      throw error;
    }
  }, 'must be an attribute name or a JSON pointer (`preferences/marketing`)'),
);

/** The identified user; a journey without one, or with a user that is gone, is wired wrongly. */
export async function identifiedUser(ctx: NodeContext<unknown>): Promise<User> {
  const userId = ctx.state.userId;
  if (!userId) {
    // Started without a sign-in (e.g. ProgressiveProfile on its own): the journey fails, as in AM.
    throw new NoIdentifiedUserError(`${ctx.nodeId}: no identified user (the journey needs a signed-in user)`);
  }
  const user = await ctx.services.users.get(userId);
  if (!user) throw new JourneyConfigurationError(`${ctx.nodeId}: the identified user no longer exists`);
  return user;
}

/**
 * The user's fields that no profile view shows: secrets and Proofline's bookkeeping. Anything else on the user
 * record (today's profile attributes, and those other nodes add) is in the view.
 */
const PRIVATE_FIELDS: ReadonlySet<string> = new Set([
  'passwordHash',
  'id',
  'realm',
  'userNameKey',
  'mailKey',
]);

/** AM's (IDM's) names for Proofline's fields: `_id`, and the `createDate`/`lastChanged` metadata. */
const AM_NAMES: Readonly<Record<string, string>> = {
  id: '_id',
  createdAt: 'createDate',
  updatedAt: 'lastChanged',
};

/**
 * The user as a JSON object (IDM's managed user as AM's nodes read it): profile attributes under their own
 * names, plus `_id`, `createDate` and `lastChanged` beside Proofline's `createdAt`/`updatedAt`. Never a hash.
 */
export function profileObject(user: User): JsonObject {
  const view: JsonObject = {};
  for (const [key, value] of Object.entries(user) as Array<[string, unknown]>) {
    if (value === undefined) continue;
    const alias = AM_NAMES[key];
    if (alias) view[alias] = value as JsonValue;
    if (PRIVATE_FIELDS.has(key) || /hash/i.test(key)) continue;
    view[key] = value as JsonValue;
  }
  return view;
}
