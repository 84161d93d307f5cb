import { CallbackType, FRStep, type KbaCreateCallback } from '@forgerock/javascript-sdk';
import { describe, expect, it } from 'vitest';
import { GetCommand } from '../../functions/aws/dynamodb.js';
import { systemClock } from '../../functions/contract/clock.js';
import type { JourneyContext, NodeInvocation, SharedState } from '../../functions/contract/journey.js';
import type { NodeServices } from '../../functions/contract/nodes.js';
import { matchCallbacks } from '../../functions/engine/callbacks-check.js';
import { runNode } from '../../functions/nodes/run.js';
import { AttemptRepository } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import { UserRepository } from '../../functions/store/users.js';
import { uniqueName } from './am-client.js';
import { testStore } from './test-store.js';

/** Security answers in the Users table (DynamoDB Local): hashes only, nothing to read back in clear. */
describe('KBA answers in the user store', () => {
  const store: Store = testStore();
  const users = new UserRepository(store);
  const services: NodeServices = {
    clock: systemClock,
    passwords: passwordHasher,
    users,
    attempts: new AttemptRepository(store),
    throttle: new ThrottleRepository(store, throttlePolicyFromEnv({})),
  };
  const node = (type: string, context: Partial<JourneyContext> & { state: SharedState }): NodeInvocation => ({
    node: { id: type, type },
    context: { journey: 'Registration', realm: 'alpha', txId: 'tx', ...context },
  });
  const rawItem = async (id: string) =>
    (await store.doc.send(new GetCommand({ TableName: store.tables.Users, Key: { id } }))).Item;

  async function define(state: SharedState, answers: [string, string][]): Promise<JourneyContext> {
    const first = await runNode(node('KbaCreateNode', { state }), services);
    const step = new FRStep({
      authId: 'a',
      callbacks: structuredClone(first.suspend?.callbacks ?? []) as never,
    });
    const callbacks: KbaCreateCallback[] = step.getCallbacksOfType(CallbackType.KbaCreateCallback);
    for (const [i, callback] of callbacks.entries()) {
      callback.setQuestion(answers[i]?.[0] ?? '');
      callback.setAnswer(answers[i]?.[1] ?? '');
    }
    const input = matchCallbacks(
      first.suspend?.callbacks ?? [],
      JSON.parse(JSON.stringify(step.payload.callbacks)),
    );
    return runNode(
      node('KbaCreateNode', { state, resumeAt: 'KbaCreateNode', input, memo: first.suspend?.memo ?? {} }),
      services,
    );
  }

  it('registers a user with hashed answers (Create Object) and replaces them (setKba); the item holds no answer', async () => {
    const userName = uniqueName('kba');
    const defined = await define({ username: userName, objectAttributes: { userName } }, [
      ["What's your favorite color?", '  Ultramarine  Blue '],
      ['Which street did I grow up on?', 'Rue des Écoles'],
    ]);
    const created = await runNode(node('CreateObjectNode', { state: defined.state }), services);
    expect(created.outcome).toBe('CREATED');
    const id = created.state.userId ?? '';

    const item = await rawItem(id);
    expect(item?.kbaInfo).toEqual([
      { questionId: '1', answerHash: expect.stringMatching(/^\$argon2id\$/) },
      {
        customQuestion: 'Which street did I grow up on?',
        answerHash: expect.stringMatching(/^\$argon2id\$/),
      },
    ]);
    expect(JSON.stringify(item)).not.toMatch(/ultramarine|[ée]coles/i);
    expect(await passwordHasher.verify('ultramarine blue', item?.kbaInfo[0].answerHash)).toBe(true);
    expect(await passwordHasher.verify('rue des écoles', item?.kbaInfo[1].answerHash)).toBe(true);

    const redefined = await define({ userId: id }, [
      ['Who was your first employer?', 'Analytical Engines'],
      ["What's your favorite color?", 'Green'],
    ]);
    expect(redefined.outcome).toBe('outcome');
    const after = await users.get(id);
    expect(after?.kbaInfo?.map((a) => ('questionId' in a ? a.questionId : a.customQuestion))).toEqual([
      '2',
      '1',
    ]);
    expect(JSON.stringify(await rawItem(id))).not.toMatch(/analytical|green/i);
    expect((await runNode(node('KbaDecisionNode', { state: { userId: id } }), services)).outcome).toBe(
      'true',
    );
  });
});
