import { describe, expect, it } from 'vitest';
import { isoDate, verifiedIdentityRecord } from '../../functions/nodes/idemia-ipa-evaluation.js';
import { identity } from '../support/gips-identity.js';

/** How IdentityProofing reads what IDEMIA verified (OIDC4IDA verified_claims, issue 12): pure functions. */
describe('isoDate', () => {
  it.each([
    ['1990-12-10', '1990-12-10'],
    ['1990-12-10T00:00:00Z', '1990-12-10'],
    ['19901210', '1990-12-10'],
    ['10/12/1990', '1990-12-10'],
    ['10.12.1990', '1990-12-10'],
    ['10-12-1990', '1990-12-10'],
    [' 2000-02-29 ', '2000-02-29'],
  ])('reads %j as %j', (input, expected) => expect(isoDate(input)).toBe(expected));

  it.each([undefined, '', '1990-02-30', '1990-13-01', '1990', '12/10/90', 'Dec 10 1990', '2001-02-29'])(
    'refuses %j',
    (input) => expect(isoDate(input)).toBeUndefined(),
  );
});

describe('verifiedIdentityRecord', () => {
  it('keeps the verified document’s names, ISO birth date, type, issuing country and evaluation time', () => {
    const record = verifiedIdentityRecord(
      identity({
        givenNames: 'Ada',
        surname: 'Lovelace',
        birthDate: '10/12/1990',
        documentType: 'PASSPORT',
        issuingCountry: 'GBR',
        documentNumber: 'X1234567',
      }),
    );

    expect(record).toEqual({
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthdate: '1990-12-10',
      document: { type: 'PASSPORT', issuingCountry: 'GBR' },
      evidenceTime: '2026-11-27T09:59:30.000Z',
    });
  });

  it('leaves out what GIPS does not give, or gives in a form that is no date', () => {
    const record = verifiedIdentityRecord(
      identity({ givenNames: 'Ada', birthDate: 'unknown' }, { globalStatus: { status: 'VERIFIED' } }),
    );

    expect(record).toEqual({ givenName: 'Ada' });
  });

  it('keeps nothing without a verified document', () => {
    expect(verifiedIdentityRecord({ globalStatus: { status: 'VERIFIED' } })).toEqual({});
  });
});
