import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import { runNode } from '../../functions/nodes/run.js';
import type { AttemptRepository } from '../../functions/store/attempts.js';
import type { ThrottleRepository } from '../../functions/store/throttle.js';
import type { UserRepository } from '../../functions/store/users.js';

/** Services for nodes that must not touch the identity store in these tests. */
const services: NodeServices = {
  clock: systemClock,
  users: new Proxy({} as UserRepository, {
    get: (_target, name) => () => Promise.reject(new Error(`unexpected users.${String(name)}`)),
  }),
  passwords: new Proxy({} as PasswordHasher, {
    get: (_target, name) => () => Promise.reject(new Error(`unexpected passwords.${String(name)}`)),
  }),
  throttle: new Proxy({} as ThrottleRepository, {
    get: (_target, name) => () => Promise.reject(new Error(`unexpected throttle.${String(name)}`)),
  }),
  attempts: new Proxy({} as AttemptRepository, {
    get: (_target, name) => () => Promise.reject(new Error(`unexpected attempts.${String(name)}`)),
  }),
};

const page = (context: Partial<NodeInvocation['context']> = {}): NodeInvocation => ({
  node: {
    id: 'Credentials',
    type: 'PageNode',
    config: {
      nodes: [
        { id: 'Username', type: 'ValidatedUsernameNode' },
        { id: 'Password', type: 'ValidatedPasswordNode' },
      ],
    },
  },
  context: { journey: 'Login', realm: 'alpha', txId: 'tx', state: {}, ...context },
});

describe('runNode', () => {
  it('suspends a page with its callbacks numbered by position and its layout in the memo', async () => {
    const result = await runNode(page(), services);

    expect(result.outcome).toBe('suspended');
    expect(result.suspendedAt).toBe('Credentials');
    expect(result.suspend?.callbacks.map((c) => [c._id, c.input[0]?.name])).toEqual([
      [0, 'IDToken1'],
      [1, 'IDToken2'],
    ]);
    expect(result.suspend?.memo).toEqual({ layout: [0, 1, 1] });
  });

  it('collects a submitted page into shared state, the password into transient state only', async () => {
    const first = await runNode(page(), services);
    const callbacks = structuredClone(first.suspend!.callbacks);
    callbacks[0]!.input[0]!.value = ' ada ';
    callbacks[1]!.input[0]!.value = 'Secret-Passw0rd';

    const result = await runNode(
      page({ resumeAt: 'Credentials', input: callbacks, memo: first.suspend!.memo! }),
      services,
    );

    expect(result.outcome).toBe('outcome');
    expect(result.state.username).toBe('ada');
    expect(result.state.transient?.password).toBe('Secret-Passw0rd');
    expect(result).not.toHaveProperty('input');
    expect(result).not.toHaveProperty('resumeAt');
  });

  it('ignores input meant for another node', async () => {
    const first = await runNode(page(), services);

    const result = await runNode(
      page({ resumeAt: 'SomewhereElse', input: first.suspend!.callbacks, memo: first.suspend!.memo! }),
      services,
    );

    expect(result.outcome).toBe('suspended');
  });

  it('renders again when the memo does not fit the submitted callbacks', async () => {
    const first = await runNode(page(), services);

    const result = await runNode(
      page({ resumeAt: 'Credentials', input: first.suspend!.callbacks, memo: { layout: [0, 2, 1] } }),
      services,
    );

    expect(result.outcome).toBe('suspended');
  });

  it('shows messages left by an earlier node once, as an error TextOutputCallback first', async () => {
    const result = await runNode(
      page({
        state: { transient: { messages: [{ message: 'Invalid username or password.', messageType: '2' }] } },
      }),
      services,
    );

    expect(result.suspend?.callbacks[0]).toEqual({
      type: 'TextOutputCallback',
      output: [
        { name: 'message', value: 'Invalid username or password.' },
        { name: 'messageType', value: '2' },
      ],
      input: [],
      _id: 0,
    });
    expect(result.suspend?.callbacks[1]?.input[0]?.name).toBe('IDToken2');
    expect(result.state.transient?.messages).toBeUndefined();
  });

  it('fails loudly on an unknown node type or config key', async () => {
    await expect(runNode({ ...page(), node: { id: 'X', type: 'Nope' } }, services)).rejects.toThrow(
      /Unknown node type "Nope"/,
    );
    await expect(
      runNode(
        { ...page(), node: { id: 'R', type: 'RetryLimitDecisionNode', config: { limit: 3 } } },
        services,
      ),
    ).rejects.toMatchObject({ name: 'JourneyConfigurationError' });
  });
});
