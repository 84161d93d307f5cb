import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import type { JourneyContext } from '../../functions/contract/journey.js';
import type { NodeServices } from '../../functions/contract/nodes.js';
import { runNode } from '../../functions/nodes/run.js';

/**
 * Get Session Data reads the request's session only: any store access is a failure. (The node runner reads the
 * configured locales, to give the step its locale: configuration, not a store.)
 */
const services = new Proxy({ clock: systemClock, locales: ['en', 'fr'] } as unknown as NodeServices, {
  get: (target, name) => {
    if (name === 'clock' || name === 'locales') return target[name];
    throw new Error(`unexpected services.${String(name)}`);
  },
});

const run = (context: Partial<JourneyContext>, config: unknown = defaults) =>
  runNode(
    {
      node: { id: 'GetSessionData', type: 'SessionDataNode', config: config as never },
      context: { journey: 'UpdatePassword', realm: 'alpha', txId: 'tx', state: {}, ...context },
    },
    services,
  );

const defaults = { sessionDataKey: 'UserToken', sharedStateKey: 'username' };
const session = { userId: 'u-1', userName: 'ada' };

describe('Get Session Data', () => {
  it("puts the session's username in shared state and identifies its user", async () => {
    const output = await run({ session, clientIp: '192.0.2.1' });

    expect(output.outcome).toBe('outcome');
    expect(output.state).toEqual({ username: 'ada', userId: 'u-1' });
    // Carried on to the next node, as the execution's other per-request fields are.
    expect(output.session).toEqual(session);
  });

  it('reads UserId (also the username in AM) into another shared-state key', async () => {
    const output = await run({ session }, { sessionDataKey: 'UserId', sharedStateKey: 'signedInAs' });

    expect(output.state).toEqual({ signedInAs: 'ada', userId: 'u-1' });
  });

  it.each([
    ['no session', {}],
    ['a null session', { session: null }],
  ])('answers noSession with %s, leaving the state as it was', async (_case, context) => {
    const output = await run({ ...context, state: { username: 'someone' } });

    expect(output.outcome).toBe('noSession');
    expect(output.state).toEqual({ username: 'someone' });
    expect(output.session).toBeNull();
  });

  it.each([
    [{ sessionDataKey: 'AuthLevel', sharedStateKey: 'username' }, /sessionDataKey/],
    [{ sessionDataKey: 'UserToken', sharedStateKey: 'transient' }, /sharedStateKey/],
    [{ sessionDataKey: 'UserToken', sharedStateKey: 'userId' }, /sharedStateKey/],
    [{ sessionDataKey: 'UserToken' }, /sharedStateKey/],
    [{ ...defaults, extra: true }, /extra/],
  ])('refuses the config %j', async (config, message) => {
    await expect(run({ session }, config)).rejects.toThrow(message);
  });
});
