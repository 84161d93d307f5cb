import * as v from 'valibot';
import type { TermsAcceptance } from '../contract/data.js';
import { JourneyConfigurationError } from '../contract/errors.js';
import type { ActiveTerms, NodeContext, TermsSource } from '../contract/nodes.js';
import { type CallbackTemplate, inputValue } from '../shared/callbacks.js';
import { isJsonObject } from '../shared/json.js';
import { callbackNode } from './page-support.js';

const configSchema = v.strictObject({});
type Config = v.InferOutput<typeof configSchema>;

/** Shared state keys, AM's: the version shown (set when the callback renders) and the acceptance. */
export const TERMS_VERSION = 'termsVersion';
export const TERMS_ACCEPTED = 'termsAccepted';

/** The terms service, or a configuration error naming the node (AM: "Terms configuration not found"). */
export function termsOf(ctx: NodeContext<unknown>): TermsSource {
  const terms = ctx.services.terms;
  if (!terms) throw new JourneyConfigurationError(`${ctx.nodeId}: no terms and conditions are configured`);
  return terms;
}

/** AM's TermsAndConditionsCallback: the version, its text and publication date; one boolean input. */
export function termsAndConditionsCallback(active: ActiveTerms): CallbackTemplate {
  return {
    type: 'TermsAndConditionsCallback',
    output: [
      { name: 'version', value: active.version },
      { name: 'terms', value: active.terms },
      { name: 'createDate', value: active.createDate },
    ],
    input: [{ suffix: '', value: false }],
  };
}

/** A `termsAccepted` value read back from shared state; undefined when absent or malformed. */
export function termsAcceptanceOf(value: unknown): TermsAcceptance | undefined {
  if (!isJsonObject(value)) return undefined;
  const { termsVersion, acceptDate } = value;
  return typeof termsVersion === 'string' && typeof acceptDate === 'string'
    ? { termsVersion, acceptDate }
    : undefined;
}

/**
 * Accept Terms and Conditions: shows the active version of the terms in the client's locale (the default
 * locale when the version has no text in it) and waits until the user accepts; an unaccepted submission gets
 * the same step again, as in AM (one outcome). The acceptance — the version shown and the time — goes to
 * shared state as `termsAccepted` (Create Object stores it on the new user) and, when the user is already
 * identified, onto the user at once.
 */
export const acceptTermsAndConditions = callbackNode<Config>({
  type: 'AcceptTermsAndConditionsNode',
  displayName: 'Accept Terms and Conditions',
  family: 'identity',
  configSchema,
  render(ctx) {
    const active = termsOf(ctx as NodeContext<unknown>).active(ctx.locale);
    // The version the user is shown is the one recorded, even if another is activated meanwhile (as AM).
    ctx.state[TERMS_VERSION] = active.version;
    return [termsAndConditionsCallback(active)];
  },
  async collect(ctx, callbacks) {
    const callback = callbacks[0];
    if (!callback || inputValue(callback) !== true) return { invalid: true, validateOnly: false };
    const shown = ctx.state[TERMS_VERSION];
    const accepted: TermsAcceptance = {
      termsVersion: typeof shown === 'string' ? shown : termsOf(ctx as NodeContext<unknown>).activeVersion(),
      acceptDate: new Date(ctx.services.clock.nowMs()).toISOString(),
    };
    ctx.state[TERMS_ACCEPTED] = { ...accepted };
    if (ctx.state.userId) await ctx.services.users.acceptTerms(ctx.state.userId, accepted);
    return { invalid: false, validateOnly: false };
  },
});
