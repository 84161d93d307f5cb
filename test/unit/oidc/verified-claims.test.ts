import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IdentityVerification } from '../../../functions/contract/data.js';
import {
  ASSURANCE_LEVELS,
  assuranceLevel,
  CHECK_METHODS,
  VERIFIED_CLAIM_NAMES,
  verifiedClaims,
} from '../../../functions/oidc/verified-claims.js';
import { IDA_SCHEMAS as VERSIONS } from '../../support/ida-schemas.js';

/**
 * OIDC4IDA verified_claims (issue 12), checked against the specification's JSON schemas copied under
 * test/fixtures/ida (the final 2024 version and the errata version, test/fixtures/ida/README.md).
 */
/** Valid for the response schema of every version (as the member of an ID token or userinfo response). */
function expectValidResponse(value: unknown): void {
  for (const [version, { response }] of Object.entries(VERSIONS)) {
    expect(response({ verified_claims: value }), `${version}: ${JSON.stringify(response.errors)}`).toBe(true);
  }
}
function expectValidRequest(verifiedClaimsRequest: unknown): void {
  for (const [version, { request }] of Object.entries(VERSIONS)) {
    const claims = { userinfo: { verified_claims: verifiedClaimsRequest } };
    expect(request(claims), `${version}: ${JSON.stringify(request.errors)}`).toBe(true);
  }
}

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const TF = { trustFramework: 'proofline', now: NOW };

const VERIFIED: IdentityVerification = {
  provider: 'IDEMIA IPA',
  levelOfAssurance: 'LOA3',
  verifiedAt: '2026-11-27T10:00:05.000Z',
  sessionId: 'idemia-session-1',
  givenName: 'Ada',
  familyName: 'Lovelace',
  birthdate: '1990-12-10',
  document: { type: 'PASSPORT', issuingCountry: 'GBR' },
  evidenceTime: '2026-11-27T09:59:30.000Z',
  faceBinding: { provider: 'iProov', verifiedAt: '2026-11-27T10:01:00.000Z' },
};

const ALL_CLAIMS = { given_name: null, family_name: null, birthdate: null };

/** Everything Proofline can release, asked for. */
const FULL_REQUEST = {
  verification: {
    trust_framework: null,
    assurance_level: null,
    time: null,
    evidence: [
      {
        type: { value: 'document' },
        check_details: [{ check_method: null, organization: null, time: null }],
        document_details: { type: null, issuer: { country_code: null } },
      },
    ],
  },
  claims: ALL_CLAIMS,
};

describe('verifiedClaims', () => {
  it('releases the full verification and the verified claims when all are requested', () => {
    expectValidRequest(FULL_REQUEST);

    const out = verifiedClaims(VERIFIED, FULL_REQUEST, TF);

    expect(out).toEqual({
      verification: {
        trust_framework: 'proofline',
        assurance_level: 'LOA3',
        time: '2026-11-27T10:00:05.000Z',
        evidence: [
          {
            type: 'document',
            check_details: [
              { check_method: 'vpip', organization: 'IDEMIA', time: '2026-11-27T09:59:30.000Z' },
              { check_method: 'bvr', organization: 'iProov', time: '2026-11-27T10:01:00.000Z' },
            ],
            document_details: { type: 'passport', issuer: { country_code: 'GBR' } },
          },
        ],
      },
      claims: { given_name: 'Ada', family_name: 'Lovelace', birthdate: '1990-12-10' },
    });
    expectValidResponse(out);
  });

  it('releases only what is requested: one claim, the trust framework alone (the minimum)', () => {
    const request = { verification: { trust_framework: null }, claims: { given_name: null } };
    expectValidRequest(request);

    const out = verifiedClaims(VERIFIED, request, TF);

    expect(out).toEqual({ verification: { trust_framework: 'proofline' }, claims: { given_name: 'Ada' } });
    expectValidResponse(out);
  });

  it('leaves out claims it does not hold or cannot verify, and is absent when none remains', () => {
    const request = {
      verification: { trust_framework: null },
      claims: { birthdate: { essential: true, purpose: 'Age check' }, email: null, address: null },
    };
    expectValidRequest(request);

    expect(verifiedClaims(VERIFIED, request, TF)).toEqual({
      verification: { trust_framework: 'proofline' },
      claims: { birthdate: '1990-12-10' },
    });
    expect(
      verifiedClaims(VERIFIED, { verification: { trust_framework: null }, claims: { email: null } }, TF),
    ).toBeUndefined();
    const { birthdate: _none, ...withoutBirthdate } = VERIFIED;
    expect(
      verifiedClaims(
        withoutBirthdate,
        { verification: { trust_framework: null }, claims: { birthdate: null } },
        TF,
      ),
    ).toBeUndefined();
  });

  it('filters claims on value/values, omitting only the claim that does not match', () => {
    const request = {
      verification: { trust_framework: null },
      claims: { given_name: { value: 'Grace' }, family_name: { values: ['Hopper', 'Lovelace'] } },
    };
    expectValidRequest(request);

    expect(verifiedClaims(VERIFIED, request, TF)).toEqual({
      verification: { trust_framework: 'proofline' },
      claims: { family_name: 'Lovelace' },
    });
  });

  it('is absent for a user never verified, verified at LOA0, or with no verified attributes (before issue 12)', () => {
    const request = { verification: { trust_framework: null }, claims: ALL_CLAIMS };

    expect(verifiedClaims(undefined, request, TF)).toBeUndefined();
    expect(verifiedClaims({ ...VERIFIED, levelOfAssurance: 'LOA0' }, request, TF)).toBeUndefined();
    expect(
      verifiedClaims(
        { provider: 'IDEMIA IPA', levelOfAssurance: 'LOA2', verifiedAt: VERIFIED.verifiedAt, sessionId: 's' },
        request,
        TF,
      ),
    ).toBeUndefined();
  });

  it('is absent when nothing is requested', () => {
    expect(verifiedClaims(VERIFIED, undefined, TF)).toBeUndefined();
    expect(verifiedClaims(VERIFIED, null, TF)).toBeUndefined();
    expect(verifiedClaims(VERIFIED, [], TF)).toBeUndefined();
  });

  describe('constraints on verification: not met, the whole element is left out (IDA §6.6.4)', () => {
    it.each([
      ['another trust framework', { trust_framework: { value: 'eidas' } }],
      ['none of the trust frameworks', { trust_framework: { values: ['de_aml', 'eidas'] } }],
      ['another assurance level', { trust_framework: null, assurance_level: { value: 'LOA4' } }],
      ['a verification younger than it is', { trust_framework: null, time: { max_age: 3600 } }],
      [
        'another evidence type',
        { trust_framework: null, evidence: [{ type: { value: 'electronic_record' } }] },
      ],
      [
        'another document type',
        {
          trust_framework: null,
          evidence: [{ type: { value: 'document' }, document_details: { type: { values: ['idcard'] } } }],
        },
      ],
      [
        'another check method',
        {
          trust_framework: null,
          evidence: [{ type: { value: 'document' }, check_details: [{ check_method: { value: 'pvp' } }] }],
        },
      ],
    ])('%s', (_name, verification) => {
      const request = { verification, claims: ALL_CLAIMS };
      expectValidRequest(request);

      expect(verifiedClaims(VERIFIED, request, TF)).toBeUndefined();
    });

    it('met: released', () => {
      const request = {
        verification: {
          trust_framework: { values: ['eidas', 'proofline'] },
          assurance_level: { values: ['LOA2', 'LOA3'] },
          time: { max_age: 7200 },
          evidence: [
            { type: { value: 'electronic_record' } },
            {
              type: { value: 'document' },
              check_details: [{ check_method: { value: 'bvr' }, organization: null }],
              document_details: { type: { value: 'passport' } },
            },
          ],
        },
        claims: { family_name: null },
      };
      expectValidRequest(request);

      const out = verifiedClaims(VERIFIED, request, TF);

      expect(out).toEqual({
        verification: {
          trust_framework: 'proofline',
          assurance_level: 'LOA3',
          time: '2026-11-27T10:00:05.000Z',
          evidence: [
            {
              type: 'document',
              check_details: [{ check_method: 'bvr', organization: 'iProov' }],
              document_details: { type: 'passport' },
            },
          ],
        },
        claims: { family_name: 'Lovelace' },
      });
      expectValidResponse(out);
    });
  });

  it('has no face binding check before iProov bound the face', () => {
    const { faceBinding: _none, ...documentOnly } = VERIFIED;

    const out = verifiedClaims(documentOnly, FULL_REQUEST, TF) as { verification: { evidence: unknown[] } };

    expect(out.verification.evidence).toEqual([
      {
        type: 'document',
        check_details: [{ check_method: 'vpip', organization: 'IDEMIA', time: '2026-11-27T09:59:30.000Z' }],
        document_details: { type: 'passport', issuer: { country_code: 'GBR' } },
      },
    ]);
    expectValidResponse(out);
    const bvr = {
      ...FULL_REQUEST,
      verification: {
        trust_framework: null,
        evidence: [{ type: { value: 'document' }, check_details: [{ check_method: { value: 'bvr' } }] }],
      },
    };
    expect(verifiedClaims(documentOnly, bvr, TF)).toBeUndefined();
  });

  it('leaves out document details it does not know, keeping the evidence', () => {
    const { document: _none, ...noDocument } = VERIFIED;

    const out = verifiedClaims(noDocument, FULL_REQUEST, TF) as { verification: { evidence: unknown[] } };

    expect(out.verification.evidence).toEqual([
      {
        type: 'document',
        check_details: [
          { check_method: 'vpip', organization: 'IDEMIA', time: '2026-11-27T09:59:30.000Z' },
          { check_method: 'bvr', organization: 'iProov', time: '2026-11-27T10:01:00.000Z' },
        ],
      },
    ]);
    expectValidResponse(out);
  });

  it('answers an array of requests with the ones it can fulfil (IDA §6.5)', () => {
    const request = [
      { verification: { trust_framework: { value: 'eidas' } }, claims: { given_name: null } },
      { verification: { trust_framework: { value: 'proofline' } }, claims: { family_name: null } },
      { verification: { trust_framework: null, assurance_level: null }, claims: { birthdate: null } },
    ];
    expectValidRequest(request);

    const out = verifiedClaims(VERIFIED, request, TF);

    expect(out).toEqual([
      { verification: { trust_framework: 'proofline' }, claims: { family_name: 'Lovelace' } },
      {
        verification: { trust_framework: 'proofline', assurance_level: 'LOA3' },
        claims: { birthdate: '1990-12-10' },
      },
    ]);
    expectValidResponse(out);
    expect(verifiedClaims(VERIFIED, [request[0]], TF)).toBeUndefined();
  });

  describe('malformed requests release nothing, and never throw', () => {
    it.each([
      ['a string', 'verified_claims'],
      ['a number', 42],
      ['true', true],
      ['an empty object', {}],
      ['no verification', { claims: ALL_CLAIMS }],
      ['no claims', { verification: { trust_framework: null } }],
      // The request schema lets `claims` be null, which the specification gives no meaning: nothing is released.
      ['claims null', { verification: { trust_framework: null }, claims: null }],
      ['claims empty', { verification: { trust_framework: null }, claims: {} }],
      ['claims an array', { verification: { trust_framework: null }, claims: ['given_name'] }],
      ['verification an array', { verification: [], claims: ALL_CLAIMS }],
      ['an unknown member', { verification: { trust_framework: null }, claims: ALL_CLAIMS, extra: 1 }],
      [
        'a claim request that is a string',
        { verification: { trust_framework: null }, claims: { given_name: 'x' } },
      ],
      ['value not a string', { verification: { trust_framework: { value: 1 } }, claims: ALL_CLAIMS }],
      ['values empty', { verification: { trust_framework: { values: [] } }, claims: ALL_CLAIMS }],
      [
        'essential not a boolean',
        { verification: { trust_framework: null }, claims: { given_name: { essential: 'yes' } } },
      ],
      [
        'max_age negative',
        { verification: { trust_framework: null, time: { max_age: -1 } }, claims: ALL_CLAIMS },
      ],
      [
        'evidence not an array',
        { verification: { trust_framework: null, evidence: {} }, claims: ALL_CLAIMS },
      ],
      ['evidence empty', { verification: { trust_framework: null, evidence: [] }, claims: ALL_CLAIMS }],
      [
        'evidence without a type',
        { verification: { trust_framework: null, evidence: [{}] }, claims: ALL_CLAIMS },
      ],
      [
        'evidence type by values',
        {
          verification: { trust_framework: null, evidence: [{ type: { values: ['document'] } }] },
          claims: ALL_CLAIMS,
        },
      ],
      [
        'check_details not an array',
        {
          verification: {
            trust_framework: null,
            evidence: [{ type: { value: 'document' }, check_details: {} }],
          },
          claims: ALL_CLAIMS,
        },
      ],
      [
        'an array with a malformed member',
        [{ verification: { trust_framework: null }, claims: ALL_CLAIMS }, 7],
      ],
    ])('%s', (_name, request) => {
      expect(() => verifiedClaims(VERIFIED, request, TF)).not.toThrow();
      expect(verifiedClaims(VERIFIED, request, TF)).toBeUndefined();
    });

    it('the request schema refuses them too (where it speaks of them)', () => {
      for (const request of [
        {},
        { claims: ALL_CLAIMS },
        { verification: { trust_framework: null }, claims: {} },
        { verification: { trust_framework: null }, claims: ALL_CLAIMS, extra: 1 },
      ]) {
        for (const [version, { request: validate }] of Object.entries(VERSIONS))
          expect(
            validate({ userinfo: { verified_claims: request } }),
            `${version}: ${JSON.stringify(request)}`,
          ).toBe(false);
      }
    });

    it('a stored verification with odd values does not throw either', () => {
      const odd = {
        ...VERIFIED,
        document: { type: '' },
        faceBinding: undefined,
      } as unknown as IdentityVerification;
      expect(() => verifiedClaims(odd, FULL_REQUEST, TF)).not.toThrow();
      expectValidResponse(verifiedClaims(odd, FULL_REQUEST, TF));
    });
  });

  it('lists the claims it can release', () => {
    expect(VERIFIED_CLAIM_NAMES).toEqual(['given_name', 'family_name', 'birthdate']);
    expect(CHECK_METHODS).toEqual({ document: 'vpip', faceBinding: 'bvr' });
  });
});

describe('docs/oidc-verified-claims.md', () => {
  it("example's response is what the module answers to its request", () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/oidc-verified-claims.md'), 'utf8');
    const [request, response] = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) =>
      JSON.parse((m[1] ?? '').replace('"…"', '"x"')),
    );
    const asked = request.userinfo.verified_claims;
    expectValidRequest(asked);

    const out = verifiedClaims(VERIFIED, asked, { trustFramework: 'acme_kyc', now: NOW });

    expect(out).toEqual(response.verified_claims);
    expectValidResponse(out);
  });
});

describe('the assurance level mapping', () => {
  it.each([
    ['LOA1', 'low'],
    ['LOA2', 'substantial'],
    ['LOA3', 'high'],
    ['LOA4', 'high'],
  ])('eidas: IDEMIA %s is %s', (loa, level) => {
    expect(assuranceLevel(loa, 'eidas')).toBe(level);
    const out = verifiedClaims(
      { ...VERIFIED, levelOfAssurance: loa },
      { verification: { trust_framework: null, assurance_level: null }, claims: { given_name: null } },
      { trustFramework: 'eidas', now: NOW },
    );
    expect(out).toEqual({
      verification: { trust_framework: 'eidas', assurance_level: level },
      claims: { given_name: 'Ada' },
    });
    expectValidResponse(out);
  });

  it("any other trust framework carries IDEMIA's own level; no level for LOA0 or what is not IDEMIA's scale", () => {
    expect(Object.keys(ASSURANCE_LEVELS)).toEqual(['eidas']);
    expect(assuranceLevel('LOA2', 'proofline')).toBe('LOA2');
    expect(assuranceLevel('LOA0', 'eidas')).toBeUndefined();
    expect(assuranceLevel('VC', 'proofline')).toBeUndefined();
    // Requested but not available: the member is left out (IDA "unavailable data"), the rest released.
    expect(
      verifiedClaims(
        { ...VERIFIED, levelOfAssurance: 'VC' },
        { verification: { trust_framework: null, assurance_level: null }, claims: { given_name: null } },
        TF,
      ),
    ).toEqual({ verification: { trust_framework: 'proofline' }, claims: { given_name: 'Ada' } });
  });
});
