import * as v from 'valibot';
import type { PolicyFailure } from '../contract/journey.js';
import { type CallbackTemplate, inputValue } from '../shared/callbacks.js';
import type { JsonValue } from '../shared/json.js';
import {
  ATTRIBUTE_NAMES,
  ATTRIBUTES,
  type AttributeName,
  attributePolicies,
  getPath,
  setPath,
} from './attributes.js';
import { textFor } from './messages.js';
import { callbackNode, transientOf } from './page-support.js';
import { checkPolicies, failedPoliciesOutput, policiesOutput } from './policies.js';

const configSchema = v.strictObject({
  attributesToCollect: v.pipe(v.array(v.picklist(ATTRIBUTE_NAMES)), v.minLength(1)),
  /** All collected attributes must have a value. */
  required: v.optional(v.boolean(), false),
  /** Check values against the attributes' policies (format, uniqueness). */
  validateInputs: v.optional(v.boolean(), false),
});
type Config = v.InferOutput<typeof configSchema>;

function renderAttribute(
  name: AttributeName,
  prompt: string,
  config: Config,
  current: JsonValue | undefined,
  failures?: PolicyFailure[],
): CallbackTemplate {
  const definition = ATTRIBUTES[name];
  const policies = config.validateInputs
    ? policiesOutput(name, attributePolicies(name, config.required))
    : {};
  const value = definition.type === 'boolean' ? current === true : typeof current === 'string' ? current : '';
  return {
    type: definition.type === 'boolean' ? 'BooleanAttributeInputCallback' : 'StringAttributeInputCallback',
    output: [
      { name: 'name', value: name },
      { name: 'prompt', value: prompt },
      { name: 'required', value: config.required },
      { name: 'policies', value: policies },
      { name: 'failedPolicies', value: failedPoliciesOutput(failures) },
      { name: 'validateOnly', value: false },
      { name: 'value', value },
    ],
    input: [
      { suffix: '', value },
      { suffix: 'validateOnly', value: false },
    ],
  };
}

/** Attribute Collector: collects profile attributes into `objectAttributes`, keeping them across re-renders. */
export const attributeCollector = callbackNode<Config>({
  type: 'AttributeCollectorNode',
  displayName: 'Attribute Collector',
  family: 'identity',
  configSchema,
  render: (ctx) =>
    ctx.config.attributesToCollect.map((name) =>
      renderAttribute(
        name,
        textFor(ctx, undefined, ATTRIBUTES[name].prompt),
        ctx.config,
        getPath(ctx.state.objectAttributes, name),
        ctx.state.transient?.failedPolicies?.[name],
      ),
    ),
  async collect(ctx, callbacks) {
    const attributes = { ...ctx.state.objectAttributes };
    let invalid = false;
    let validateOnly = false;
    const transient = transientOf(ctx);
    for (const [index, name] of ctx.config.attributesToCollect.entries()) {
      const callback = callbacks[index];
      if (!callback) continue;
      const definition = ATTRIBUTES[name];
      const raw = inputValue(callback);
      const value = definition.type === 'boolean' ? raw === true : typeof raw === 'string' ? raw.trim() : '';
      setPath(attributes, name, value);
      validateOnly ||= inputValue(callback, 'validateOnly') === true;
      const checked = ctx.config.validateInputs
        ? attributePolicies(name, ctx.config.required)
        : attributePolicies(name, ctx.config.required).filter((p) => p.policyId === 'required');
      const failures = checkPolicies(checked, value);
      if (
        failures.length === 0 &&
        ctx.config.validateInputs &&
        definition.unique &&
        name === 'mail' &&
        typeof value === 'string' &&
        value !== '' &&
        (await ctx.services.users.isTaken(ctx.realm, 'mail', value))
      ) {
        failures.push({ policyRequirement: 'UNIQUE' });
      }
      if (failures.length > 0) {
        invalid = true;
        transient.failedPolicies = { ...transient.failedPolicies, [name]: failures };
      }
    }
    ctx.state.objectAttributes = attributes;
    return { invalid, validateOnly };
  },
});
