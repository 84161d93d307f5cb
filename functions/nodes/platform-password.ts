import * as v from 'valibot';
import type { PolicyFailure } from '../contract/journey.js';
import { inputValue } from '../shared/callbacks.js';
import { textFor } from './messages.js';
import { callbackNode, transientOf } from './page-support.js';
import { checkPolicies, failedPoliciesOutput, PASSWORD_POLICIES, policiesOutput } from './policies.js';
import { PROMPTS } from './texts.js';

const configSchema = v.strictObject({
  /** Check the password against the password policy (registration, password change). */
  validateInput: v.optional(v.boolean(), false),
});
type Config = v.InferOutput<typeof configSchema>;

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Platform Password: collects the password into transient state only, so it is never written to the
 * transaction. Checked against the policy with the other profile values the page collected before it.
 */
export const platformPassword = callbackNode<Config>({
  type: 'ValidatedPasswordNode',
  displayName: 'Platform Password',
  family: 'identity',
  configSchema,
  render: (ctx) => [
    {
      type: 'ValidatedCreatePasswordCallback',
      output: [
        { name: 'echoOn', value: false },
        {
          name: 'policies',
          value: ctx.config.validateInput ? policiesOutput('password', PASSWORD_POLICIES) : {},
        },
        {
          name: 'failedPolicies',
          value: failedPoliciesOutput(ctx.state.transient?.failedPolicies?.password),
        },
        { name: 'validateOnly', value: false },
        { name: 'prompt', value: textFor(ctx, undefined, PROMPTS.password) },
      ],
      input: [
        { suffix: '', value: '' },
        { suffix: 'validateOnly', value: false },
      ],
    },
  ],
  async collect(ctx, [callback]) {
    const password = (callback && asString(inputValue(callback))) ?? '';
    const transient = transientOf(ctx);
    transient.password = password;
    const validateOnly = callback ? inputValue(callback, 'validateOnly') === true : false;
    if (!ctx.config.validateInput) return { invalid: false, validateOnly };
    const attributes = ctx.state.objectAttributes ?? {};
    const failures: PolicyFailure[] = checkPolicies(PASSWORD_POLICIES, password, {
      userName: ctx.state.username,
      givenName: asString(attributes.givenName),
      sn: asString(attributes.sn),
    });
    if (failures.length > 0) transient.failedPolicies = { ...transient.failedPolicies, password: failures };
    return { invalid: failures.length > 0, validateOnly };
  },
});
