import type { InvocationRequest, InvocationResponse } from '@aws-sdk/client-lambda';
import {
  Command,
  metadataOf,
  type ResponseMetadata,
  ServiceClient,
  type ServiceConfig,
  uriEncode,
} from './client.js';
import { readJsonError } from './errors.js';

/** Lambda's Invoke (ADR 25) over restJson: the payload is the request's body, the function's answer the response's. */
export type InvokeCommandInput = Pick<
  InvocationRequest,
  'FunctionName' | 'InvocationType' | 'LogType' | 'ClientContext' | 'Payload' | 'Qualifier'
>;

/** The SDK's output, with the payload as plain bytes (the SDK's is a Uint8Array with helpers). */
export interface InvokeCommandOutput
  extends Pick<InvocationResponse, 'StatusCode' | 'FunctionError' | 'LogResult' | 'ExecutedVersion'> {
  Payload?: Uint8Array;
  $metadata: ResponseMetadata;
}

export class InvokeCommand extends Command<InvokeCommandInput, InvokeCommandOutput> {}

const header = (value: string | string[] | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

export class LambdaClient extends ServiceClient {
  constructor(config: ServiceConfig = {}) {
    super({ signingName: 'lambda', endpointId: 'LAMBDA', hostPrefix: 'lambda' }, config);
  }

  /** Resolves to the invocation's answer — a function error included (`FunctionError`); throws Lambda's refusals. */
  async send(command: InvokeCommand): Promise<InvokeCommandOutput> {
    const { FunctionName, InvocationType, LogType, ClientContext, Payload, Qualifier } = command.input;
    if (!FunctionName) throw new Error('Invoke: FunctionName is required');
    const response = await this.http.send(
      {
        method: 'POST',
        path: `/2015-03-31/functions/${uriEncode(FunctionName)}/invocations`,
        ...(Qualifier ? { query: { Qualifier } } : {}),
        headers: {
          'content-type': 'application/octet-stream',
          ...(InvocationType ? { 'x-amz-invocation-type': InvocationType } : {}),
          ...(LogType ? { 'x-amz-log-type': LogType } : {}),
          ...(ClientContext ? { 'x-amz-client-context': ClientContext } : {}),
        },
        body: Payload ?? new Uint8Array(),
      },
      readJsonError,
    );
    const functionError = header(response.headers['x-amz-function-error']);
    const logResult = header(response.headers['x-amz-log-result']);
    const version = header(response.headers['x-amz-executed-version']);
    return {
      StatusCode: response.status,
      ...(functionError ? { FunctionError: functionError } : {}),
      ...(logResult ? { LogResult: logResult } : {}),
      ...(version ? { ExecutedVersion: version } : {}),
      Payload: new Uint8Array(response.body),
      $metadata: metadataOf(response),
    };
  }
}
