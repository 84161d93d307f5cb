import type { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { StepFunctionsEngine } from '../../functions/engine/aws.js';
import { JourneyExecutionError } from '../../functions/engine/port.js';
import type { JourneyContext } from '../../functions/engine/types.js';

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
