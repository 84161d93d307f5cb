import * as v from 'valibot';
import type { ConsentedMapping } from '../contract/data.js';
import type { CallbackNodeDefinition } from '../contract/nodes.js';
import { type CallbackTemplate, inputValue } from '../shared/callbacks.js';
import { isJsonObject } from '../shared/json.js';
import { type LocalizedText, localize } from './messages.js';
import { callbackNode } from './page-support.js';

const localized = v.pipe(
  v.record(v.pipe(v.string(), v.regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/i)), v.pipe(v.string(), v.minLength(1))),
  v.check((texts) => Object.keys(texts).length > 0, 'at least one locale'),
);

/** One resource user data may be shared with (in AM, an IDM mapping with privacy and consent enabled). */
const mappingSchema = v.strictObject({
  /** The mapping's name, stored in `consentedMappings` (not shown to the user). */
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,128}$/)),
  /** What the user is shown: a text, or one per locale. */
  displayName: v.union([v.pipe(v.string(), v.minLength(1)), localized]),
  /** An icon for the service (a URL or an icon name); empty: none. */
  icon: v.optional(v.string(), ''),
  /** What is shared, as shown to the user (AM: `Actual Profile`). */
  accessLevel: v.optional(v.string(), 'Actual Profile'),
  /** The names of the attributes shared, as shown to the user. */
  fields: v.optional(v.array(v.string()), []),
});

const configSchema = v.strictObject({
  mappings: v.pipe(
    v.array(mappingSchema),
    v.check(
      (mappings) => new Set(mappings.map((m) => m.name)).size === mappings.length,
      'mapping names must be unique',
    ),
  ),
  /** Every mapping must be consented to before the journey moves on (AM's "All Mappings Required"). */
  allRequired: v.optional(v.boolean(), false),
  /** The privacy and consent notice per locale (AM's "Privacy & Consent Message"). */
  message: v.optional(localized),
});
type Config = v.InferOutput<typeof configSchema>;

const DEFAULT_MESSAGE: LocalizedText = {
  en: 'You consent to your data being shared with this service. You can withdraw your consent at any time.',
  fr: 'Vous consentez au partage de vos données avec ce service. Vous pouvez retirer votre consentement à tout moment.',
};

/** Shared-state attribute (under `objectAttributes`) and user attribute, AM's name. */
export const CONSENTED_MAPPINGS = 'consentedMappings';

/** A `consentedMappings` value read back from shared state; undefined when absent or malformed. */
export function consentedMappingsOf(value: unknown): ConsentedMapping[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const mappings = value.filter(
    (m): m is ConsentedMapping =>
      isJsonObject(m) && typeof m.mapping === 'string' && typeof m.consentDate === 'string',
  );
  return mappings.length === value.length
    ? mappings.map((m) => ({ mapping: m.mapping, consentDate: m.consentDate }))
    : undefined;
}

function consentCallback(
  mapping: Config['mappings'][number],
  config: Config,
  locale: string | undefined,
): CallbackTemplate {
  const displayName =
    typeof mapping.displayName === 'string'
      ? mapping.displayName
      : localize(mapping.displayName, locale, mapping.displayName);
  return {
    type: 'ConsentMappingCallback',
    output: [
      { name: 'name', value: mapping.name },
      { name: 'displayName', value: displayName },
      { name: 'icon', value: mapping.icon },
      { name: 'accessLevel', value: mapping.accessLevel },
      { name: 'isRequired', value: config.allRequired },
      { name: 'message', value: localize(config.message, locale, DEFAULT_MESSAGE) },
      { name: 'fields', value: mapping.fields },
    ],
    input: [{ suffix: '', value: false }],
  };
}

const collector = callbackNode<Config>({
  type: 'ConsentNode',
  displayName: 'Consent Collector',
  family: 'identity',
  configSchema,
  render: (ctx) => ctx.config.mappings.map((m) => consentCallback(m, ctx.config, ctx.locale)),
  async collect(ctx, callbacks) {
    const given = ctx.config.mappings.map((mapping, index) => {
      const callback = callbacks[index];
      return { mapping, consented: callback !== undefined && inputValue(callback) === true };
    });
    // As AM: with every mapping required, anything short of full consent gets the same step again.
    if (ctx.config.allRequired && given.some((g) => !g.consented))
      return { invalid: true, validateOnly: false };
    const consentDate = new Date(ctx.services.clock.nowMs()).toISOString();
    const consented: ConsentedMapping[] = given
      .filter((g) => g.consented)
      .map((g) => ({ mapping: g.mapping.name, consentDate }));
    ctx.state.objectAttributes = {
      ...ctx.state.objectAttributes,
      [CONSENTED_MAPPINGS]: consented.map((m) => ({ ...m })),
    };
    if (ctx.state.userId) await ctx.services.users.setConsentedMappings(ctx.state.userId, consented);
    return { invalid: false, validateOnly: false };
  },
});

/**
 * Consent Collector: one ConsentMappingCallback per configured mapping (AM lists IDM's mappings with privacy and
 * consent enabled; Proofline has no IDM, so the mappings are the node's config). The mappings consented to
 * become `consentedMappings` (`[{mapping, consentDate}]`): in `objectAttributes` for Create Object, and on the
 * identified user at once. With no mappings configured the node moves on without a step, as AM does.
 */
export const consentMapping: CallbackNodeDefinition<Config> = {
  ...collector,
  process: (ctx) =>
    ctx.config.mappings.length === 0 ? Promise.resolve({ outcome: 'outcome' }) : collector.process(ctx),
};
