import type { StartSyncExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { SFNClient, StartSyncExecutionCommand } from '../aws/sfn.js';
import type { JourneyContext } from '../contract/journey.js';
import { ConfigurationError } from '../shared/errors.js';
import { checkPayload, DATA_LIMIT_EXCEEDED, type DataLimitExceededError } from './payload-limit.js';
import { type EnginePort, EngineUnavailableError, JourneyExecutionError } from './port.js';

/** The engine port on AWS: one synchronous EXPRESS execution per step. */
export class StepFunctionsEngine implements EnginePort {
  readonly journeys: ReadonlySet<string>;
  private readonly client: SFNClient;

  /** @param stateMachineArns journey name → EXPRESS state machine ARN */
  constructor(
    private readonly stateMachineArns: Readonly<Record<string, string>>,
    client?: SFNClient,
  ) {
    this.journeys = new Set(Object.keys(stateMachineArns));
    // Never retried by the client: a StartSyncExecution whose answer was lost may have run the step, and running it
    // again would apply it twice. A failure is the API's to answer (503, the step restored or left to its lease).
    this.client = client ?? new SFNClient({ maxAttempts: 1 });
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): StepFunctionsEngine {
    const raw = env.STATE_MACHINE_ARNS;
    if (!raw) throw new ConfigurationError('Environment variable STATE_MACHINE_ARNS is required but not set');
    let arns: unknown;
    try {
      arns = JSON.parse(raw);
    } catch (error) {
      throw new ConfigurationError('STATE_MACHINE_ARNS must be a JSON object {journey: arn}', {
        cause: error,
      });
    }
    if (typeof arns !== 'object' || arns === null || Object.values(arns).some((a) => typeof a !== 'string')) {
      throw new ConfigurationError('STATE_MACHINE_ARNS must be a JSON object {journey: arn}');
    }
    return new StepFunctionsEngine(arns as Record<string, string>);
  }

  async execute(journey: string, input: JourneyContext): Promise<JourneyContext> {
    const stateMachineArn = this.stateMachineArns[journey];
    if (!stateMachineArn) throw new JourneyExecutionError(journey, 'UnknownJourney');
    try {
      // As the embedded engine does; Step Functions would refuse it anyway.
      checkPayload('The execution input', input);
    } catch (error) {
      throw Object.assign(
        new JourneyExecutionError(journey, DATA_LIMIT_EXCEEDED, (error as DataLimitExceededError).message),
        { cause: error },
      );
    }
    let result: StartSyncExecutionCommandOutput;
    try {
      result = await this.client.send(
        new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
      );
    } catch (error) {
      throw unavailable(error) ?? error;
    }
    if (result.status !== 'SUCCEEDED' || !result.output) {
      throw new JourneyExecutionError(journey, result.error ?? result.status ?? 'UNKNOWN', result.cause);
    }
    return JSON.parse(result.output) as JourneyContext;
  }
}

/** Error names of the Step Functions API refusing a request for its rate (nothing was started). */
const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KmsThrottlingException',
]);

/**
 * A failed StartSyncExecution call as EngineUnavailableError when it is transient: throttled (never started),
 * a 5XX or no answer at all (it may have started). Other refusals (access denied, no such machine, invalid input)
 * are returned as undefined: configuration errors, not for a retry.
 */
function unavailable(error: unknown): EngineUnavailableError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { $fault, $metadata, $retryable } = error as Error & {
    $fault?: 'client' | 'server';
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  const status = $metadata?.httpStatusCode;
  if (THROTTLING.has(error.name) || $retryable?.throttling === true || status === 429) {
    return new EngineUnavailableError(`Step Functions throttled the step: ${error.name}`, false, {
      cause: error,
    });
  }
  if ($fault === 'server' || (status !== undefined && status >= 500) || status === undefined) {
    return new EngineUnavailableError(`Step Functions did not answer: ${error.name}`, true, { cause: error });
  }
  return undefined;
}
