import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';
import { ATTRIBUTE_NAMES } from './attributes.js';
import { attributePointer, identifiedUser, identityAttribute, profileObject } from './profile.js';
import { isPresent, parsePointer, resolvePointer } from './query-filter.js';

const configSchema = v.strictObject({
  /** The percentage (0–100) of `attributes` that must have a value. */
  threshold: v.pipe(v.number(), v.minValue(0), v.maxValue(100)),
  /**
   * The attributes that make a complete profile. AM counts the managed object's user-viewable, user-editable
   * attributes; Proofline's are the attributes a journey can collect, the default.
   */
  attributes: v.optional(v.pipe(v.array(attributePointer), v.minLength(1)), () => [...ATTRIBUTE_NAMES]),
  identityAttribute,
});
type Config = v.InferOutput<typeof configSchema>;

/** Profile Completeness Decision: true when at least `threshold` percent of `attributes` have a value. */
export const profileCompletenessDecision = {
  type: 'ProfileCompletenessDecisionNode',
  displayName: 'Profile Completeness Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const profile = profileObject(await identifiedUser(ctx));
    const { attributes, threshold } = ctx.config;
    const filled = attributes.filter((name) => isPresent(resolvePointer(profile, parsePointer(name)))).length;
    return { outcome: (filled * 100) / attributes.length >= threshold ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
