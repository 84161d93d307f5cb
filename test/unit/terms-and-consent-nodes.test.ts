import { CallbackType, FRCallback, FRStep, type TermsAndConditionsCallback } from '@forgerock/javascript-sdk';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../functions/contract/clock.js';
import type { ConsentedMapping, TermsAcceptance, User, UserProfile } from '../../functions/contract/data.js';
import { JourneyConfigurationError, NoIdentifiedUserError } from '../../functions/contract/errors.js';
import type { JourneyContext, NodeInvocation, SharedState } from '../../functions/contract/journey.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import type { UserStore } from '../../functions/contract/ports.js';
import { matchCallbacks } from '../../functions/engine/callbacks-check.js';
import { getNodeDefinition, parseNodeConfig } from '../../functions/nodes/registry.js';
import { runNode } from '../../functions/nodes/run.js';
import type { JsonObject } from '../../functions/shared/json.js';
import { termsFromEnv } from '../../functions/shared/terms.js';

const NOW = Date.parse('2026-03-01T10:00:00.000Z');
const clock: Clock = { nowMs: () => NOW };

/** The user store as these nodes use it: users in memory, every write recorded; anything else fails. */
class FakeUsers {
  readonly users = new Map<string, User>();
  readonly writes: Array<[string, string, unknown]> = [];

  add(id: string, extra: Partial<User> = {}): void {
    this.users.set(id, {
      id,
      userName: id,
      accountStatus: 'active',
      loginCount: 0,
      createdAt: 'then',
      updatedAt: 'then',
      ...extra,
    });
  }

  readonly store = new Proxy({} as UserStore, {
    get: (_target, name) => {
      switch (name) {
        case 'get':
          return async (id: string) => this.users.get(id);
        case 'acceptTerms':
          return async (id: string, accepted: TermsAcceptance) => {
            this.writes.push(['acceptTerms', id, accepted]);
            this.users.set(id, { ...this.users.get(id)!, termsAccepted: accepted });
          };
        case 'setConsentedMappings':
          return async (id: string, mappings: ConsentedMapping[]) => {
            this.writes.push(['setConsentedMappings', id, mappings]);
          };
        case 'create':
          return async (realm: string, profile: UserProfile) => {
            this.writes.push(['create', realm, profile]);
            return { ...profile, id: 'new-user' };
          };
        default:
          return () => Promise.reject(new Error(`unexpected users.${String(name)}`));
      }
    },
  });
}

const unexpected = <T extends object>(what: string): T =>
  new Proxy({} as T, {
    get: (_target, name) => () => Promise.reject(new Error(`unexpected ${what}.${String(name)}`)),
  });

/** Services with the given terms (default: the bundled ones, latest active); null: none configured. */
function servicesWith(
  users: FakeUsers,
  terms: NodeServices['terms'] | null = termsFromEnv({}),
): NodeServices {
  return {
    clock,
    users: users.store,
    passwords: unexpected<PasswordHasher>('passwords'),
    attempts: unexpected('attempts'),
    throttle: unexpected('throttle'),
    ...(terms ? { terms } : {}),
  };
}

function invocation(
  type: string,
  config: JsonObject,
  context: Partial<JourneyContext> & { state?: SharedState } = {},
): NodeInvocation {
  return {
    node: { id: 'Node', type, config },
    context: { journey: 'ProgressiveProfile', realm: 'alpha', txId: 'tx', state: {}, ...context },
  };
}

/**
 * Runs a suspended step through the real SDK: `answer` sets inputs on the FRStep the client would get, and the
 * posted-back JSON goes through the engine's check before the node resumes with it.
 */
async function answer(
  first: JourneyContext,
  inv: NodeInvocation,
  services: NodeServices,
  set: (step: FRStep) => void,
): Promise<JourneyContext> {
  const pending = first.suspend!.callbacks;
  const step = new FRStep({ authId: 'auth', callbacks: structuredClone(pending) });
  set(step);
  const submitted = JSON.parse(JSON.stringify(step.payload.callbacks)) as unknown;
  return runNode(
    {
      node: inv.node,
      context: {
        ...inv.context,
        state: first.state,
        resumeAt: inv.node.id,
        input: matchCallbacks(pending, submitted),
        memo: first.suspend!.memo!,
      },
    },
    services,
  );
}

const ACCEPT = 'AcceptTermsAndConditionsNode';
const DECISION = 'TermsAndConditionsDecisionNode';
const CONSENT = 'ConsentNode';
/** The SDK has no class for it (v4.9.1): a generic FRCallback, its type outside the CallbackType enum. */
const CONSENT_CALLBACK = 'ConsentMappingCallback' as CallbackType;

describe('Accept Terms and Conditions', () => {
  it("suspends with AM's TermsAndConditionsCallback, read by the SDK's class", async () => {
    const users = new FakeUsers();
    const result = await runNode(invocation(ACCEPT, {}, { locale: 'fr-FR' }), servicesWith(users));

    expect(result.outcome).toBe('suspended');
    const [callback] = result.suspend!.callbacks;
    expect(callback).toEqual({
      type: 'TermsAndConditionsCallback',
      output: [
        { name: 'version', value: '1.1' },
        { name: 'terms', value: expect.stringContaining("# Conditions générales d'utilisation") },
        { name: 'createDate', value: '2025-06-02T09:00:00.000Z' },
      ],
      input: [{ name: 'IDToken1', value: false }],
      _id: 0,
    });
    const sdk = new FRStep({
      callbacks: result.suspend!.callbacks,
    }).getCallbackOfType<TermsAndConditionsCallback>(CallbackType.TermsAndConditionsCallback);
    expect(sdk.getVersion()).toBe('1.1');
    expect(sdk.getTerms()).toContain('Version 1.1');
    expect(sdk.getCreateDate().toISOString()).toBe('2025-06-02T09:00:00.000Z');
    expect(result.state.termsVersion).toBe('1.1');
  });

  it.each([
    ['de-DE', '# Terms and Conditions'],
    [undefined, '# Terms and Conditions'],
    ['fr-CA', "# Conditions générales d'utilisation"],
  ])('shows locale %s the text starting %s', async (locale, heading) => {
    const result = await runNode(
      invocation(ACCEPT, {}, locale ? { locale } : {}),
      servicesWith(new FakeUsers()),
    );

    expect(result.suspend!.callbacks[0]!.output[1]!.value).toMatch(new RegExp(`^${heading}`));
  });

  it('asks again, writing nothing, until the user accepts', async () => {
    const users = new FakeUsers();
    users.add('u1');
    const services = servicesWith(users);
    const inv = invocation(ACCEPT, {}, { state: { userId: 'u1' } });
    const first = await runNode(inv, services);

    const again = await answer(first, inv, services, (step) =>
      step
        .getCallbackOfType<TermsAndConditionsCallback>(CallbackType.TermsAndConditionsCallback)
        .setAccepted(false),
    );

    expect(again.outcome).toBe('suspended');
    expect(again.suspend!.callbacks[0]!.type).toBe('TermsAndConditionsCallback');
    expect(again.state.termsAccepted).toBeUndefined();
    expect(users.writes).toEqual([]);
  });

  it('records the version and time of acceptance on the identified user', async () => {
    const users = new FakeUsers();
    users.add('u1');
    const services = servicesWith(users);
    const inv = invocation(ACCEPT, {}, { state: { userId: 'u1' } });
    const first = await runNode(inv, services);

    const done = await answer(first, inv, services, (step) =>
      step
        .getCallbackOfType<TermsAndConditionsCallback>(CallbackType.TermsAndConditionsCallback)
        .setAccepted(),
    );

    const accepted = { termsVersion: '1.1', acceptDate: '2026-03-01T10:00:00.000Z' };
    expect(done.outcome).toBe('outcome');
    expect(done.state.termsAccepted).toEqual(accepted);
    expect(users.writes).toEqual([['acceptTerms', 'u1', accepted]]);
  });

  it('records the version shown, even when another is activated before the user accepts (as AM)', async () => {
    const users = new FakeUsers();
    users.add('u1');
    const inv = invocation(ACCEPT, {}, { state: { userId: 'u1' } });
    const first = await runNode(inv, servicesWith(users, termsFromEnv({ TERMS_VERSION: '1.0' })));

    await answer(first, inv, servicesWith(users), (step) =>
      step
        .getCallbackOfType<TermsAndConditionsCallback>(CallbackType.TermsAndConditionsCallback)
        .setAccepted(),
    );

    expect(users.users.get('u1')!.termsAccepted?.termsVersion).toBe('1.0');
  });

  it('during Registration, leaves the acceptance for Create Object, which stores it on the new user', async () => {
    const users = new FakeUsers();
    const services = servicesWith(users);
    const page = invocation(
      'PageNode',
      { nodes: [{ id: 'Terms', type: ACCEPT }] },
      { journey: 'Registration', state: { objectAttributes: { userName: 'ada' } } },
    );
    const first = await runNode(page, services);
    expect(first.suspend!.callbacks.map((c) => c.type)).toEqual(['TermsAndConditionsCallback']);

    const done = await answer(first, page, services, (step) =>
      step
        .getCallbackOfType<TermsAndConditionsCallback>(CallbackType.TermsAndConditionsCallback)
        .setAccepted(),
    );
    const created = await runNode(
      {
        ...invocation('CreateObjectNode', {}),
        context: { ...invocation('CreateObjectNode', {}).context, state: done.state },
      },
      servicesWith(users),
    );

    expect(done.outcome).toBe('outcome');
    expect(created.outcome).toBe('CREATED');
    expect(users.writes).toEqual([
      [
        'create',
        'alpha',
        expect.objectContaining({
          userName: 'ada',
          termsAccepted: { termsVersion: '1.1', acceptDate: '2026-03-01T10:00:00.000Z' },
        }),
      ],
    ]);
  });

  it('fails as misconfigured when no terms are configured', async () => {
    await expect(runNode(invocation(ACCEPT, {}), servicesWith(new FakeUsers(), null))).rejects.toThrow(
      JourneyConfigurationError,
    );
  });

  it('takes no config', () => {
    expect(() => parseNodeConfig(getNodeDefinition(ACCEPT), { version: '1.0' }, 'Terms')).toThrow(
      /Invalid config for node Terms/,
    );
  });
});

describe('Terms and Conditions Decision', () => {
  const decide = (
    users: FakeUsers,
    terms: NodeServices['terms'] | null,
    state: SharedState = { userId: 'u1' },
  ) => runNode(invocation(DECISION, {}, { state }), servicesWith(users, terms)).then((r) => r.outcome);

  it('is true when the user accepted the active version, false after a newer one is activated', async () => {
    const users = new FakeUsers();
    users.add('u1');
    const v10 = termsFromEnv({ TERMS_VERSION: '1.0' });
    const services = servicesWith(users, v10);
    const inv = invocation(ACCEPT, {}, { state: { userId: 'u1' } });
    await answer(await runNode(inv, services), inv, services, (step) =>
      step
        .getCallbackOfType<TermsAndConditionsCallback>(CallbackType.TermsAndConditionsCallback)
        .setAccepted(),
    );

    expect(await decide(users, v10)).toBe('true');
    expect(await decide(users, termsFromEnv({ TERMS_VERSION: '1.1' }))).toBe('false');
  });

  it('is false for a user who never accepted any terms', async () => {
    const users = new FakeUsers();
    users.add('u1');

    expect(await decide(users, termsFromEnv({}))).toBe('false');
  });

  it('is false when the user is gone', async () => {
    expect(await decide(new FakeUsers(), termsFromEnv({}))).toBe('false');
  });

  it('is true with no terms configured (AM: no active terms)', async () => {
    expect(await decide(new FakeUsers(), null)).toBe('true');
  });

  it('fails as AM does (no identified user) without a signed-in user, terms configured or not', async () => {
    await expect(decide(new FakeUsers(), termsFromEnv({}), {})).rejects.toThrow(NoIdentifiedUserError);
    await expect(decide(new FakeUsers(), null, {})).rejects.toThrow(NoIdentifiedUserError);
  });

  it("accepts AM's identityAttribute setting, userName only", () => {
    const definition = getNodeDefinition(DECISION);
    expect(parseNodeConfig(definition, { identityAttribute: 'userName' }, 'D')).toEqual({
      identityAttribute: 'userName',
    });
    expect(() => parseNodeConfig(definition, { identityAttribute: 'mail' }, 'D')).toThrow(
      /Invalid config for node D/,
    );
  });

  it('declares true and false', () => {
    expect(getNodeDefinition(DECISION).outcomes({})).toEqual(['true', 'false']);
  });
});

describe('Consent Collector', () => {
  const mappings: JsonObject[] = [
    {
      name: 'managedUser_crm',
      displayName: { en: 'Customer care', fr: 'Service client' },
      accessLevel: 'Actual Profile',
      fields: ['Given name', 'Email'],
    },
    { name: 'managedUser_marketing', displayName: 'Partner offers', icon: 'campaign' },
  ];
  const consentTo = (values: boolean[]) => (step: FRStep) => {
    const callbacks = step.getCallbacksOfType<FRCallback>(CONSENT_CALLBACK);
    expect(callbacks).toHaveLength(values.length);
    callbacks.forEach((callback: FRCallback, index: number) => {
      expect(callback).toBeInstanceOf(FRCallback);
      callback.setInputValue(values[index]);
    });
  };

  async function consent(
    values: boolean[],
    config: JsonObject = { mappings },
    state: SharedState = { userId: 'u1' },
  ) {
    const users = new FakeUsers();
    const services = servicesWith(users);
    const inv = invocation(CONSENT, config, { state });
    const result = await answer(await runNode(inv, services), inv, services, consentTo(values));
    return { result, users };
  }

  it("suspends with one AM ConsentMappingCallback per mapping, localized, read by the SDK's FRCallback", async () => {
    const result = await runNode(
      invocation(
        CONSENT,
        { mappings, message: { en: 'We share.', fr: 'Nous partageons.' } },
        { locale: 'fr' },
      ),
      servicesWith(new FakeUsers()),
    );

    expect(result.outcome).toBe('suspended');
    expect(result.suspend!.callbacks).toEqual([
      {
        type: 'ConsentMappingCallback',
        output: [
          { name: 'name', value: 'managedUser_crm' },
          { name: 'displayName', value: 'Service client' },
          { name: 'icon', value: '' },
          { name: 'accessLevel', value: 'Actual Profile' },
          { name: 'isRequired', value: false },
          { name: 'message', value: 'Nous partageons.' },
          { name: 'fields', value: ['Given name', 'Email'] },
        ],
        input: [{ name: 'IDToken1', value: false }],
        _id: 0,
      },
      {
        type: 'ConsentMappingCallback',
        output: [
          { name: 'name', value: 'managedUser_marketing' },
          { name: 'displayName', value: 'Partner offers' },
          { name: 'icon', value: 'campaign' },
          { name: 'accessLevel', value: 'Actual Profile' },
          { name: 'isRequired', value: false },
          { name: 'message', value: 'Nous partageons.' },
          { name: 'fields', value: [] },
        ],
        input: [{ name: 'IDToken2', value: false }],
        _id: 1,
      },
    ]);
    const sdk = new FRStep({ callbacks: result.suspend!.callbacks }).getCallbacksOfType<FRCallback>(
      CONSENT_CALLBACK,
    );
    expect(sdk.map((c: FRCallback) => c.getOutputByName('displayName', ''))).toEqual([
      'Service client',
      'Partner offers',
    ]);
  });

  it('falls back to the default notice in the first of its locales', async () => {
    const result = await runNode(
      invocation(CONSENT, { mappings }, { locale: 'de' }),
      servicesWith(new FakeUsers()),
    );

    expect(result.suspend!.callbacks[0]!.output).toContainEqual({
      name: 'message',
      value: expect.stringMatching(/^You consent/),
    });
    expect(result.suspend!.callbacks[0]!.output).toContainEqual({
      name: 'displayName',
      value: 'Customer care',
    });
  });

  it('stores the mappings consented to on the user and in objectAttributes', async () => {
    const { result, users } = await consent([false, true]);

    const consented = [{ mapping: 'managedUser_marketing', consentDate: '2026-03-01T10:00:00.000Z' }];
    expect(result.outcome).toBe('outcome');
    expect(result.state.objectAttributes).toEqual({ consentedMappings: consented });
    expect(users.writes).toEqual([['setConsentedMappings', 'u1', consented]]);
  });

  it('stores an empty list when nothing is consented to (consent withdrawn)', async () => {
    const { result, users } = await consent([false, false]);

    expect(result.outcome).toBe('outcome');
    expect(users.writes).toEqual([['setConsentedMappings', 'u1', []]]);
  });

  it('with allRequired, marks every mapping required and asks again until all are consented to', async () => {
    const config = { mappings, allRequired: true };
    const partial = await consent([true, false], config);

    expect(partial.result.outcome).toBe('suspended');
    expect(partial.result.suspend!.callbacks[0]!.output).toContainEqual({ name: 'isRequired', value: true });
    expect(partial.users.writes).toEqual([]);

    const full = await consent([true, true], config);
    expect(full.result.outcome).toBe('outcome');
    expect(full.users.writes).toEqual([
      [
        'setConsentedMappings',
        'u1',
        [
          { mapping: 'managedUser_crm', consentDate: '2026-03-01T10:00:00.000Z' },
          { mapping: 'managedUser_marketing', consentDate: '2026-03-01T10:00:00.000Z' },
        ],
      ],
    ]);
  });

  it('moves on without a step when no mappings are configured (as AM)', async () => {
    const users = new FakeUsers();
    const result = await runNode(invocation(CONSENT, { mappings: [] }), servicesWith(users));

    expect(result.outcome).toBe('outcome');
    expect(users.writes).toEqual([]);
  });

  it('before the user exists, leaves consentedMappings for Create Object', async () => {
    const { result, users } = await consent(
      [true, false],
      { mappings },
      { objectAttributes: { userName: 'ada' } },
    );
    const create = invocation('CreateObjectNode', {});
    await runNode({ ...create, context: { ...create.context, state: result.state } }, servicesWith(users));

    expect(users.writes).toEqual([
      [
        'create',
        'alpha',
        expect.objectContaining({
          userName: 'ada',
          consentedMappings: [{ mapping: 'managedUser_crm', consentDate: '2026-03-01T10:00:00.000Z' }],
        }),
      ],
    ]);
  });

  it.each([
    ['duplicate mapping names', { mappings: [mappings[1], mappings[1]] }, /mapping names must be unique/],
    ['an unknown key', { mappings, allMappingsRequired: true }, /allMappingsRequired/],
    ['a mapping without displayName', { mappings: [{ name: 'x' }] }, /displayName/],
    ['a bad mapping name', { mappings: [{ name: 'no spaces', displayName: 'x' }] }, /mappings\.0\.name/],
    ['an empty message', { mappings, message: {} }, /at least one locale/],
  ])('refuses a config with %s', (_name, config, message) => {
    expect(() => parseNodeConfig(getNodeDefinition(CONSENT), config, 'Consent')).toThrow(message);
  });
});
