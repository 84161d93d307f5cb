import { describe, expect, it } from 'vitest';
import type { Clock } from '../../functions/contract/clock.js';
import type { User } from '../../functions/contract/data.js';
import type { SharedState } from '../../functions/contract/journey.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import type { AttemptStore, ProfilePatch, ThrottleStore, UserStore } from '../../functions/contract/ports.js';
import { runNode } from '../../functions/nodes/run.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');

const baseUser = (patch: Partial<User> = {}): User => ({
  id: 'user-1',
  realm: 'alpha',
  userName: 'bjensen',
  mail: 'bjensen@example.com',
  givenName: 'Barbara',
  preferences: { marketing: true, updates: false },
  passwordHash: '$argon2id$secret',
  accountStatus: 'active',
  loginCount: 3,
  createdAt: '2026-11-24T12:00:00.000Z',
  updatedAt: '2026-11-24T12:00:00.000Z',
  ...patch,
});

/** Services with a one-user store; any port a node must not use fails the test. */
function harness(user: User | null = baseUser(), options: { goneOnWrite?: boolean } = {}) {
  const patches: Array<{ id: string; patch: ProfilePatch }> = [];
  const hashed: string[] = [];
  const unexpected = (name: string) => () => {
    throw new Error(`unexpected call: ${name}`);
  };
  const users = {
    get: async (id: string) => (user && id === user.id ? structuredClone(user) : undefined),
    patch: async (id: string, patch: ProfilePatch) => {
      patches.push({ id, patch });
      return user !== null && id === user.id && !options.goneOnWrite;
    },
  } as unknown as UserStore;
  const clock: Clock = { nowMs: () => NOW };
  const services: NodeServices = {
    clock,
    users,
    passwords: {
      hash: async (password: string) => {
        hashed.push(password);
        return `hash(${password.length})`;
      },
      verify: unexpected('verify'),
      burn: unexpected('burn'),
      needsRehash: unexpected('needsRehash'),
    } as PasswordHasher,
    attempts: {} as AttemptStore,
    throttle: {} as ThrottleStore,
  };
  const run = async (
    type: string,
    config: Record<string, unknown>,
    state: SharedState = { userId: 'user-1' },
  ) =>
    runNode(
      {
        node: { id: 'N1', type, config: config as never },
        context: { journey: 'J', realm: 'alpha', txId: 'tx', state },
      },
      services,
    );
  return { run, patches, hashed };
}

const outcome = async (type: string, config: Record<string, unknown>, user?: User) =>
  (await harness(user ?? baseUser()).run(type, config)).outcome;

describe('node config validation', () => {
  it.each([
    ['LoginCountDecisionNode', { interval: 'SOMETIMES', amount: 1 }, 'interval'],
    ['LoginCountDecisionNode', { interval: 'AT', amount: 0 }, 'amount'],
    [
      'QueryFilterDecisionNode',
      { queryFilter: '(userName eq "x"' },
      'queryFilter: Invalid query filter at position 16',
    ],
    ['QueryFilterDecisionNode', { queryFilter: 'userName like "x"' }, 'unknown operator "like"'],
    ['AttributePresentDecisionNode', { presentAttribute: 'a//b' }, 'presentAttribute'],
    [
      'AttributeValueDecisionNode',
      { comparisonOperation: 'EQUALS', comparisonAttribute: 'mail' },
      'comparisonValue is required',
    ],
    [
      'AttributeValueDecisionNode',
      { comparisonOperation: 'PRESENT', comparisonAttribute: 'password' },
      'Attribute Present Decision',
    ],
    ['ProfileCompletenessDecisionNode', { threshold: 101 }, 'threshold'],
    ['TimeSinceDecisionNode', { elapsedTime: '3 fortnights' }, 'elapsedTime'],
    ['PatchObjectNode', { patchAsObject: true }, 'patchAsObject'],
    ['PatchObjectNode', { identityResource: 'managed/alpha_role' }, 'identityResource'],
    ['PatchObjectNode', { unknownKey: 1 }, 'unknownKey'],
  ])('%s rejects %j', async (type, config, message) => {
    await expect(harness().run(type, config)).rejects.toThrow(message);
  });

  it('needs an identified user, and one that exists', async () => {
    const { run } = harness();
    // No sign-in: the journey fails (NoIdentifiedUserError: AM's 401, not a server fault).
    await expect(run('LoginCountDecisionNode', { interval: 'AT', amount: 1 }, {})).rejects.toMatchObject({
      name: 'NoIdentifiedUserError',
      message: expect.stringContaining('no identified user'),
    });
    await expect(harness(null).run('QueryFilterDecisionNode', { queryFilter: 'true' })).rejects.toMatchObject(
      { name: 'JourneyConfigurationError' },
    );
  });
});

describe('Login Count Decision', () => {
  it.each([
    ['AT', 3, 3, 'true'],
    ['AT', 3, 6, 'false'],
    ['at', 2, 2, 'true'],
    ['EVERY', 3, 6, 'true'],
    ['EVERY', 3, 7, 'false'],
    ['EVERY', 1, 5, 'true'],
  ])('%s %i with a count of %i is %s', async (interval, amount, loginCount, expected) => {
    expect(await outcome('LoginCountDecisionNode', { interval, amount }, baseUser({ loginCount }))).toBe(
      expected,
    );
  });
});

describe('Query Filter Decision', () => {
  it('is true when the profile matches and false otherwise', async () => {
    const filter = '/preferences/marketing eq true and !(/telephoneNumber pr)';
    expect(await outcome('QueryFilterDecisionNode', { queryFilter: filter })).toBe('true');
    expect(
      await outcome(
        'QueryFilterDecisionNode',
        { queryFilter: filter },
        baseUser({ telephoneNumber: '+15551234567' }),
      ),
    ).toBe('false');
  });

  it('sees AM names (createDate, _id) but never the password hash', async () => {
    expect(
      await outcome('QueryFilterDecisionNode', {
        queryFilter: 'createDate sw "2026-11" and _id eq "user-1"',
      }),
    ).toBe('true');
    expect(await outcome('QueryFilterDecisionNode', { queryFilter: 'passwordHash pr or password pr' })).toBe(
      'false',
    );
  });
});

describe('Attribute Present Decision', () => {
  it.each([
    ['givenName', baseUser(), 'true'],
    ['sn', baseUser(), 'false'],
    ['/preferences/updates', baseUser(), 'true'],
    ['password', baseUser(), 'true'],
    ['password', baseUser({ passwordHash: undefined }), 'false'],
  ])('%s → %s', async (presentAttribute, user, expected) => {
    const { run } = harness(user);
    const result = await run('AttributePresentDecisionNode', { presentAttribute });
    expect(result.outcome).toBe(expected);
    expect(JSON.stringify(result)).not.toContain('argon2');
  });
});

describe('Attribute Value Decision', () => {
  it.each([
    [{ comparisonOperation: 'PRESENT', comparisonAttribute: 'mail' }, 'true'],
    [{ comparisonOperation: 'PRESENT', comparisonAttribute: 'telephoneNumber' }, 'false'],
    [{ comparisonOperation: 'EQUALS', comparisonAttribute: 'givenName', comparisonValue: 'Barbara' }, 'true'],
    [
      { comparisonOperation: 'EQUALS', comparisonAttribute: 'givenName', comparisonValue: 'barbara' },
      'false',
    ],
    [
      {
        comparisonOperation: 'EQUALS',
        comparisonAttribute: 'preferences/marketing',
        comparisonValue: 'true',
      },
      'true',
    ],
    [{ comparisonOperation: 'EQUALS', comparisonAttribute: 'sn', comparisonValue: '' }, 'false'],
  ])('%j → %s', async (config, expected) => {
    expect(await outcome('AttributeValueDecisionNode', config)).toBe(expected);
  });
});

describe('Profile Completeness Decision', () => {
  // The default attributes: givenName, sn, mail, telephoneNumber, preferences/marketing, preferences/updates;
  // the user has 4 of 6 (66.7 %).
  it.each([
    [{ threshold: 66 }, 'true'],
    [{ threshold: 67 }, 'false'],
    [{ threshold: 0 }, 'true'],
    [{ threshold: 100, attributes: ['givenName', '/mail'] }, 'true'],
    [{ threshold: 50, attributes: ['sn', 'telephoneNumber'] }, 'false'],
  ])('%j → %s', async (config, expected) => {
    expect(await outcome('ProfileCompletenessDecisionNode', config)).toBe(expected);
  });
});

describe('Time Since Decision', () => {
  // Created exactly 7 days (10080 minutes) before NOW.
  it.each([
    [{ elapsedTime: 10080 }, 'true'],
    [{ elapsedTime: '10081' }, 'false'],
    [{ elapsedTime: '1 week' }, 'true'],
    [{ elapsedTime: '8 days' }, 'false'],
    [{ elapsedTime: '167 hours', attribute: 'createDate' }, 'true'],
    [{ elapsedTime: 0, attribute: 'lastLogin' }, 'false'],
  ])('%j → %s', async (config, expected) => {
    expect(await outcome('TimeSinceDecisionNode', config)).toBe(expected);
  });
});

describe('Patch Object', () => {
  it('writes collected attributes, merging nested preferences and removing emptied ones', async () => {
    const { run, patches, hashed } = harness(baseUser({ sn: 'Jensen' }));
    const result = await run(
      'PatchObjectNode',
      {},
      {
        userId: 'user-1',
        objectAttributes: {
          userName: 'BJensen',
          mail: 'bjensen@example.com',
          sn: '',
          telephoneNumber: ' +15551234567 ',
          preferences: { updates: true },
        },
      },
    );
    expect(result.outcome).toBe('PATCHED');
    expect(patches).toEqual([
      {
        id: 'user-1',
        patch: {
          set: { telephoneNumber: '+15551234567', preferences: { marketing: true, updates: true } },
          remove: ['sn'],
        },
      },
    ]);
    expect(hashed).toEqual([]);
  });

  it('hashes the transient password, consumes it, and never reads one from objectAttributes', async () => {
    const { run, patches, hashed } = harness();
    const result = await run(
      'PatchObjectNode',
      {},
      { userId: 'user-1', transient: { password: 'n3w-Secret!' } },
    );
    expect(result.outcome).toBe('PATCHED');
    expect(hashed).toEqual(['n3w-Secret!']);
    expect(patches[0]?.patch).toEqual({ set: {}, remove: [], passwordHash: 'hash(11)' });
    expect(JSON.stringify(result)).not.toContain('n3w-Secret!');

    const plain = harness();
    const refused = await plain.run(
      'PatchObjectNode',
      {},
      {
        userId: 'user-1',
        objectAttributes: { password: 'plain' },
      },
    );
    expect(refused.outcome).toBe('FAILURE');
    expect(plain.patches).toEqual([]);
  });

  it('leaves out ignored fields, and patches nothing when nothing is left', async () => {
    const { run, patches, hashed } = harness();
    const result = await run(
      'PatchObjectNode',
      {
        ignoredFields: ['preferences/marketing', 'password', 'custom'],
        identityResource: 'managed/bravo_user',
      },
      {
        userId: 'user-1',
        objectAttributes: { preferences: { marketing: false }, custom: 'x' },
        transient: { password: 'kept' },
      },
    );
    expect(result.outcome).toBe('PATCHED');
    expect(patches).toEqual([]);
    expect(hashed).toEqual([]);
  });

  it.each([
    [{ mail: 'someone.else@example.com' }],
    [{ userName: 'other' }],
    [{ accountStatus: 'active' }],
    [{ loginCount: 0 }],
    [{ givenName: 42 }],
    [{ preferences: { marketing: 'yes' } }],
    [{ preferences: { admin: true } }],
  ])('is FAILURE for %j and writes nothing', async (objectAttributes) => {
    const { run, patches } = harness();
    const result = await run(
      'PatchObjectNode',
      {},
      { userId: 'user-1', objectAttributes: objectAttributes as never },
    );
    expect(result.outcome).toBe('FAILURE');
    expect(patches).toEqual([]);
  });

  it('is FAILURE when the user is gone between the read and the write', async () => {
    const { run, patches } = harness(baseUser(), { goneOnWrite: true });
    const result = await run(
      'PatchObjectNode',
      {},
      { userId: 'user-1', objectAttributes: { givenName: 'B' } },
    );
    expect(result.outcome).toBe('FAILURE');
    expect(patches).toEqual([{ id: 'user-1', patch: { set: { givenName: 'B' }, remove: [] } }]);
  });
});
