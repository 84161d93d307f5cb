import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';
import type { JsonValue } from '../shared/json.js';
import { attributePointer, identifiedUser, identityAttribute, profileObject } from './profile.js';
import { isPresent, parsePointer, resolvePointer } from './query-filter.js';

const configSchema = v.pipe(
  v.strictObject({
    comparisonOperation: v.picklist(['PRESENT', 'EQUALS']),
    /** The attribute to check; private attributes (`password`) are not readable: use Attribute Present Decision. */
    comparisonAttribute: v.pipe(
      attributePointer,
      v.check(
        (name) => parsePointer(name).join('/') !== 'password',
        'password is private: use the Attribute Present Decision node',
      ),
    ),
    /** For EQUALS: the value the attribute must have (compared with the attribute's text form). */
    comparisonValue: v.optional(v.string()),
    identityAttribute,
  }),
  v.check(
    (c) => c.comparisonOperation !== 'EQUALS' || c.comparisonValue !== undefined,
    'comparisonValue is required for EQUALS',
  ),
);
type Config = v.InferOutput<typeof configSchema>;

/** A value's text form: strings as they are, numbers and booleans as JSON writes them. */
const text = (value: JsonValue): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;

/**
 * Attribute Value Decision: PRESENT is true when the identified user's attribute has a value; EQUALS when it
 * equals `comparisonValue` exactly (an array attribute: when one of its elements does).
 */
export const attributeValueDecision = {
  type: 'AttributeValueDecisionNode',
  displayName: 'Attribute Value Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const user = await identifiedUser(ctx);
    const value = resolvePointer(profileObject(user), parsePointer(ctx.config.comparisonAttribute));
    if (ctx.config.comparisonOperation === 'PRESENT') return { outcome: isPresent(value) ? 'true' : 'false' };
    const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
    const equal = values.some((v) => text(v) === ctx.config.comparisonValue);
    return { outcome: equal ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
