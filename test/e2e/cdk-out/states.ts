import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Meter } from './meter.js';

type Definition = ConstructorParameters<typeof StateMachine>[0];
type JsonValue = Parameters<StateMachine['run']>[0];

const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;

export interface MachineSpec {
  logicalId: string;
  arn: string;
  name: string;
  type: string;
  roleArn: string;
  /** The definition as deployed: DefinitionString with DefinitionSubstitutions applied. */
  definition: Record<string, unknown>;
  /** Its execution log group (LoggingConfiguration), for the meter. */
  logGroupName?: string;
}

/** A Lambda task's call: the function named by `FunctionName`, with `Payload`. Throws errors named like AWS's. */
export type InvokeForMachine = (
  machine: MachineSpec,
  functionName: string,
  payload: unknown,
) => Promise<unknown>;

/** Every Task state (nested in Parallel/Map branches too) whose Resource is the Lambda integration. */
function lambdaTasks(states: Record<string, Record<string, unknown>>, into: string[] = []): string[] {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task' && typeof state.Resource === 'string' && LAMBDA_INVOKE.test(state.Resource))
      into.push(name);
    for (const branch of (state.Branches as Array<{ States: Record<string, Record<string, unknown>> }>) ??
      []) {
      lambdaTasks(branch.States, into);
    }
    const iterator = (state.ItemProcessor ?? state.Iterator) as
      | { States?: Record<string, Record<string, unknown>> }
      | undefined;
    if (iterator?.States) lambdaTasks(iterator.States, into);
  }
  return into;
}

/** The state machines in aws-local-stepfunctions; `lambda:invoke` tasks call the local Lambda service. */
export class LocalStates {
  private readonly machines = new Map<
    string,
    { spec: MachineSpec; machine: StateMachine; tasks: string[] }
  >();

  constructor(
    specs: readonly MachineSpec[],
    private readonly invoke: InvokeForMachine,
    private readonly meter?: Meter,
  ) {
    for (const spec of specs) {
      const machine = new StateMachine(spec.definition as unknown as Definition, {
        validationOptions: { checkPaths: true, checkArn: true },
      });
      const tasks = lambdaTasks(spec.definition.States as Record<string, Record<string, unknown>>);
      this.machines.set(spec.arn, { spec, machine, tasks });
    }
  }

  get(arn: string): MachineSpec | undefined {
    return this.machines.get(arn)?.spec;
  }

  /** StartSyncExecution's response for one execution (EXPRESS machines only, as on AWS). */
  async startSync(
    arn: string,
    input: string | undefined,
    name: string = randomUUID(),
  ): Promise<Record<string, unknown>> {
    const meter = this.meter;
    return meter ? meter.track(() => this.run(arn, input, name, meter)) : this.run(arn, input, name);
  }

  private async run(
    arn: string,
    input: string | undefined,
    name: string,
    meter?: Meter,
  ): Promise<Record<string, unknown>> {
    const loaded = this.machines.get(arn);
    if (!loaded)
      throw Object.assign(new Error(`State Machine Does Not Exist: '${arn}'`), {
        code: 'StateMachineDoesNotExist',
      });
    if (loaded.spec.type !== 'EXPRESS') {
      throw Object.assign(new Error('This operation is not supported by this type of state machine'), {
        code: 'StateMachineTypeNotSupported',
      });
    }
    const handlers = Object.fromEntries(
      loaded.tasks.map((task) => [
        task,
        async (parameters: JsonValue): Promise<JsonValue> => {
          const { FunctionName, Payload } = parameters as { FunctionName?: string; Payload?: unknown };
          const payload = await this.invoke(loaded.spec, String(FunctionName), Payload);
          return {
            ExecutedVersion: '$LATEST',
            Payload: payload as JsonValue,
            StatusCode: 200,
          } as JsonValue;
        },
      ]),
    );
    const executionArn = `${arn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`;
    const startDate = Date.now() / 1000;
    const base = {
      executionArn,
      stateMachineArn: arn,
      name,
      startDate,
      input: input ?? '{}',
      inputDetails: { included: true },
    };
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(input ?? '{}') as JsonValue;
    } catch {
      throw Object.assign(new Error('Invalid State Machine Execution Input'), {
        code: 'InvalidExecutionInput',
      });
    }
    const started = performance.now();
    let transitions = 0;
    let counting: Promise<void> = Promise.resolve();
    const measure = async (status: string, error?: string): Promise<void> => {
      if (!meter) return;
      await counting;
      meter.execution(loaded.spec, {
        stateTransitions: transitions,
        durationMs: performance.now() - started,
        status,
        ...(error ? { error } : {}),
      });
    };
    try {
      const execution = loaded.machine.run(parsed, { overrides: { taskResourceLocalHandlers: handlers } });
      if (meter) {
        // The execution's event log: every state entered is a transition.
        counting = (async () => {
          for await (const event of execution.eventLogs) if (event.type === 'StateEntered') transitions++;
        })().catch(() => undefined);
      }
      const output = await execution.result;
      await measure('SUCCEEDED');
      return {
        ...base,
        stopDate: Date.now() / 1000,
        status: 'SUCCEEDED',
        output: JSON.stringify(output),
        outputDetails: { included: true },
      };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      if (e.name === 'ExecutionTimeoutError') {
        await measure('TIMED_OUT', 'States.Timeout');
        return {
          ...base,
          stopDate: Date.now() / 1000,
          status: 'TIMED_OUT',
          error: 'States.Timeout',
          cause: e.message,
        };
      }
      const inner = (e as Error & { cause?: unknown }).cause;
      const failure = inner instanceof Error ? inner : e;
      await measure('FAILED', failure.name);
      return {
        ...base,
        stopDate: Date.now() / 1000,
        status: 'FAILED',
        error: failure.name,
        cause: failure.message,
      };
    }
  }
}
