import type { PolicyFailure } from '../contract/journey.js';
import type { JsonObject, JsonValue } from '../shared/json.js';

/**
 * IDM-style attribute policies, rendered in AM's `policies` output and checked on submit. Failures are
 * reported in AM's `failedPolicies` shape: an array of JSON strings `{"policyRequirement", "params"?}`.
 */
export interface Policy {
  policyId: string;
  policyRequirements: string[];
  params?: JsonObject;
  /** Returns the failure, or undefined when the value passes. `others` holds the other profile values. */
  check(value: JsonValue | undefined, others: Record<string, string | undefined>): PolicyFailure | undefined;
}

const isBlank = (value: JsonValue | undefined): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

const fail = (policyRequirement: string, params?: JsonObject): PolicyFailure =>
  params ? { policyRequirement, params } : { policyRequirement };

export const required = (): Policy => ({
  policyId: 'required',
  policyRequirements: ['REQUIRED'],
  check: (value) => (isBlank(value) ? fail('REQUIRED') : undefined),
});

export const notEmpty = (): Policy => ({
  policyId: 'not-empty',
  policyRequirements: ['REQUIRED'],
  check: (value) => (isBlank(value) ? fail('REQUIRED') : undefined),
});

export const minimumLength = (minLength: number): Policy => ({
  policyId: 'minimum-length',
  policyRequirements: ['MIN_LENGTH'],
  params: { minLength },
  check: (value) =>
    typeof value === 'string' && [...value].length < minLength
      ? fail('MIN_LENGTH', { minLength })
      : undefined,
});

/** IDM's maximum-length: ASVS 2.1.2 — passwords of 64 characters and more are accepted, over 128 refused. */
export const maximumLength = (maxLength: number): Policy => ({
  policyId: 'maximum-length',
  policyRequirements: ['MAX_LENGTH'],
  params: { maxLength },
  check: (value) =>
    typeof value === 'string' && [...value].length > maxLength
      ? fail('MAX_LENGTH', { maxLength })
      : undefined,
});

export const validType = (type: 'string' | 'boolean'): Policy => ({
  policyId: 'valid-type',
  policyRequirements: ['VALID_TYPE'],
  params: { types: [type] },
  check: (value) =>
    value !== undefined && value !== null && typeof value !== type
      ? fail('VALID_TYPE', { types: [type] })
      : undefined,
});

export const unique = (): Policy => ({
  policyId: 'unique',
  policyRequirements: ['UNIQUE'],
  // Uniqueness needs the identity store: checked by the node (and enforced atomically by Create Object).
  check: () => undefined,
});

export const cannotContainCharacters = (forbiddenChars: string[]): Policy => ({
  policyId: 'cannot-contain-characters',
  policyRequirements: ['CANNOT_CONTAIN_CHARACTERS'],
  params: { forbiddenChars },
  check: (value) =>
    typeof value === 'string' && forbiddenChars.some((c) => value.includes(c))
      ? fail('CANNOT_CONTAIN_CHARACTERS', { forbiddenChars })
      : undefined,
});

/** Control (Cc) and format (Cf: zero-width, bidi overrides and isolates, BOM, …) characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
const codePoint = (c: string): string =>
  `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * IDM's CANNOT_CONTAIN_CHARACTERS for characters nobody can see: a name with a zero-width space or a
 * right-to-left override looks like another user's name. The failure names the code points found (the
 * characters themselves would be invisible in a message), the policy the Unicode categories it forbids.
 */
export const cannotContainInvisibleCharacters = (): Policy => ({
  policyId: 'cannot-contain-invisible-characters',
  policyRequirements: ['CANNOT_CONTAIN_CHARACTERS'],
  params: { forbiddenCategories: ['Cc', 'Cf'] },
  check: (value) => {
    if (typeof value !== 'string') return undefined;
    const found = [...new Set(value.match(INVISIBLE) ?? [])].map(codePoint);
    return found.length > 0
      ? fail('CANNOT_CONTAIN_CHARACTERS', { forbiddenChars: found, forbiddenCategories: ['Cc', 'Cf'] })
      : undefined;
  },
});

export const validEmailAddressFormat = (): Policy => ({
  policyId: 'valid-email-address-format',
  policyRequirements: ['VALID_EMAIL_ADDRESS_FORMAT'],
  // One @, a non-empty local part, a dotted domain, no spaces: what IDM's policy accepts in practice.
  check: (value) =>
    typeof value === 'string' && !isBlank(value) && !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(value.trim())
      ? fail('VALID_EMAIL_ADDRESS_FORMAT')
      : undefined,
});

export const validPhoneNumberFormat = (): Policy => ({
  policyId: 'valid-phone-format',
  policyRequirements: ['VALID_PHONE_FORMAT'],
  // E.164: + then 8 to 15 digits (what SMS delivery needs).
  check: (value) =>
    typeof value === 'string' && !isBlank(value) && !/^\+[1-9]\d{7,14}$/.test(value.trim())
      ? fail('VALID_PHONE_FORMAT')
      : undefined,
});

export const atLeastXCapitals = (numCaps: number): Policy => ({
  policyId: 'at-least-X-capitals',
  policyRequirements: ['AT_LEAST_X_CAPITAL_LETTERS'],
  params: { numCaps },
  check: (value) =>
    typeof value === 'string' && (value.match(/\p{Lu}/gu)?.length ?? 0) < numCaps
      ? fail('AT_LEAST_X_CAPITAL_LETTERS', { numCaps })
      : undefined,
});

export const atLeastXNumbers = (numNums: number): Policy => ({
  policyId: 'at-least-X-numbers',
  policyRequirements: ['AT_LEAST_X_NUMBERS'],
  params: { numNums },
  check: (value) =>
    typeof value === 'string' && (value.match(/\p{Nd}/gu)?.length ?? 0) < numNums
      ? fail('AT_LEAST_X_NUMBERS', { numNums })
      : undefined,
});

export const cannotContainOthers = (disallowedFields: string[]): Policy => ({
  policyId: 'cannot-contain-others',
  policyRequirements: ['CANNOT_CONTAIN_OTHERS'],
  params: { disallowedFields },
  check: (value, others) => {
    if (typeof value !== 'string') return undefined;
    const lower = value.toLowerCase();
    const offending = disallowedFields.filter((field) => {
      const other = others[field]?.trim().toLowerCase();
      return other !== undefined && other.length > 0 && lower.includes(other);
    });
    return offending.length > 0
      ? fail('CANNOT_CONTAIN_OTHERS', { disallowedFields: offending.join(',') })
      : undefined;
  },
});

/** The `policies` output value for an attribute, in AM's shape; `{}` when the node does not validate. */
export function policiesOutput(name: string, policies: readonly Policy[]): JsonObject {
  if (policies.length === 0) return {};
  const requirements = [...new Set(policies.flatMap((p) => p.policyRequirements))];
  return {
    policyRequirements: requirements,
    fallbackPolicies: null,
    name,
    policies: policies.map((p) => ({
      policyRequirements: p.policyRequirements,
      policyId: p.policyId,
      ...(p.params ? { params: p.params } : {}),
    })),
    conditionalPolicies: null,
  };
}

/**
 * Runs policies in order; at most one failure per requirement, as IDM reports them. A missing value fails
 * REQUIRED alone: listing every other rule an empty field breaks helps nobody.
 */
export function checkPolicies(
  policies: readonly Policy[],
  value: JsonValue | undefined,
  others: Record<string, string | undefined> = {},
): PolicyFailure[] {
  const failures: PolicyFailure[] = [];
  for (const policy of policies) {
    const failure = policy.check(value, others);
    if (failure?.policyRequirement === 'REQUIRED') return [failure];
    if (failure && !failures.some((f) => f.policyRequirement === failure.policyRequirement))
      failures.push(failure);
  }
  return failures;
}

/** AM's `failedPolicies` output: each failure serialized as a JSON string. */
export const failedPoliciesOutput = (failures: readonly PolicyFailure[] | undefined): string[] =>
  (failures ?? []).map((f) => JSON.stringify(f));

export const USERNAME_POLICIES: readonly Policy[] = [
  required(),
  notEmpty(),
  minimumLength(1),
  validType('string'),
  unique(),
  { ...unique(), policyId: 'no-internal-user-conflict' },
  cannotContainInvisibleCharacters(),
  cannotContainCharacters(['/']),
];

export const PASSWORD_POLICIES: readonly Policy[] = [
  notEmpty(),
  minimumLength(8),
  maximumLength(128),
  validType('string'),
  atLeastXCapitals(1),
  atLeastXNumbers(1),
  cannotContainOthers(['userName', 'givenName', 'sn']),
];
