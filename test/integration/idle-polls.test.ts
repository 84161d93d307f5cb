import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '../../functions/aws/dynamodb.js';
import { ConcurrentUpdateError } from '../../functions/contract/errors.js';
import type { JourneyContext } from '../../functions/contract/journey.js';
import { JourneyService } from '../../functions/engine/journeys.js';
import { type EnginePort, EngineUnavailableError } from '../../functions/engine/port.js';
import {
  type CallbackTemplate,
  numberCallbacks,
  textOutputCallback,
} from '../../functions/shared/callbacks.js';
import { passwordHasher } from '../../functions/store/password-hasher.js';
import { SessionRepository } from '../../functions/store/sessions.js';
import { TransactionRepository } from '../../functions/store/transactions.js';
import { UserRepository } from '../../functions/store/users.js';
import type { Runtime } from '../../infra/local/runtime.js';
import { type AmReply, fill, output, PASSWORD, type Step, uniqueName } from './am-client.js';
import { captureOutput } from './capture-output.js';

/**
 * Idle polls (issue 10 §3): a poll of a step that waits for an event, with no new event and before the step's
 * deadline, costs one read of the transaction — no write, no execution. Measured on a runtime of its own, with
 * its DynamoDB client and its engine instrumented.
 */
let runtime: Runtime;
const commands: string[] = [];
let executions = 0;
let failNextExecution = false;

beforeAll(async () => {
  const { startRuntime } = await import('../../infra/local/runtime.js');
  runtime = await startRuntime({ port: 0, env: { ...process.env, REALMS: 'alpha' } });
  const { doc } = runtime.store;
  const send = doc.send.bind(doc);
  const names = Object.fromEntries(Object.entries(runtime.tables).map(([id, name]) => [name, id]));
  doc.send = ((command: { constructor: { name: string }; input: { TableName?: string } }) => {
    commands.push(`${command.constructor.name} ${names[command.input.TableName ?? ''] ?? '?'}`);
    return send(command as never);
  }) as typeof doc.send;
  const execute = runtime.engine.execute.bind(runtime.engine);
  runtime.engine.execute = async (...args) => {
    executions++;
    if (failNextExecution) {
      failNextExecution = false;
      throw new EngineUnavailableError('injected: the engine did not start the execution', false);
    }
    return execute(...args);
  };
});

afterAll(async () => {
  await runtime?.stop();
});

const url = (journey: string): string =>
  `${runtime.url}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=${journey}`;

async function post(
  journey: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: AmReply }> {
  const response = await fetch(url(journey), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as AmReply };
}

/** What one poll did: its reply, the DynamoDB commands and executions it caused. */
async function measuredPoll(
  step: Step,
  headers: Record<string, string> = {},
): Promise<{ reply: AmReply; commands: string[]; executions: number }> {
  const fromCommands = commands.length;
  const fromExecutions = executions;
  const reply = await post('IdentityProofing', step, headers);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return {
    reply: reply.body,
    commands: commands.slice(fromCommands),
    executions: executions - fromExecutions,
  };
}

const sessionIdOf = (step: Step): string => {
  const link = step.callbacks.find((c) => output(c, 'id') === 'ipaSessionUrl');
  const id = link ? new URL(String(output(link, 'value'))).searchParams.get('session-id') : null;
  if (!id) throw new Error(`no IPA session in ${JSON.stringify(step)}`);
  return id;
};

/** A user signed in to IdentityProofing, at the QR code's waiting step. */
async function waitingStep(): Promise<Step> {
  const userName = uniqueName('idle');
  await new UserRepository(runtime.store).create(
    'alpha',
    { userName, givenName: 'Ada', sn: 'Lovelace', mail: `${userName}@example.com` },
    await passwordHasher.hash(PASSWORD),
  );
  const first = (await post('IdentityProofing')).body;
  let reply = (await post('IdentityProofing', fill(first, { Username: userName, Password: PASSWORD }))).body;
  // The delivery choice, when offered: 0 is the QR code.
  if (reply.callbacks?.some((c) => c.type === 'ChoiceCallback'))
    reply = (await post('IdentityProofing', reply)).body;
  expect(reply.callbacks?.at(-1)?.type, JSON.stringify(reply)).toBe('PollingWaitCallback');
  return reply;
}

async function completeAtIdemia(sessionId: string): Promise<void> {
  const response = await fetch(`${runtime.idemiaSandbox?.url}/sandbox/sessions/${sessionId}/complete`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ outcome: 'verified' }),
  });
  expect(response.status).toBeLessThan(300);
}

/** Polls until the step is no longer the waiting one (the webhook's resume runs in the background). */
async function pollUntilMoved(step: Step): Promise<{ reply: AmReply; executions: number }> {
  const from = executions;
  for (let i = 0; i < 50; i++) {
    const { reply } = await measuredPoll(step);
    if (reply.callbacks?.at(-1)?.type !== 'PollingWaitCallback')
      return { reply, executions: executions - from };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the journey never moved on');
}

describe('idle polls of a waiting step', () => {
  it('cost one read, no write and no execution, and answer the same step with the same authId', async () => {
    const step = await waitingStep();

    // A browser signed in before sends its session cookie with every poll: an idle poll does not read it.
    const cookie = { Cookie: `iPlanetDirectoryPro=${'s'.repeat(43)}` };
    const polls = [];
    for (let i = 0; i < 5; i++) polls.push(await measuredPoll(step, i % 2 === 0 ? cookie : {}));

    for (const poll of polls) {
      expect(poll.reply).toEqual(step);
      expect(poll.commands).toEqual(['GetCommand Transactions']);
      expect(poll.executions).toBe(0);
    }
  });

  it('run the journey once the vendor’s event has come', async () => {
    const step = await waitingStep();
    await measuredPoll(step);

    await completeAtIdemia(sessionIdOf(step));
    const moved = await pollUntilMoved(step);

    // The next step is the face binding (iProov): the event's resume ran the journey, the client caught up.
    expect(moved.reply.callbacks?.some((c) => c.type === 'MetadataCallback')).toBe(true);
    expect(moved.executions).toBeGreaterThanOrEqual(1);
  });

  it('act on an event whose resume failed: the signal on the transaction makes the next poll run', async () => {
    const step = await waitingStep();
    failNextExecution = true;
    const logs = captureOutput();

    await completeAtIdemia(sessionIdOf(step));
    // The resume's execution failed (injected): the step was put back as it was, the event's signal kept.
    for (let i = 0; i < 50 && failNextExecution; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 200));
    logs.restore();
    expect(failNextExecution).toBe(false);
    expect(logs.captured.join('')).toContain('Resuming the journey after IDEMIA notification failed');
    const moved = await pollUntilMoved(step);

    expect(moved.reply.callbacks?.some((c) => c.type === 'MetadataCallback')).toBe(true);
    expect(moved.executions).toBe(1);
  });

  it('run the node once the step’s deadline has passed', async () => {
    const step = await waitingStep();
    const txId = step.authId.split('.')[0] as string;
    const transactions = new TransactionRepository(runtime.store);
    const tx = await transactions.get(txId);
    if (!tx?.pending?.wait) throw new Error(`not a waiting step: ${JSON.stringify(tx)}`);
    const past = Math.floor(Date.now() / 1000) - 1;
    await transactions.put(
      {
        ...tx,
        version: tx.version + 1,
        pending: { ...tx.pending, wait: { ...tx.pending.wait, until: past } },
      },
      tx.version,
    );

    const poll = await measuredPoll(step);

    // The IPA session itself is still open: the node keeps waiting, as a new step.
    expect(poll.executions).toBe(1);
    expect(poll.reply.authId).not.toBe(step.authId);
    expect(poll.reply.callbacks?.at(-1)?.type).toBe('PollingWaitCallback');
  });

  it('are not idle when the client changes an input', async () => {
    const step = await waitingStep();
    const changed = structuredClone(step);
    const hidden = changed.callbacks.find((c) => c.type === 'HiddenValueCallback');
    if (hidden?.input[0]) hidden.input[0].value = 'something else';

    const poll = await measuredPoll(changed);

    expect(poll.executions).toBe(1);
  });
});

describe('the transaction store and signals', () => {
  it('never loses a signal to a write of a transaction read before it', async () => {
    const step = await waitingStep();
    const txId = step.authId.split('.')[0] as string;
    const transactions = new TransactionRepository(runtime.store);
    const read = await transactions.get(txId);
    if (!read) throw new Error('no transaction');

    await transactions.signal(txId);
    await transactions.put({ ...read, version: read.version + 1 }, read.version);

    const stored = await transactions.get(txId);
    expect(stored?.version).toBe(read.version + 1);
    expect(stored?.events).toBe((read.events ?? 0) + 1);
    // The step still says which events its execution saw: the next poll runs the journey.
    expect(stored?.pending?.wait?.events).toBe(read.events ?? 0);
    await expect(transactions.put({ ...read, version: read.version + 1 }, read.version)).rejects.toThrow(
      ConcurrentUpdateError,
    );
  });

  it('ignores a signal for a transaction that does not exist', async () => {
    await expect(new TransactionRepository(runtime.store).signal('no-such-transaction')).resolves.toBe(
      undefined,
    );
  });
});

describe('the deadline of a waiting step, on the service’s clock', () => {
  it('answers polls idly before `until` and runs the node from `until` on', async () => {
    let nowMs = Math.floor(Date.now() / 1000) * 1000;
    const until = nowMs / 1000 + 60;
    let executions = 0;
    const engine: EnginePort = {
      journeys: new Set(['Wait']),
      async execute(_journey: string, input: JourneyContext): Promise<JourneyContext> {
        executions++;
        return {
          ...input,
          outcome: 'suspended',
          suspendedAt: 'Wait',
          suspend: {
            callbacks: numberCallbacks([textOutputCallback('waiting'), pollingWait()]),
            wait: { until },
          },
        };
      },
    };
    const journeys = new JourneyService({
      engine,
      clock: { nowMs: () => nowMs },
      transactions: new TransactionRepository(runtime.store),
      sessions: new SessionRepository(runtime.store),
      users: new UserRepository(runtime.store),
      config: { transactionTtlSeconds: 900, sessionTtlSeconds: 3600, successUrl: '/' },
    });
    const step = await journeys.start('Wait', 'alpha');
    if (step.type !== 'step') throw new Error('expected a step');
    const { type: _type, ...body } = step;
    const txId = step.authId.split('.')[0] as string;
    // The transaction outlives the wait: it expires a TTL after the deadline, not after the last write.
    expect((await new TransactionRepository(runtime.store).get(txId))?.expiresAt).toBe(until + 900);

    nowMs += 59_000;
    const before = await journeys.submit('alpha', 'Wait', body);
    nowMs += 1_000;
    const at = await journeys.submit('alpha', 'Wait', body);

    expect(before).toEqual(step);
    expect(executions).toBe(2);
    expect(at.type === 'step' && at.authId).not.toBe(step.authId);
  });
});

function pollingWait(): CallbackTemplate {
  return {
    type: 'PollingWaitCallback',
    output: [
      { name: 'waitTime', value: '5000' },
      { name: 'message', value: 'Waiting…' },
    ],
    input: [],
  };
}

describe('the stored transaction', () => {
  it('keeps the pending step deflated, and reads items written with a plain one', async () => {
    const step = await waitingStep();
    const txId = step.authId.split('.')[0] as string;
    const transactions = new TransactionRepository(runtime.store);
    const { Item: raw } = await runtime.store.doc.send(
      new GetCommand({ TableName: runtime.tables.Transactions, Key: { id: txId } }),
    );
    const tx = await transactions.get(txId);

    expect(raw?.pending).toBeUndefined();
    expect(raw?.pendingZ).toBeInstanceOf(Uint8Array);
    expect(tx?.pending?.callbacks.at(-1)?.type).toBe('PollingWaitCallback');
    // An item from before (a plain `pending`) is read as it is.
    const { pendingZ: _z, ...plain } = raw as Record<string, unknown>;
    await runtime.store.doc.send(
      new PutCommand({
        TableName: runtime.tables.Transactions,
        Item: { ...plain, id: `${txId}-legacy`, pending: tx?.pending },
      }),
    );
    expect((await transactions.get(`${txId}-legacy`))?.pending).toEqual(tx?.pending);
  });
});
