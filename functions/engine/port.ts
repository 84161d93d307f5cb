import type { JourneyContext } from './types.js';

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

/** The execution failed (a node threw, a state machine Fail state, a timeout): a server-side problem. */
export class JourneyExecutionError extends Error {
  readonly error: string;
  constructor(journey: string, error: string, cause?: string) {
    super(`Journey ${journey} execution failed: ${error}${cause ? ` (${cause})` : ''}`);
    this.name = 'JourneyExecutionError';
    this.error = error;
  }
}
