import { describe, expect, it } from 'vitest';
import { systemClock } from '../../functions/contract/clock.js';
import { NODE_FAMILIES } from '../../functions/contract/families.js';
import type { JourneyContext, NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices } from '../../functions/contract/nodes.js';
import { EmbeddedEngine } from '../../functions/engine/embedded.js';
import { JourneyService, type StepResponse } from '../../functions/engine/journeys.js';
import { NODE_LOOKUP } from '../../functions/nodes/registry.js';
import { runNode } from '../../functions/nodes/run.js';
import { termsFromEnv } from '../../functions/shared/terms.js';
import { AttemptRepository } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import { fill, registrationValues, SECURITY_ANSWERS, type Step, uniqueName } from './am-client.js';
import { testStore } from './test-store.js';

/**
 * A password rides in transient state only until the node that consumes it: no later node's Lambda payload and
 * no execution output may hold it (issue 8 §6). Every node invocation and every execution output is recorded.
 */
const SECRET = 'Unmistakable-Passw0rd-4711';

function recordingJourneys() {
  const store: Store = testStore();
  const services: NodeServices = {
    clock: systemClock,
    passwords: passwordHasher,
    users: new UserRepository(store),
    attempts: new AttemptRepository(store),
    throttle: new ThrottleRepository(store, throttlePolicyFromEnv({})),
    // Registration's page shows the terms (the bundled ones, the latest version active).
    terms: termsFromEnv({}),
  };
  const invocations: Array<{ node: string; input: string; output: string }> = [];
  const outputs: string[] = [];
  const handler = async (event: NodeInvocation): Promise<JourneyContext> => {
    const result = await runNode(event, services);
    invocations.push({ node: event.node.id, input: JSON.stringify(event), output: JSON.stringify(result) });
    return result;
  };
  const engine = new EmbeddedEngine(
    NODE_LOOKUP,
    Object.fromEntries(Object.values(NODE_FAMILIES).map((family) => [family.substitution, handler])),
  );
  const recorded = {
    journeys: engine.journeys,
    async execute(journey: string, input: JourneyContext): Promise<JourneyContext> {
      const output = await engine.execute(journey, input);
      outputs.push(JSON.stringify(output));
      return output;
    },
  };
  const journeys = new JourneyService({
    clock: systemClock,
    engine: recorded,
    transactions: new TransactionRepository(store),
    sessions: new SessionRepository(store),
    users: services.users,
    config: { transactionTtlSeconds: 900, sessionTtlSeconds: 3600, successUrl: '/' },
  });
  return { journeys, invocations, outputs };
}

const stepOf = (response: StepResponse): Step => {
  if (response.type !== 'step') throw new Error(`expected a step, got ${JSON.stringify(response)}`);
  const { type: _type, ...step } = response;
  return step as Step;
};

/** The nodes whose input carried the secret, and those after the consumer that still did. */
function leaks(invocations: Array<{ node: string; input: string; output: string }>, consumer: string) {
  const at = invocations.findIndex((i) => i.node === consumer);
  return {
    consumed: at >= 0 && invocations[at]?.input.includes(SECRET) === true,
    consumerOutput: invocations[at]?.output.includes(SECRET),
    later: invocations.slice(at + 1).filter((i) => i.input.includes(SECRET) || i.output.includes(SECRET)),
  };
}

describe('a password in transient state', () => {
  it('leaves with Create Object in Registration', async () => {
    const { journeys, invocations, outputs } = recordingJourneys();
    const userName = uniqueName('secret');
    const page = stepOf(await journeys.start('Registration', 'alpha'));

    const done = await journeys.submit(
      'alpha',
      'Registration',
      fill(page, registrationValues(userName, { Password: SECRET })),
    );

    expect(done.type).toBe('success');
    const found = leaks(invocations, 'CreateObject');
    expect(found.consumed).toBe(true);
    expect(found.consumerOutput).toBe(false);
    expect(found.later.map((i) => i.node)).toEqual([]);
    expect(invocations.map((i) => i.node)).toContain('IncrementLoginCount');
    expect(outputs.filter((o) => o.includes(SECRET))).toEqual([]);
    // The security answers (on the same page) are hashed by the page itself: no node's output, later input or
    // execution output holds them in clear.
    const answers = SECURITY_ANSWERS.map((a) => a.answer);
    const holds = (text: string) =>
      answers.some((answer) => text.toLowerCase().includes(answer.toLowerCase()));
    expect(invocations.filter((i) => holds(i.output)).map((i) => i.node)).toEqual([]);
    expect(invocations.filter((i) => i.node !== 'RegistrationPage' && holds(i.input))).toEqual([]);
    expect(outputs.filter(holds)).toEqual([]);
  });

  it('leaves with the Identity Store Decision in Login, whether the password is right or wrong', async () => {
    const { journeys, invocations, outputs } = recordingJourneys();
    const userName = uniqueName('secret');
    const page = stepOf(await journeys.start('Registration', 'alpha'));
    await journeys.submit(
      'alpha',
      'Registration',
      fill(page, registrationValues(userName, { Password: SECRET })),
    );
    invocations.length = 0;
    outputs.length = 0;

    const wrong = stepOf(await journeys.start('Login', 'alpha'));
    const retry = await journeys.submit(
      'alpha',
      'Login',
      fill(wrong, { Username: userName, Password: `${SECRET}-wrong` }),
    );
    const right = await journeys.submit(
      'alpha',
      'Login',
      fill(stepOf(retry), { Username: userName, Password: SECRET }),
    );

    expect(right.type).toBe('success');
    const decisions = invocations.filter((i) => i.node === 'IdentityStoreDecision');
    expect(decisions).toHaveLength(2);
    expect(decisions.every((d) => d.input.includes(SECRET) && !d.output.includes(SECRET))).toBe(true);
    // Only the page that collects it and the decision that consumes it ever hold the password.
    const others = invocations.filter((i) => i.node !== 'Credentials' && i.node !== 'IdentityStoreDecision');
    expect(others.map((i) => i.node)).toEqual(
      expect.arrayContaining(['RetryLimitDecision', 'IncrementLoginCount']),
    );
    expect(others.filter((i) => i.input.includes(SECRET) || i.output.includes(SECRET))).toEqual([]);
    expect(outputs.filter((o) => o.includes(SECRET))).toEqual([]);
  });
});
