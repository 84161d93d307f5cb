import type { JsonObject, JsonValue } from '../../shared/json.js';
import { isJsonObject } from '../../shared/json.js';

/**
 * The GIPS identity payload, as much of it as Proofline reads (VENDORS.md, IDEMIA's public samples). Every
 * field is optional: a missing one yields a clear failure reason, never a crash.
 */
export interface GipsIdentity {
  id?: string;
  globalStatus?: {
    id?: string;
    status?: string;
    levelOfAssurance?: string;
    /** When GIPS created the identity, i.e. during the IPA session that produced it (ADR 11). */
    creationDateTime?: string;
    evaluationDateTime?: string;
  };
  portrait?: { evidenceId?: string; evidenceStatus?: { status?: string } };
  idDocuments?: Array<{
    evidenceId?: string;
    evidenceStatus?: { status?: string };
    idDocumentData?: JsonObject;
  }>;
  [key: string]: JsonValue | undefined | object;
}

/** "LOA0".."LOA4" → 0..4; anything else → undefined. */
export function levelOfAssurance(identity: GipsIdentity): number | undefined {
  const match = /^LOA([0-4])$/.exec(identity.globalStatus?.levelOfAssurance ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Evidence statuses, for metadata (no images, no document data). */
export function evidenceSummary(identity: GipsIdentity): JsonObject {
  return {
    identityId: identity.id ?? identity.globalStatus?.id ?? null,
    status: identity.globalStatus?.status ?? null,
    levelOfAssurance: identity.globalStatus?.levelOfAssurance ?? null,
    evaluationDateTime: identity.globalStatus?.evaluationDateTime ?? null,
    portrait: identity.portrait?.evidenceStatus?.status ?? null,
    documents: (identity.idDocuments ?? []).map((d) => d.evidenceStatus?.status ?? null),
  };
}

/**
 * The identity attributes read from the first VERIFIED document, under stable names (given_name,
 * family_name, name, birth_date, document_number, expiry_date, nationality). IDEMIA's field names vary by
 * document; the common ones are read.
 */
export function verifiedAttributes(identity: GipsIdentity): Record<string, string> {
  const document = (identity.idDocuments ?? []).find((d) => d.evidenceStatus?.status === 'VERIFIED');
  const data = isJsonObject(document?.idDocumentData) ? document.idDocumentData : {};
  const pick = (...keys: string[]): string | undefined => {
    for (const key of keys) {
      const value = data[key];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
    return undefined;
  };
  const given = pick('givenNames', 'givenName', 'firstName', 'given_name');
  const family = pick('surname', 'familyName', 'lastName', 'family_name');
  const attributes: Record<string, string | undefined> = {
    given_name: given,
    family_name: family,
    name: given && family ? `${given} ${family}` : pick('fullName', 'name'),
    birth_date: pick('birthDate', 'dateOfBirth', 'birth_date'),
    document_number: pick('documentNumber', 'idDocumentNumber'),
    expiry_date: pick('expirationDate', 'dateOfExpiry', 'expiryDate'),
    nationality: pick('nationality'),
  };
  return Object.fromEntries(
    Object.entries(attributes).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** Normalized comparison for biographic matching: case, accents, punctuation and spacing do not count. */
export function normalizeForMatch(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
