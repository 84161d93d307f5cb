import * as v from 'valibot';
import type { PolicyFailure } from '../contract/journey.js';
import { inputValue } from '../shared/callbacks.js';
import { textFor } from './messages.js';
import { callbackNode, transientOf } from './page-support.js';
import { checkPolicies, failedPoliciesOutput, policiesOutput, USERNAME_POLICIES } from './policies.js';
import { PROMPTS } from './texts.js';

const configSchema = v.strictObject({
  /** Check the username against the identity store's policies, uniqueness included (registration). */
  validateInput: v.optional(v.boolean(), false),
});
type Config = v.InferOutput<typeof configSchema>;

/** Platform Username: collects the username into shared state (`username`, `objectAttributes.userName`). */
export const platformUsername = callbackNode<Config>({
  type: 'ValidatedUsernameNode',
  displayName: 'Platform Username',
  family: 'identity',
  configSchema,
  render: (ctx) => [
    {
      type: 'ValidatedCreateUsernameCallback',
      output: [
        {
          name: 'policies',
          value: ctx.config.validateInput ? policiesOutput('userName', USERNAME_POLICIES) : {},
        },
        {
          name: 'failedPolicies',
          value: failedPoliciesOutput(ctx.state.transient?.failedPolicies?.userName),
        },
        { name: 'validateOnly', value: false },
        { name: 'prompt', value: textFor(ctx, undefined, PROMPTS.username) },
      ],
      input: [
        { suffix: '', value: ctx.state.username ?? '' },
        { suffix: 'validateOnly', value: false },
      ],
    },
  ],
  async collect(ctx, [callback]) {
    const raw = callback ? inputValue(callback) : undefined;
    const username = typeof raw === 'string' ? raw.trim() : '';
    ctx.state.username = username;
    ctx.state.objectAttributes = { ...ctx.state.objectAttributes, userName: username };
    const validateOnly = callback ? inputValue(callback, 'validateOnly') === true : false;
    if (!ctx.config.validateInput) return { invalid: false, validateOnly };
    const failures: PolicyFailure[] = checkPolicies(USERNAME_POLICIES, username);
    if (failures.length === 0 && (await ctx.services.users.isTaken(ctx.realm, 'userName', username))) {
      failures.push({ policyRequirement: 'UNIQUE' });
    }
    if (failures.length > 0) {
      const transient = transientOf(ctx);
      transient.failedPolicies = { ...transient.failedPolicies, userName: failures };
    }
    return { invalid: failures.length > 0, validateOnly };
  },
});
