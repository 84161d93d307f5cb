import { StateMachine } from 'aws-local-stepfunctions';
import '../shared/polyfills.js';
import type { JourneyContext } from '../contract/journey.js';
import type { NodeLookup } from '../contract/nodes.js';
import type { JsonObject, JsonValue } from '../shared/json.js';
import { type JourneyFile, listJourneyFiles, substitute } from './asl.js';
import { checkJourneyCalls, type JourneyGraph, lintJourney } from './lint.js';
import { checkPayload, DATA_LIMIT_EXCEEDED, DataLimitExceededError } from './payload-limit.js';
import { type EnginePort, JourneyExecutionError } from './port.js';

export type LocalFunction = (payload: never) => Promise<unknown>;

type StateMachineDefinition = ConstructorParameters<typeof StateMachine>[0];

interface LoadedJourney {
  machine: StateMachine;
  handlers: Record<string, (input: JsonValue) => Promise<JsonValue>>;
}

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

export interface EmbeddedEngineOptions {
  /**
   * The longest an execution may run (the machine's top-level TimeoutSeconds, as the CDK stack sets it on AWS);
   * a longer one fails as TIMED_OUT. Default: none.
   */
  timeoutSeconds?: number;
}

/**
 * The engine port embedded: the same ASL files run in-process by aws-local-stepfunctions. Placeholders are
 * substituted as CDK does; every `lambda:invoke` Task is overridden to call the local function its
 * FunctionName names, and its result wrapped as `{Payload, StatusCode}` like the Lambda integration.
 */
export class EmbeddedEngine implements EnginePort {
  readonly journeys: ReadonlySet<string>;
  private readonly loaded = new Map<string, LoadedJourney>();

  /**
   * @param nodes the node registry, to lint each journey before it loads
   * @param functions substitution name (e.g. IdentityNodesFunctionArn) → local handler
   * @param files the journeys to load (default: every `statemachines/*.asl.json`)
   */
  constructor(
    nodes: NodeLookup,
    functions: Readonly<Record<string, LocalFunction>>,
    files: JourneyFile[] = listJourneyFiles(),
    options: EmbeddedEngineOptions = {},
  ) {
    const substitutions = Object.fromEntries(Object.keys(functions).map((name) => [name, `local:${name}`]));
    const graphs: JourneyGraph[] = [];
    for (const file of files) {
      // A journey that does not pass the lint does not load: a skipped node would be a skipped check.
      graphs.push(lintJourney(file.journey, file.definition, nodes));
      const definition = substitute(
        options.timeoutSeconds === undefined
          ? file.definition
          : { ...file.definition, TimeoutSeconds: options.timeoutSeconds },
        substitutions,
      );
      const handlers: LoadedJourney['handlers'] = {};
      const states = (definition.States ?? {}) as Record<string, JsonObject>;
      for (const [stateName, state] of Object.entries(states)) {
        if (state.Type !== 'Task' || state.Resource !== LAMBDA_INVOKE) continue;
        handlers[stateName] = async (input) => {
          // Step Functions' payload quota, as on AWS: the Task's input (after Parameters) and its result.
          checkPayload(`The input of state ${stateName}`, input);
          const { FunctionName, Payload } = input as { FunctionName?: string; Payload?: unknown };
          const fn =
            typeof FunctionName === 'string' ? functions[FunctionName.replace(/^local:/, '')] : undefined;
          if (!fn)
            throw new JourneyExecutionError(file.journey, `No local function for ${String(FunctionName)}`);
          const result = { Payload: (await fn(Payload as never)) as JsonValue, StatusCode: 200 };
          checkPayload(`The result of state ${stateName}`, result);
          return result;
        };
      }
      // Built once: construction validates the definition (~100 ms); a built machine runs fast.
      const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
        validationOptions: { checkPaths: true, checkArn: true },
      });
      this.loaded.set(file.journey, { machine, handlers });
    }
    // Inner journeys exist among those loaded and do not recurse.
    checkJourneyCalls(graphs);
    this.journeys = new Set(this.loaded.keys());
  }

  async execute(journey: string, input: JourneyContext): Promise<JourneyContext> {
    const loaded = this.loaded.get(journey);
    if (!loaded) throw new JourneyExecutionError(journey, 'UnknownJourney');
    const dataLimit = (error: DataLimitExceededError): JourneyExecutionError =>
      Object.assign(new JourneyExecutionError(journey, DATA_LIMIT_EXCEEDED, error.message), { cause: error });
    try {
      checkPayload('The execution input', input);
    } catch (error) {
      throw dataLimit(error as DataLimitExceededError);
    }
    const execution = loaded.machine.run(input as unknown as JsonValue, {
      overrides: { taskResourceLocalHandlers: loaded.handlers },
    });
    // Every state's input and output, as Step Functions checks them (the Tasks' are also checked as they run).
    // The interpreter hands a state's output on as the next state's input, and the last one as the execution's
    // output, as the same object, never changed after: a payload object is measured once (a third of the JSON
    // serialisations of a Login start step).
    const measured = new WeakSet<object>();
    const check = (what: string, data: unknown): void => {
      const isObject = typeof data === 'object' && data !== null;
      if (isObject && measured.has(data)) return;
      checkPayload(what, data);
      if (isObject) measured.add(data);
    };
    let overLimit: DataLimitExceededError | undefined;
    const watched = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type !== 'StateEntered' && event.type !== 'StateExited') continue;
        const [what, data] =
          event.type === 'StateEntered'
            ? [`The input of state ${event.state.name}`, event.state.input]
            : [`The output of state ${event.state.name}`, event.state.output];
        try {
          check(what, data);
        } catch (error) {
          overLimit ??= error as DataLimitExceededError;
          execution.abort();
          return;
        }
      }
    })();
    try {
      const output = await execution.result;
      await watched;
      if (overLimit) throw overLimit;
      check('The execution output', output);
      return output as unknown as JourneyContext;
    } catch (error) {
      if (overLimit) throw dataLimit(overLimit);
      if (error instanceof DataLimitExceededError) throw dataLimit(error);
      const cause = error instanceof Error ? error : new Error(String(error));
      const inner = (cause as Error & { cause?: unknown }).cause;
      // As StartSyncExecution reports an execution past the machine's TimeoutSeconds.
      const name =
        cause.name === 'ExecutionTimeoutError'
          ? 'TIMED_OUT'
          : inner instanceof Error
            ? inner.name
            : cause.name;
      throw Object.assign(new JourneyExecutionError(journey, name, cause.message), { cause });
    }
  }
}
