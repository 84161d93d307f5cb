import * as v from 'valibot';
import { NoIdentifiedUserError } from '../contract/errors.js';
import type { NodeDefinition } from '../contract/nodes.js';

const configSchema = v.strictObject({
  /** AM's setting (the attribute the user is found by); Proofline finds the identified user by `userId`. */
  identityAttribute: v.optional(v.literal('userName'), 'userName'),
});
type Config = v.InferOutput<typeof configSchema>;

/**
 * Terms and Conditions Decision: true when the identified user accepted the active version of the terms,
 * false otherwise — so activating a new version sends everyone through Accept Terms and Conditions again.
 * With no terms configured it answers true, as AM does with no active terms.
 */
export const termsAndConditionsDecision = {
  type: 'TermsAndConditionsDecisionNode',
  displayName: 'Terms and Conditions Decision',
  family: 'identity',
  configSchema,
  outcomes: () => ['true', 'false'],
  suspends: false,
  async process(ctx) {
    const userId = ctx.state.userId;
    if (!userId) {
      // Started without a sign-in (e.g. ProgressiveProfile on its own): the journey fails as in AM (401).
      throw new NoIdentifiedUserError(
        `${ctx.nodeId}: no identified user (place it after a node that identifies one)`,
      );
    }
    const terms = ctx.services.terms;
    if (!terms) return { outcome: 'true' };
    const user = await ctx.services.users.get(userId);
    return { outcome: user?.termsAccepted?.termsVersion === terms.activeVersion() ? 'true' : 'false' };
  },
} satisfies NodeDefinition<Config>;
