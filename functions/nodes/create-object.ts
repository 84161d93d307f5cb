import * as v from 'valibot';
import type { UserProfile } from '../contract/data.js';
import { UniqueConstraintError } from '../contract/errors.js';
import type { NodeDefinition } from '../contract/nodes.js';
import { isJsonObject } from '../shared/json.js';
import { logger } from '../shared/logger.js';
import { TERMS_ACCEPTED, termsAcceptanceOf } from './accept-terms-and-conditions.js';
import { CONSENTED_MAPPINGS, consentedMappingsOf } from './consent-mapping.js';
import { isKbaInfo } from './kba-settings.js';
import { transientOf } from './page-support.js';

const configSchema = v.strictObject({
  identityResource: v.optional(v.literal('managed/alpha_user'), 'managed/alpha_user'),
});
type Config = v.InferOutput<typeof configSchema>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Create Object: creates the user from `objectAttributes` (with `consentedMappings`), the terms accepted
 * (`termsAccepted` in shared state) and the transient password. A taken userName or
 * mail is FAILURE with the UNIQUE policy failure left for the page, so the journey can show the form again.
 */
export const createObject = {
  type: 'CreateObjectNode',
  displayName: 'Create Object',
  family: 'identity',
  configSchema,
  outcomes: () => ['CREATED', 'FAILURE'],
  suspends: false,
  async process(ctx) {
    const attributes = ctx.state.objectAttributes ?? {};
    const transient = transientOf(ctx);
    const userName = text(attributes.userName) ?? text(ctx.state.username);
    if (!userName) {
      transient.failedPolicies = {
        ...transient.failedPolicies,
        userName: [{ policyRequirement: 'REQUIRED' }],
      };
      return { outcome: 'FAILURE' };
    }
    const preferences = isJsonObject(attributes.preferences) ? attributes.preferences : {};
    // What Accept Terms and Conditions and Consent Collector left before the user existed (as AM's node).
    const termsAccepted = termsAcceptanceOf(ctx.state[TERMS_ACCEPTED]);
    const consentedMappings = consentedMappingsOf(attributes[CONSENTED_MAPPINGS]);
    const profile: UserProfile = {
      userName,
      ...(text(attributes.mail) ? { mail: text(attributes.mail) } : {}),
      ...(text(attributes.givenName) ? { givenName: text(attributes.givenName) } : {}),
      ...(text(attributes.sn) ? { sn: text(attributes.sn) } : {}),
      ...(text(attributes.telephoneNumber) ? { telephoneNumber: text(attributes.telephoneNumber) } : {}),
      preferences: { marketing: preferences.marketing === true, updates: preferences.updates === true },
      ...(termsAccepted ? { termsAccepted } : {}),
      ...(consentedMappings ? { consentedMappings } : {}),
      // Hashed answers a KBA Definition left (isKbaInfo refuses anything that is not a password hash).
      ...(isKbaInfo(attributes.kbaInfo) && attributes.kbaInfo.length > 0
        ? { kbaInfo: attributes.kbaInfo }
        : {}),
    };
    const password = transient.password;
    // Consumed here: no later node, Lambda payload or execution output carries it.
    delete transient.password;
    const passwordHash = password ? await ctx.services.passwords.hash(password) : undefined;
    try {
      const user = await ctx.services.users.create(ctx.realm, profile, passwordHash);
      ctx.state.userId = user.id;
      if (ctx.state.objectAttributes && 'kbaInfo' in ctx.state.objectAttributes) {
        // Stored with the user: the hashes need not ride in the transaction any longer.
        const { kbaInfo: _stored, ...rest } = ctx.state.objectAttributes;
        ctx.state.objectAttributes = rest;
      }
      logger.info('User created', { userId: user.id, txId: ctx.txId });
      return { outcome: 'CREATED' };
    } catch (error) {
      if (!(error instanceof UniqueConstraintError)) throw error;
      transient.failedPolicies = {
        ...transient.failedPolicies,
        [error.attribute]: [{ policyRequirement: 'UNIQUE' }],
      };
      return { outcome: 'FAILURE' };
    }
  },
} satisfies NodeDefinition<Config>;
