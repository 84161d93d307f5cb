import * as v from 'valibot';
import type { NodeDefinition } from '../contract/nodes.js';
import { identifiedUser, identityAttribute } from './profile.js';

const configSchema = v.strictObject({
  /** `AT`: once, when the count equals `amount`; `EVERY`: whenever the count is a multiple of `amount`. */
  interval: v.pipe(
    v.string(),
    v.transform((s) => s.toUpperCase()),
    v.picklist(['AT', 'EVERY'], 'must be AT or EVERY'),
  ),
  amount: v.pipe(v.number(), v.integer(), v.minValue(1)),
  identityAttribute,
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Login Count Decision: true when the identified user's login count (kept by Increment Login Count) is `amount`
 * (AT) or a multiple of it (EVERY), as AM compares them; false otherwise.
 */
export const loginCountDecision = {
  type: 'LoginCountDecisionNode',
  displayName: 'Login Count Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const { loginCount } = await identifiedUser(ctx);
    const { interval, amount } = ctx.config;
    const due = interval === 'AT' ? loginCount === amount : loginCount % amount === 0;
    return { outcome: due ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
