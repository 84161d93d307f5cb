import { describe, expect, it } from 'vitest';
import { NODE_FAMILIES } from '../../functions/contract/families.js';
import type { JourneyContext, NodeInvocation } from '../../functions/contract/journey.js';
import { listJourneyFiles } from '../../functions/engine/asl.js';
import { EmbeddedEngine, type LocalFunction } from '../../functions/engine/embedded.js';
import { PAYLOAD_LIMIT_BYTES } from '../../functions/engine/payload-limit.js';
import { JourneyExecutionError } from '../../functions/engine/port.js';
import { NODE_LOOKUP } from '../../functions/nodes/registry.js';
import { ProviderUnavailableError } from '../../functions/providers/errors.js';

const files = listJourneyFiles();
/** A journey's file, with those of the journeys it runs as inner journeys (Login runs ProgressiveProfile). */
const journey = (name: string) =>
  files.filter((f) => f.journey === name || (name === 'Login' && f.journey === 'ProgressiveProfile'));

/** The same local function for every node family. */
const everyFamily = (fn: LocalFunction): Record<string, LocalFunction> =>
  Object.fromEntries(Object.values(NODE_FAMILIES).map((f) => [f.substitution, fn]));

const named = (name: string, message = name): Error => Object.assign(new Error(message), { name });

const failureOf = async (run: Promise<unknown>): Promise<JourneyExecutionError> => {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JourneyExecutionError);
  return error as JourneyExecutionError;
};

const login: JourneyContext = {
  journey: 'Login',
  realm: 'alpha',
  txId: 't',
  locale: 'fr',
  clientIp: '192.0.2.1',
  state: {},
};

describe('the embedded engine', () => {
  it.each(['Sandbox.Timedout', 'Lambda.Unknown'])(
    'fails the execution with %s when a node function fails so (caught, not retried: transient)',
    async (name) => {
      let calls = 0;
      const engine = new EmbeddedEngine(
        NODE_LOOKUP,
        everyFamily(async () => {
          calls++;
          throw named(name, 'Task timed out after 20.00 seconds');
        }),
        journey('Login'),
      );

      const error = await failureOf(engine.execute('Login', login));

      expect(error.error).toBe(name);
      expect(error.transient).toBe(true);
      expect(calls).toBe(1);
    },
  );

  it.each([
    ['fr', '192.0.2.1'],
    [null, null],
  ])(
    'keeps locale %s and clientIp %s through a vendor’s Unavailable state',
    async (locale, clientIp) => {
      const seen: string[] = [];
      const engine = new EmbeddedEngine(
        NODE_LOOKUP,
        everyFamily(async (invocation: NodeInvocation) => {
          seen.push(invocation.node.id);
          throw new ProviderUnavailableError('IDEMIA', 'create session: HTTP 503');
        }),
        journey('IdentityProofing'),
      );

      const output = await engine.execute('IdentityProofing', {
        journey: 'IdentityProofing',
        realm: 'alpha',
        txId: 't',
        locale,
        clientIp,
        session: null,
        resumeAt: 'IpaEvaluation',
        input: [],
        state: { userId: 'u1' },
      });

      // Three attempts (PROVIDER_RETRY), then the node's Failure outcome.
      expect(seen).toEqual(['IpaEvaluation', 'IpaEvaluation', 'IpaEvaluation']);
      expect(output).toMatchObject({
        journey: 'IdentityProofing',
        txId: 't',
        locale,
        clientIp,
        outcome: 'Failure',
        result: { status: 'failure' },
        state: { userId: 'u1' },
      });
    },
    15_000,
  );

  describe('enforces Step Functions’ 256 KiB payload quota', () => {
    const big = 'x'.repeat(PAYLOAD_LIMIT_BYTES);

    it('on the execution input', async () => {
      const engine = new EmbeddedEngine(
        NODE_LOOKUP,
        everyFamily(async () => ({})),
        journey('Login'),
      );

      const error = await failureOf(engine.execute('Login', { ...login, state: { big } }));

      expect(error.error).toBe('States.DataLimitExceeded');
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(/The execution input is \d+ bytes, over Step Functions' 262144-byte/);
    });

    it('on a state’s output, and no Catch routes it', async () => {
      let calls = 0;
      const engine = new EmbeddedEngine(
        NODE_LOOKUP,
        everyFamily(async (invocation: NodeInvocation) => {
          calls++;
          return { ...invocation.context, outcome: 'true', state: { photo: big } };
        }),
        journey('Login'),
      );

      const error = await failureOf(engine.execute('Login', login));

      expect(error.error).toBe('States.DataLimitExceeded');
      expect(error.message).toMatch(/The result of state Credentials is \d+ bytes/);
      expect(calls).toBe(1);
    });

    it('on a state’s input built by Parameters', async () => {
      // Just under the quota as the execution's input, over it once the Task adds the node to the payload.
      const fits = 'x'.repeat(PAYLOAD_LIMIT_BYTES - 200);
      let calls = 0;
      const engine = new EmbeddedEngine(
        NODE_LOOKUP,
        everyFamily(async () => {
          calls++;
          return {};
        }),
        journey('Login'),
      );

      const error = await failureOf(engine.execute('Login', { ...login, state: { fits } }));

      expect(error.error).toBe('States.DataLimitExceeded');
      expect(error.message).toMatch(/The input of state Credentials/);
      expect(calls).toBe(0);
    });
  });
});
