import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { ConfigurationError } from '../shared/errors.js';
import { type EnginePort, JourneyExecutionError } from './port.js';
import type { JourneyContext } from './types.js';

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
    this.client = client ?? new SFNClient({});
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
    const result = await this.client.send(
      new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    if (result.status !== 'SUCCEEDED' || !result.output) {
      throw new JourneyExecutionError(journey, result.error ?? result.status ?? 'UNKNOWN', result.cause);
    }
    return JSON.parse(result.output) as JourneyContext;
  }
}
