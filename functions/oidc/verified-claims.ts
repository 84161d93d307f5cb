/**
 * OpenID Connect for Identity Assurance 1.0 (final, 2024): the `verified_claims` an ID token or userinfo
 * response carries for a user IdentityProofing verified (docs/oidc-verified-claims.md). Pure: no I/O, no logs
 * (the values are PII), never throws — a request it cannot read releases nothing.
 */
import type { User } from '../contract/data.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../shared/json.js';

/** The end-user claims Proofline can release inside `verified_claims`, as read on the verified document. */
export const VERIFIED_CLAIM_NAMES = ['given_name', 'family_name', 'birthdate'] as const;
export type VerifiedClaimName = (typeof VERIFIED_CLAIM_NAMES)[number];

/**
 * IDEMIA's level of assurance (GIPS `LOA1`..`LOA4`) as the `assurance_level` of a trust framework. A trust
 * framework listed here gets its own scale; any other gets IDEMIA's level as is (`LOA2`): a framework the
 * deployment defines (`IDA_TRUST_FRAMEWORK`) uses IDEMIA's scale. LOA0 is no verification at all.
 */
export const ASSURANCE_LEVELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  eidas: { LOA1: 'low', LOA2: 'substantial', LOA3: 'high', LOA4: 'high' },
};

/** IDEMIA's document types (GIPS `documentType`) as IDA's predefined `document_details.type` values. */
const DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  PASSPORT: 'passport',
  ID_CARD: 'idcard',
  IDENTITY_CARD: 'idcard',
  NATIONAL_ID: 'idcard',
  DRIVING_LICENSE: 'driving_permit',
  DRIVER_LICENSE: 'driving_permit',
  DRIVING_PERMIT: 'driving_permit',
  RESIDENCE_PERMIT: 'residence_permit',
};

/**
 * IDA predefined check methods: `vpip`, the validity of the physical identity document (IDEMIA checks its
 * security features from the captures); `bvr`, an automated biometric verification of the user, remote
 * (iProov's Genuine Presence Assurance scan that binds the face).
 */
export const CHECK_METHODS = { document: 'vpip', faceBinding: 'bvr' } as const;

export type Verification = NonNullable<User['identityVerification']>;

/** An object request yields an object; an array of requests (IDA §6.5) the array of those it can fulfil. */
export type VerifiedClaimsValue = JsonObject | JsonObject[];

export interface VerifiedClaimsOptions {
  /** The `trust_framework` Proofline's proofing is governed by (`IDA_TRUST_FRAMEWORK`, default `proofline_idemia_ipa`). */
  trustFramework: string;
  /** Epoch milliseconds for `max_age` (tests); default now. */
  now?: number;
}

/** The request could not be read: nothing is released for it. */
class Malformed extends Error {}
/** The data does not meet a constraint on `verification` (IDA §6.6.4): the whole element is left out. */
class Unmet extends Error {}

/**
 * The `verified_claims` value for `request`, the `verified_claims` member of the `userinfo` or `id_token`
 * member of an OIDC `claims` request parameter. Only the claims and verification elements requested are
 * released; undefined when nothing is verified, nothing requested can be released, or the request is malformed.
 */
export function verifiedClaims(
  verification: User['identityVerification'] | undefined,
  request: unknown,
  options: VerifiedClaimsOptions,
): VerifiedClaimsValue | undefined {
  if (!verification || !isVerified(verification) || typeof options?.trustFramework !== 'string')
    return undefined;
  try {
    if (Array.isArray(request)) {
      if (request.length === 0) return undefined;
      // A malformed member makes the whole request malformed; an unfulfillable one is only left out.
      const answers = request.map((member) => answer(verification, member, options));
      const released = answers.filter((a): a is JsonObject => a !== undefined);
      return released.length > 0 ? released : undefined;
    }
    return answer(verification, request, options);
  } catch {
    // Malformed, or (never expected) a bug: nothing is released, nothing is thrown into the token response.
    return undefined;
  }
}

const isVerified = (v: Verification): boolean =>
  typeof v.levelOfAssurance === 'string' && v.levelOfAssurance !== 'LOA0' && typeof v.verifiedAt === 'string';

/** The IDA `assurance_level` for IDEMIA's level under `trustFramework`; undefined when it has none. */
export function assuranceLevel(levelOfAssurance: string, trustFramework: string): string | undefined {
  if (!/^LOA[1-4]$/.test(levelOfAssurance)) return undefined;
  const scale = ASSURANCE_LEVELS[trustFramework];
  return scale ? scale[levelOfAssurance] : levelOfAssurance;
}

/** One `verified_claims` request object: its answer, or undefined when it cannot be fulfilled. */
function answer(v: Verification, request: unknown, options: VerifiedClaimsOptions): JsonObject | undefined {
  if (!isJsonObject(request)) throw new Malformed();
  const requestedVerification = request.verification;
  const requestedClaims = request.claims;
  if (!isJsonObject(requestedVerification) || !isJsonObject(requestedClaims)) throw new Malformed();
  for (const key of Object.keys(request))
    if (key !== 'verification' && key !== 'claims') throw new Malformed();
  // Read all of it first, so that a malformed element is found even when another one is not met.
  const claims = releasedClaims(v, requestedClaims);
  let verificationOut: JsonObject;
  try {
    verificationOut = releasedVerification(v, requestedVerification, options);
  } catch (error) {
    if (error instanceof Unmet) return undefined;
    throw error;
  }
  if (Object.keys(claims).length === 0) return undefined;
  return { verification: verificationOut, claims };
}

/** The requested claims Proofline holds and whose `value`/`values` constraints they meet (IDA §6.6.4). */
function releasedClaims(v: Verification, requested: JsonObject): JsonObject {
  const held: Record<VerifiedClaimName, string | undefined> = {
    given_name: v.givenName,
    family_name: v.familyName,
    birthdate: v.birthdate,
  };
  const out: JsonObject = {};
  for (const [name, spec] of Object.entries(requested)) {
    const constraint = readConstraint(spec);
    if (!(VERIFIED_CLAIM_NAMES as readonly string[]).includes(name)) continue;
    const value = held[name as VerifiedClaimName];
    if (typeof value === 'string' && value !== '' && meets(constraint, value)) out[name] = value;
  }
  return out;
}

interface Constraint {
  value?: string;
  values?: string[];
  maxAge?: number;
}

/** `null`, or `{essential?, purpose?, value?, values?, max_age?}`; anything else is malformed. */
function readConstraint(spec: JsonValue | undefined): Constraint {
  if (spec === null || spec === undefined) return {};
  if (!isJsonObject(spec)) throw new Malformed();
  const out: Constraint = {};
  if ('essential' in spec && typeof spec.essential !== 'boolean') throw new Malformed();
  if ('purpose' in spec && typeof spec.purpose !== 'string') throw new Malformed();
  if ('value' in spec) {
    if (typeof spec.value !== 'string') throw new Malformed();
    out.value = spec.value;
  }
  if ('values' in spec) {
    const values = spec.values;
    if (!Array.isArray(values) || values.length === 0 || !values.every((x) => typeof x === 'string'))
      throw new Malformed();
    out.values = values as string[];
  }
  if ('max_age' in spec) {
    const age = spec.max_age;
    if (typeof age !== 'number' || !Number.isInteger(age) || age < 0) throw new Malformed();
    out.maxAge = age;
  }
  return out;
}

const meets = (c: Constraint, value: string): boolean =>
  (c.value === undefined || c.value === value) && (c.values === undefined || c.values.includes(value));

const youngEnough = (c: Constraint, time: string, now: number): boolean =>
  c.maxAge === undefined || now - Date.parse(time) <= c.maxAge * 1000;

/** Requested when the member is present (`null` or an object). */
const asked = (o: JsonObject, key: string): boolean => key in o;

function releasedVerification(
  v: Verification,
  requested: JsonObject,
  options: VerifiedClaimsOptions,
): JsonObject {
  const now = options.now ?? Date.now();
  const framework = readConstraint(requested.trust_framework);
  if (!meets(framework, options.trustFramework)) throw new Unmet();
  const out: JsonObject = { trust_framework: options.trustFramework };

  if (asked(requested, 'assurance_level')) {
    const constraint = readConstraint(requested.assurance_level);
    const level = assuranceLevel(v.levelOfAssurance, options.trustFramework);
    if (level !== undefined && meets(constraint, level)) out.assurance_level = level;
    else if (constraint.value !== undefined || constraint.values !== undefined) throw new Unmet();
  }
  if (asked(requested, 'time')) {
    const constraint = readConstraint(requested.time);
    if (!youngEnough(constraint, v.verifiedAt, now)) throw new Unmet();
    out.time = v.verifiedAt;
  }
  if (asked(requested, 'evidence')) {
    const filters = requested.evidence;
    if (!Array.isArray(filters) || filters.length === 0) throw new Malformed();
    const evidence = documentEvidence(v, filters, now);
    // An evidence filter is a constraint on `type`: none of them met leaves the whole element out.
    if (!evidence) throw new Unmet();
    out.evidence = [evidence];
  }
  // `verification_process` would be IDEMIA's session id, the same for every client: a correlation handle, not
  // released. `assurance_process` is not recorded. Unknown members are ignored (IDA: unavailable data).
  return out;
}

interface Check {
  check_method: string;
  organization: string;
  time?: string;
}

/** The checks behind the verification: IDEMIA's document check, then iProov's face binding when recorded. */
function checksOf(v: Verification): Check[] {
  const checks: Check[] = [
    {
      check_method: CHECK_METHODS.document,
      organization: 'IDEMIA',
      ...(v.evidenceTime ? { time: v.evidenceTime } : {}),
    },
  ];
  if (v.faceBinding) {
    checks.push({
      check_method: CHECK_METHODS.faceBinding,
      organization: v.faceBinding.provider,
      time: v.faceBinding.verifiedAt,
    });
  }
  return checks;
}

/**
 * The `document` evidence for the filters that ask for it (OR between filters); undefined when none does or
 * what they require is not met.
 */
function documentEvidence(v: Verification, filters: JsonValue[], now: number): JsonObject | undefined {
  let result: JsonObject | undefined;
  for (const filter of filters) {
    if (!isJsonObject(filter)) throw new Malformed();
    // IDA: the type is given with `value` (never `values`).
    const type = readConstraint(filter.type);
    if (type.value === undefined || type.values !== undefined) throw new Malformed();
    const evidence = type.value === 'document' ? documentFor(v, filter, now) : undefined;
    if (evidence && !result) result = evidence;
  }
  return result;
}

function documentFor(v: Verification, filter: JsonObject, now: number): JsonObject | undefined {
  const out: JsonObject = { type: 'document' };
  if (asked(filter, 'check_details')) {
    const details = checkDetails(v, filter.check_details, now);
    if (!details) return undefined;
    out.check_details = details;
  }
  if (asked(filter, 'document_details')) {
    const requested = filter.document_details;
    if (requested !== null && !isJsonObject(requested)) throw new Malformed();
    const details = documentDetails(v, requested ?? { type: null });
    if (details === 'unmet') return undefined;
    if (details) out.document_details = details;
  }
  return out;
}

/**
 * `check_details` filters (OR between them, IDA §6.4): a check is kept when one filter's `value`/`values` and
 * `max_age` constraints all hold; it carries `check_method` and what that filter asks for. `null`: every check.
 */
function checkDetails(
  v: Verification,
  requested: JsonValue | undefined,
  now: number,
): JsonObject[] | undefined {
  const templates =
    requested === null ? [{ check_method: null, organization: null, time: null }] : (requested ?? undefined);
  if (!Array.isArray(templates) || templates.length === 0) throw new Malformed();
  const parsed = templates.map((template) => {
    if (!isJsonObject(template)) throw new Malformed();
    return {
      method: readConstraint(template.check_method),
      organization: readConstraint(template.organization),
      time: readConstraint(template.time),
      wantsOrganization: asked(template, 'organization'),
      wantsTime: asked(template, 'time'),
    };
  });
  const out: JsonObject[] = [];
  for (const check of checksOf(v)) {
    const match = parsed.find(
      (t) =>
        meets(t.method, check.check_method) &&
        meets(t.organization, check.organization) &&
        (t.time.maxAge === undefined || (check.time !== undefined && youngEnough(t.time, check.time, now))),
    );
    if (!match) continue;
    out.push({
      check_method: check.check_method,
      ...(match.wantsOrganization ? { organization: check.organization } : {}),
      ...(match.wantsTime && check.time ? { time: check.time } : {}),
    });
  }
  return out.length > 0 ? out : undefined;
}

/** The requested document details; 'unmet' when a constraint fails; undefined when its type is not known. */
function documentDetails(v: Verification, requested: JsonObject): JsonObject | 'unmet' | undefined {
  const raw = v.document?.type;
  const type = raw ? (DOCUMENT_TYPES[raw.toUpperCase()] ?? raw.toLowerCase()) : undefined;
  const typeConstraint = readConstraint(requested.type);
  const constrained = typeConstraint.value !== undefined || typeConstraint.values !== undefined;
  if (type === undefined) return constrained ? 'unmet' : undefined;
  if (!meets(typeConstraint, type)) return 'unmet';
  const out: JsonObject = { type };
  const issuer = requested.issuer;
  if (issuer !== undefined) {
    if (issuer !== null && !isJsonObject(issuer)) throw new Malformed();
    const wantsCode = issuer === null || asked(issuer, 'country_code');
    if (issuer && asked(issuer, 'country_code')) readConstraint(issuer.country_code);
    if (wantsCode && v.document?.issuingCountry) out.issuer = { country_code: v.document.issuingCountry };
  }
  return out;
}
