import { describe, expect, it } from 'vitest';
import {
  checkPolicies,
  failedPoliciesOutput,
  PASSWORD_POLICIES,
  policiesOutput,
  USERNAME_POLICIES,
} from '../../functions/nodes/policies.js';

describe('password policy', () => {
  const others = { userName: 'alice', givenName: 'Alice', sn: 'Smith' };

  it.each([
    ['Str0ngPassword', []],
    ['', [{ policyRequirement: 'REQUIRED' }]],
    ['Sh0rt', [{ policyRequirement: 'MIN_LENGTH', params: { minLength: 8 } }]],
    [`L0ng${'x'.repeat(124)}`, []],
    [`L0ng${'x'.repeat(125)}`, [{ policyRequirement: 'MAX_LENGTH', params: { maxLength: 128 } }]],
    ['nocapital1', [{ policyRequirement: 'AT_LEAST_X_CAPITAL_LETTERS', params: { numCaps: 1 } }]],
    ['NoNumberHere', [{ policyRequirement: 'AT_LEAST_X_NUMBERS', params: { numNums: 1 } }]],
    [
      'Xx-ALICE-9',
      [{ policyRequirement: 'CANNOT_CONTAIN_OTHERS', params: { disallowedFields: 'userName,givenName' } }],
    ],
    ['Smith12345A', [{ policyRequirement: 'CANNOT_CONTAIN_OTHERS', params: { disallowedFields: 'sn' } }]],
  ])('%j fails %j', (password, expected) => {
    expect(checkPolicies(PASSWORD_POLICIES, password, others)).toEqual(expected);
  });

  it('ignores empty other fields (nothing to contain)', () => {
    expect(
      checkPolicies(PASSWORD_POLICIES, 'Str0ngPassword', { userName: '', givenName: undefined }),
    ).toEqual([]);
  });

  it("renders AM's policies output, as in the Registration sample (plus IDM's maximum-length, ASVS 2.1.2)", () => {
    expect(policiesOutput('password', PASSWORD_POLICIES)).toEqual({
      policyRequirements: [
        'REQUIRED',
        'MIN_LENGTH',
        'MAX_LENGTH',
        'VALID_TYPE',
        'AT_LEAST_X_CAPITAL_LETTERS',
        'AT_LEAST_X_NUMBERS',
        'CANNOT_CONTAIN_OTHERS',
      ],
      fallbackPolicies: null,
      name: 'password',
      policies: [
        { policyRequirements: ['REQUIRED'], policyId: 'not-empty' },
        { policyRequirements: ['MIN_LENGTH'], policyId: 'minimum-length', params: { minLength: 8 } },
        { policyRequirements: ['MAX_LENGTH'], policyId: 'maximum-length', params: { maxLength: 128 } },
        { policyRequirements: ['VALID_TYPE'], policyId: 'valid-type', params: { types: ['string'] } },
        {
          policyRequirements: ['AT_LEAST_X_CAPITAL_LETTERS'],
          policyId: 'at-least-X-capitals',
          params: { numCaps: 1 },
        },
        {
          policyRequirements: ['AT_LEAST_X_NUMBERS'],
          policyId: 'at-least-X-numbers',
          params: { numNums: 1 },
        },
        {
          policyRequirements: ['CANNOT_CONTAIN_OTHERS'],
          policyId: 'cannot-contain-others',
          params: { disallowedFields: ['userName', 'givenName', 'sn'] },
        },
      ],
      conditionalPolicies: null,
    });
  });

  it('serializes failures as JSON strings, which the ForgeRock SDK parses', () => {
    const output = failedPoliciesOutput([{ policyRequirement: 'MIN_LENGTH', params: { minLength: 8 } }]);

    expect(output).toEqual(['{"policyRequirement":"MIN_LENGTH","params":{"minLength":8}}']);
    expect(JSON.parse(output[0]!)).toEqual({ policyRequirement: 'MIN_LENGTH', params: { minLength: 8 } });
  });
});

describe('username policy', () => {
  it.each([
    ['alice', []],
    ['', [{ policyRequirement: 'REQUIRED' }]],
    ['a/b', [{ policyRequirement: 'CANNOT_CONTAIN_CHARACTERS', params: { forbiddenChars: ['/'] } }]],
    ['ＡＬＩＣＥ', []],
  ])('%j fails %j', (userName, expected) => {
    expect(checkPolicies(USERNAME_POLICIES, userName)).toEqual(expected);
  });

  it.each([
    ['ali\u200Bce', ['U+200B']],
    ['\u202Eecila', ['U+202E']],
    ['al\u2066i\u2069ce\u200D', ['U+2066', 'U+2069', 'U+200D']],
    ['ali\u0007ce', ['U+0007']],
    ['a\u2060l\u200Eice\uFEFFx', ['U+2060', 'U+200E', 'U+FEFF']],
  ])('refuses the invisible characters in %j: %j', (userName, found) => {
    expect(checkPolicies(USERNAME_POLICIES, userName)).toEqual([
      {
        policyRequirement: 'CANNOT_CONTAIN_CHARACTERS',
        params: { forbiddenChars: found, forbiddenCategories: ['Cc', 'Cf'] },
      },
    ]);
  });

  it('lists the policy requirements of the Registration sample', () => {
    expect(
      (policiesOutput('userName', USERNAME_POLICIES) as { policyRequirements: string[] }).policyRequirements,
    ).toEqual(['REQUIRED', 'MIN_LENGTH', 'VALID_TYPE', 'UNIQUE', 'CANNOT_CONTAIN_CHARACTERS']);
  });
});
