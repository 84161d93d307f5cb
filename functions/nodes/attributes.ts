import type { JsonObject, JsonValue } from '../shared/json.js';
import { isJsonObject } from '../shared/json.js';
import type { LocalizedText } from './messages.js';
import {
  type Policy,
  required,
  validEmailAddressFormat,
  validPhoneNumberFormat,
  validType,
} from './policies.js';

/**
 * The managed user attributes a journey can collect (AIC's `alpha_user` schema, the part Proofline stores).
 * Nested attributes use AM's path notation: `preferences/marketing`.
 */
export interface AttributeDefinition {
  type: 'string' | 'boolean';
  /** The callback's prompt per locale (`textFor` picks the step's). */
  prompt: LocalizedText;
  /** Policies beyond REQUIRED (which depends on the collecting node's configuration). */
  policies: readonly Policy[];
  /** Unique across users: checked on submit, enforced atomically on creation. */
  unique?: boolean;
}

export const ATTRIBUTE_NAMES = [
  'givenName',
  'sn',
  'mail',
  'telephoneNumber',
  'preferences/marketing',
  'preferences/updates',
] as const;
export type AttributeName = (typeof ATTRIBUTE_NAMES)[number];

export const ATTRIBUTES: Readonly<Record<AttributeName, AttributeDefinition>> = {
  givenName: { type: 'string', prompt: { en: 'First Name', fr: 'Prénom' }, policies: [validType('string')] },
  sn: { type: 'string', prompt: { en: 'Last Name', fr: 'Nom' }, policies: [validType('string')] },
  mail: {
    type: 'string',
    prompt: { en: 'Email Address', fr: 'Adresse e-mail' },
    policies: [validType('string'), validEmailAddressFormat()],
    unique: true,
  },
  telephoneNumber: {
    type: 'string',
    prompt: { en: 'Mobile Phone Number', fr: 'Numéro de téléphone mobile' },
    policies: [validType('string'), validPhoneNumberFormat()],
  },
  'preferences/marketing': {
    type: 'boolean',
    prompt: {
      en: 'Send me special offers and services',
      fr: 'Recevoir des offres et services personnalisés',
    },
    policies: [],
  },
  'preferences/updates': {
    type: 'boolean',
    prompt: { en: 'Send me news and updates', fr: 'Recevoir des actualités et informations' },
    policies: [],
  },
};

/** The policies an attribute is checked against, for a node that requires it or not. */
export function attributePolicies(name: AttributeName, isRequired: boolean): Policy[] {
  const definition = ATTRIBUTES[name];
  return isRequired ? [required(), ...definition.policies] : [...definition.policies];
}

/** Reads `a/b` from an object as `obj.a.b`. */
export function getPath(object: JsonObject | undefined, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const part of path.split('/')) {
    if (!isJsonObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** Writes `a/b` into an object as `obj.a.b`, creating intermediate objects. */
export function setPath(object: JsonObject, path: string, value: JsonValue): void {
  const parts = path.split('/');
  let current: JsonObject = object;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (!isJsonObject(next)) current[part] = {};
    current = current[part] as JsonObject;
  }
  current[parts[parts.length - 1] as string] = value;
}
