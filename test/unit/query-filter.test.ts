import { describe, expect, it } from 'vitest';
import {
  evaluateQueryFilter,
  parsePointer,
  parseQueryFilter,
  QueryFilterSyntaxError,
} from '../../functions/nodes/query-filter.js';
import type { JsonObject } from '../../functions/shared/json.js';

const profile: JsonObject = {
  userName: 'bjensen',
  mail: 'Babs.Jensen@example.com',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  age: 34,
  title: 'Senior Engineer',
  preferences: { marketing: true, updates: false },
  consentedMappings: [],
  roles: ['admin', 'Auditor'],
  nothing: null,
  'a/b': 'slash',
};

const matches = (filter: string, object: JsonObject = profile) =>
  evaluateQueryFilter(parseQueryFilter(filter), object);

function syntaxError(filter: string): QueryFilterSyntaxError {
  try {
    parseQueryFilter(filter);
  } catch (error) {
    if (error instanceof QueryFilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`"${filter}" parsed`);
}

describe('_queryFilter parser', () => {
  it('parses the documented examples to their AST', () => {
    expect(parseQueryFilter('userName eq "bjensen"')).toEqual({
      type: 'compare',
      operator: 'eq',
      field: ['userName'],
      value: 'bjensen',
    });
    expect(parseQueryFilter('/preferences/marketing eq true')).toEqual({
      type: 'compare',
      operator: 'eq',
      field: ['preferences', 'marketing'],
      value: true,
    });
    expect(parseQueryFilter('!(/consentedMappings pr)')).toEqual({
      type: 'not',
      filter: { type: 'present', field: ['consentedMappings'] },
    });
    expect(parseQueryFilter('name/givenName sw "B" and (age gt 21 or title co "eng")')).toEqual({
      type: 'and',
      filters: [
        { type: 'compare', operator: 'sw', field: ['name', 'givenName'], value: 'B' },
        {
          type: 'or',
          filters: [
            { type: 'compare', operator: 'gt', field: ['age'], value: 21 },
            { type: 'compare', operator: 'co', field: ['title'], value: 'eng' },
          ],
        },
      ],
    });
    expect(parseQueryFilter('true')).toEqual({ type: 'literal', value: true });
    expect(parseQueryFilter('FALSE')).toEqual({ type: 'literal', value: false });
  });

  it('binds and tighter than or, and reads keywords and operators in any case', () => {
    expect(parseQueryFilter('a pr OR b pr AND c pr')).toEqual({
      type: 'or',
      filters: [
        { type: 'present', field: ['a'] },
        {
          type: 'and',
          filters: [
            { type: 'present', field: ['b'] },
            { type: 'present', field: ['c'] },
          ],
        },
      ],
    });
    expect(parseQueryFilter('age GE 1.5')).toMatchObject({ operator: 'ge', value: 1.5 });
    expect(parseQueryFilter('age le -3')).toMatchObject({ operator: 'le', value: -3 });
  });

  it('keeps a string as written, spaces and parentheses included (CREST has no escapes)', () => {
    expect(parseQueryFilter('title eq "a (b) and c"')).toMatchObject({ value: 'a (b) and c' });
    expect(parseQueryFilter('title eq ""')).toMatchObject({ value: '' });
  });

  it('decodes JSON pointer escapes, with or without the leading slash', () => {
    expect(parsePointer('/a~1b')).toEqual(['a/b']);
    expect(parsePointer('x~0y/z')).toEqual(['x~y', 'z']);
    expect(matches('/a~1b eq "slash"')).toBe(true);
  });

  it.each([
    ['', 0, 'the filter is empty'],
    ['(userName eq "x"', 16, 'expected ")" to close the "(" at 0'],
    ['userName eq "x")', 15, 'unbalanced ")"'],
    ['userName eq', 11, 'expected a value after "eq"'],
    ['userName eq bjensen', 12, 'expected a value after "eq"'],
    ['userName eq null', 12, 'expected a value after "eq"'],
    ['userName', 8, 'expected an operator'],
    ['userName xx "a"', 9, 'unknown operator "xx"'],
    ['userName eq "bjensen', 12, 'unterminated string'],
    ['userName pr and', 15, 'expected a filter, found the end'],
    ['and userName pr', 0, 'expected a filter before "and"'],
    ['not (mail pr)', 0, 'negation is written "!"'],
    ['mail pr mail pr', 8, 'expected "and", "or" or the end'],
    ['/a//b pr', 3, 'empty reference token'],
    ['/a~2 pr', 2, '"~" must be "~0" or "~1"'],
    ['!!mail pr', 1, 'expected a filter, found "!"'],
  ])('rejects %j at position %i: %s', (filter, position, reason) => {
    const error = syntaxError(filter);
    expect(error.position).toBe(position);
    expect(error.message).toContain(reason);
    expect(error.message).toContain(`position ${position}`);
  });

  it('limits nesting as CREST does', () => {
    expect(syntaxError(`${'('.repeat(300)}a pr${')'.repeat(300)}`).message).toContain('nested expressions');
  });
});

describe('the filters of ForgeRock’s documentation', () => {
  // DS REST guide, "Query" (LDAP filter → REST filter table; docs.pingidentity.com/pingds/7.4/rest-guide/query-rest)
  // and AIC's "Define and call data queries" (`/userName eq "smith"`), on a user like theirs.
  const babs: JsonObject = { uid: 'bjensen', cn: 'Babs Jensen', _id: 'bjensen', userName: 'smith' };
  const sam: JsonObject = { uid: 'scarter', cn: 'Sam Carter', _id: 'scarter', userName: 'scarter' };

  it.each([
    ['true', true, true],
    ['uid pr', true, true],
    ["_id eq 'bjensen'", true, false],
    ["uid co 'jensen'", true, false],
    ["uid sw 'jensen'", false, false],
    ["(uid co 'jensen' and cn sw'babs')", true, false],
    ["(uid co 'jensen' or cn sw'sam')", true, true],
    ["!(uid co 'jensen')", false, true],
    ["uid le 'jensen'", true, false],
    ["uid ge 'jensen'", false, true],
    ['/userName eq "smith"', true, false],
    ['userName eq "smith"', true, false],
  ])('%s', (filter, forBabs, forSam) => {
    expect(matches(filter, babs)).toBe(forBabs);
    expect(matches(filter, sam)).toBe(forSam);
  });
});

describe('_queryFilter evaluation (IDM semantics)', () => {
  it('evaluates the documented examples', () => {
    expect(matches('userName eq "bjensen"')).toBe(true);
    expect(matches('/preferences/marketing eq true')).toBe(true);
    expect(matches('/preferences/updates eq true')).toBe(false);
    expect(matches('!(/consentedMappings pr)')).toBe(true);
    expect(matches('name/givenName sw "B" and (age gt 21 or title co "eng")')).toBe(true);
    expect(matches('name/givenName sw "B" and (age gt 40 or title co "sales")')).toBe(false);
  });

  it('compares strings case-insensitively, co and sw included', () => {
    expect(matches('userName eq "BJENSEN"')).toBe(true);
    expect(matches('mail co "JENSEN@"')).toBe(true);
    expect(matches('mail sw "babs."')).toBe(true);
    expect(matches('title gt "s"')).toBe(true);
    expect(matches('title lt "S"')).toBe(false);
  });

  it('orders numbers and compares only values of the same type', () => {
    expect(matches('age ge 34 and age le 34 and age lt 34.5')).toBe(true);
    expect(matches('age eq "34"')).toBe(false);
    expect(matches('/preferences/marketing eq "true"')).toBe(false);
    expect(matches('age co 34')).toBe(true);
    expect(matches('missing eq "x"')).toBe(false);
    expect(matches('nothing eq "x"')).toBe(false);
  });

  it('matches an array when any element matches', () => {
    expect(matches('roles eq "auditor"')).toBe(true);
    expect(matches('roles sw "adm"')).toBe(true);
    expect(matches('roles eq "owner"')).toBe(false);
    expect(matches('/roles/1 eq "Auditor"')).toBe(true);
  });

  it('treats absent, null, empty strings and empty arrays as not present', () => {
    expect(matches('userName pr')).toBe(true);
    expect(matches('/preferences/updates pr')).toBe(true);
    expect(matches('missing pr')).toBe(false);
    expect(matches('nothing pr')).toBe(false);
    expect(matches('consentedMappings pr')).toBe(false);
    expect(matches('title pr', { title: '' })).toBe(false);
  });

  it('evaluates literals, negation and grouping', () => {
    expect(matches('true')).toBe(true);
    expect(matches('false or !(userName eq "x")')).toBe(true);
    expect(matches('!(true) or (false and true)')).toBe(false);
  });
});
