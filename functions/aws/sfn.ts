import type { StartSyncExecutionCommandInput, StartSyncExecutionCommandOutput } from '@aws-sdk/client-sfn';
import {
  Command,
  epochDate,
  metadataOf,
  parseJson,
  ServiceClient,
  type ServiceConfig,
  toJson,
} from './client.js';
import { readJsonError } from './errors.js';

/**
 * Step Functions' StartSyncExecution (ADR 25), the one operation the functions call, over awsJson 1.0. AWS serves
 * it on its own host (`sync-states.{region}.amazonaws.com`); an explicit endpoint is used as it is.
 */
export class StartSyncExecutionCommand extends Command<
  StartSyncExecutionCommandInput,
  StartSyncExecutionCommandOutput
> {}

export class SFNClient extends ServiceClient {
  constructor(config: ServiceConfig = {}) {
    super({ signingName: 'states', endpointId: 'SFN', hostPrefix: 'sync-states' }, config);
  }

  async send(command: StartSyncExecutionCommand): Promise<StartSyncExecutionCommandOutput> {
    const response = await this.http.send(
      {
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AWSStepFunctions.StartSyncExecution',
        },
        body: toJson(command.input),
      },
      readJsonError,
    );
    const output = parseJson(response);
    return {
      ...output,
      startDate: epochDate(output.startDate),
      stopDate: epochDate(output.stopDate),
      $metadata: metadataOf(response),
    } as StartSyncExecutionCommandOutput;
  }
}
