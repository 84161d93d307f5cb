import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';
import { attributePointer, identifiedUser, identityAttribute, profileObject } from './profile.js';
import { isPresent, parsePointer, resolvePointer } from './query-filter.js';

const configSchema = v.strictObject({
  /** The attribute to look for; may be the private `password` (the user has a password hash). */
  presentAttribute: attributePointer,
  identityAttribute,
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Attribute Present Decision: true when the identified user has the attribute, private ones included
 * (`password`: a password is set). Only the fact is used: no value reaches the shared state.
 */
export const attributePresentDecision = {
  type: 'AttributePresentDecisionNode',
  displayName: 'Attribute Present Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const user = await identifiedUser(ctx);
    const path = parsePointer(ctx.config.presentAttribute);
    const present =
      path.length === 1 && path[0] === 'password'
        ? typeof user.passwordHash === 'string' && user.passwordHash !== ''
        : isPresent(resolvePointer(profileObject(user), path));
    return { outcome: present ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
