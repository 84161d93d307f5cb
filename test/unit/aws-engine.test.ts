import { describe, expect, it } from 'vitest';
import type { SFNClient, StartSyncExecutionCommand } from '../../functions/aws/sfn.js';
import type { JourneyContext } from '../../functions/contract/journey.js';
import { StepFunctionsEngine } from '../../functions/engine/aws.js';
import { EngineUnavailableError, JourneyExecutionError } from '../../functions/engine/port.js';

/** A stand-in for the SFN client that records the commands it is sent. */
function fakeClient(reply: Record<string, unknown>): {
  client: SFNClient;
  sent: StartSyncExecutionCommand[];
} {
  const sent: StartSyncExecutionCommand[] = [];
  const client = {
    send: async (command: StartSyncExecutionCommand) => {
      sent.push(command);
      return reply;
    },
  } as unknown as SFNClient;
  return { client, sent };
}

const input: JourneyContext = { journey: 'Login', realm: 'alpha', txId: 't1', state: {} };
const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Proofline-Login';

describe('StepFunctionsEngine', () => {
  it("runs one synchronous execution of the journey's machine and returns its output", async () => {
    const output = { ...input, outcome: 'suspended', suspendedAt: 'Credentials' };
    const { client, sent } = fakeClient({ status: 'SUCCEEDED', output: JSON.stringify(output) });
    const engine = new StepFunctionsEngine({ Login: arn }, client);

    const result = await engine.execute('Login', input);

    expect(result).toEqual(output);
    expect(sent[0]!.input).toEqual({ stateMachineArn: arn, input: JSON.stringify(input) });
    expect([...engine.journeys]).toEqual(['Login']);
  });

  it.each([
    [
      { status: 'FAILED', error: 'UnroutedOutcome', cause: 'outcome maybe' },
      /UnroutedOutcome \(outcome maybe\)/,
    ],
    [{ status: 'TIMED_OUT' }, /TIMED_OUT/],
  ])('turns a %j execution into a JourneyExecutionError', async (reply, message) => {
    const engine = new StepFunctionsEngine({ Login: arn }, fakeClient(reply).client);

    const error = await engine.execute('Login', input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JourneyExecutionError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    [{ status: 'TIMED_OUT' }, true],
    [{ status: 'FAILED', error: 'Sandbox.Timedout' }, true],
    [{ status: 'FAILED', error: 'Lambda.Unknown' }, true],
    [{ status: 'FAILED', error: 'Lambda.TooManyRequestsException' }, true],
    [{ status: 'FAILED', error: 'ProviderUnavailableError' }, true],
    [{ status: 'FAILED', error: 'States.DataLimitExceeded' }, false],
    [{ status: 'FAILED', error: 'UnroutedOutcome' }, false],
    [{ status: 'FAILED', error: 'JourneyConfigurationError' }, false],
  ])('tells whether a %j execution is transient: %s', async (reply, transient) => {
    const engine = new StepFunctionsEngine({ Login: arn }, fakeClient(reply).client);

    const error = await engine.execute('Login', input).catch((e: unknown) => e);

    expect((error as JourneyExecutionError).transient).toBe(transient);
  });

  it('never lets the client retry StartSyncExecution (a step would run twice)', async () => {
    const engine = new StepFunctionsEngine({ Login: arn });

    const { client } = engine as unknown as { client: SFNClient };

    expect(client.config.maxAttempts).toBe(1);
  });

  /** An error as the SDK throws it. */
  const sdkError = (name: string, fault: 'client' | 'server', status?: number): Error =>
    Object.assign(new Error(name), {
      name,
      $fault: fault,
      $metadata: status === undefined ? { attempts: 1 } : { httpStatusCode: status, attempts: 1 },
    });

  it.each([
    ['throttled', sdkError('ThrottlingException', 'client', 400), false],
    ['throttled by KMS', sdkError('KmsThrottlingException', 'client', 400), false],
    ['failed by the service', sdkError('InternalServerError', 'server', 500), true],
    ['not answered', sdkError('TimeoutError', 'client'), true],
  ])('turns a StartSyncExecution %s into EngineUnavailableError', async (_what, thrown, mayHaveRun) => {
    const client = {
      send: async () => {
        throw thrown;
      },
    } as unknown as SFNClient;
    const engine = new StepFunctionsEngine({ Login: arn }, client);

    const error = await engine.execute('Login', input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).mayHaveRun).toBe(mayHaveRun);
    expect((error as Error).cause).toBe(thrown);
  });

  it('passes other refusals on as they are (configuration errors)', async () => {
    const thrown = sdkError('AccessDeniedException', 'client', 400);
    const client = {
      send: async () => {
        throw thrown;
      },
    } as unknown as SFNClient;

    const error = await new StepFunctionsEngine({ Login: arn }, client)
      .execute('Login', input)
      .catch((e: unknown) => e);

    expect(error).toBe(thrown);
  });

  it('refuses an input over the 256 KiB payload quota without starting an execution', async () => {
    const { client, sent } = fakeClient({ status: 'SUCCEEDED', output: '{}' });
    const engine = new StepFunctionsEngine({ Login: arn }, client);

    const error = await engine
      .execute('Login', { ...input, state: { big: 'x'.repeat(256 * 1024) } })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(JourneyExecutionError);
    expect((error as JourneyExecutionError).error).toBe('States.DataLimitExceeded');
    expect(sent).toHaveLength(0);
  });

  it('reads the machines from STATE_MACHINE_ARNS and says what is wrong with it', () => {
    expect([
      ...StepFunctionsEngine.fromEnv({ STATE_MACHINE_ARNS: JSON.stringify({ Login: arn }) }).journeys,
    ]).toEqual(['Login']);
    expect(() => StepFunctionsEngine.fromEnv({})).toThrow(/STATE_MACHINE_ARNS is required/);
    expect(() => StepFunctionsEngine.fromEnv({ STATE_MACHINE_ARNS: 'nope' })).toThrow(
      /must be a JSON object/,
    );
    expect(() => StepFunctionsEngine.fromEnv({ STATE_MACHINE_ARNS: '{"Login": 1}' })).toThrow(
      /must be a JSON object/,
    );
  });
});
