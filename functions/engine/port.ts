import type { JourneyContext } from '../contract/journey.js';

/**
 * The engine port: runs one step of a journey (one execution of its state machine, from the node the
 * transaction waits at to the next suspension or the end). Two implementations run the same ASL files:
 * AWS Step Functions (StartSyncExecution on EXPRESS machines) and the embedded ASL interpreter.
 */
export interface EnginePort {
  /** The journeys this engine can run. */
  readonly journeys: ReadonlySet<string>;
  execute(journey: string, input: JourneyContext): Promise<JourneyContext>;
}

/**
 * Execution errors that say nothing about the journey or the request, only that this attempt could not finish:
 * the execution's timeout (`TIMED_OUT` as StartSyncExecution reports it, `States.Timeout`), a node function's
 * (`Sandbox.Timedout`), Lambda's own failures and throttling (`Lambda.*`), a vendor that stayed unavailable after
 * the state machine's retries. Sending the same step again may well succeed.
 */
export function isTransientExecutionError(error: string): boolean {
  return (
    error === 'TIMED_OUT' ||
    error === 'States.Timeout' ||
    error === 'Sandbox.Timedout' ||
    error === 'ProviderUnavailableError' ||
    error.startsWith('Lambda.')
  );
}

/** The execution failed (a node threw, a state machine Fail state, a timeout): a server-side problem. */
export class JourneyExecutionError extends Error {
  /** Step Functions' error name (`States.DataLimitExceeded`, `Sandbox.Timedout`…), or the execution's status. */
  readonly error: string;
  constructor(journey: string, error: string, cause?: string) {
    super(`Journey ${journey} execution failed: ${error}${cause ? ` (${cause})` : ''}`);
    this.name = 'JourneyExecutionError';
    this.error = error;
  }

  /** Whether the same step may succeed if sent again (see isTransientExecutionError). */
  get transient(): boolean {
    return isTransientExecutionError(this.error);
  }
}

/**
 * The engine could not be asked to run the step: the Step Functions API throttled the request, failed it (5XX)
 * or could not be reached. `mayHaveRun`: whether the execution may have started anyway (a 5XX or a lost
 * connection leaves it unknown); a throttled request never started one.
 */
export class EngineUnavailableError extends Error {
  readonly mayHaveRun: boolean;
  constructor(message: string, mayHaveRun: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EngineUnavailableError';
    this.mayHaveRun = mayHaveRun;
  }
}
