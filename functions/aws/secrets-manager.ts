import { randomUUID } from 'node:crypto';
import type {
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput,
  PutSecretValueCommandInput,
  PutSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import {
  Command,
  epochDate,
  type Json,
  metadataOf,
  parseJson,
  ServiceClient,
  type ServiceConfig,
  toJson,
} from './client.js';
import { readJsonError } from './errors.js';

/** Secrets Manager's GetSecretValue and PutSecretValue (ADR 25) over awsJson 1.1. */
abstract class SecretsCommand<Input extends object, Output> extends Command<Input, Output> {
  abstract readonly operation: 'GetSecretValue' | 'PutSecretValue';
}
export class GetSecretValueCommand extends SecretsCommand<
  GetSecretValueCommandInput,
  GetSecretValueCommandOutput
> {
  readonly operation = 'GetSecretValue';
}
export class PutSecretValueCommand extends SecretsCommand<
  PutSecretValueCommandInput,
  PutSecretValueCommandOutput
> {
  readonly operation = 'PutSecretValue';
}

export class SecretsManagerClient extends ServiceClient {
  constructor(config: ServiceConfig = {}) {
    super(
      { signingName: 'secretsmanager', endpointId: 'SECRETS_MANAGER', hostPrefix: 'secretsmanager' },
      config,
    );
  }

  async send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
  async send(command: PutSecretValueCommand): Promise<PutSecretValueCommandOutput>;
  async send(
    command: GetSecretValueCommand | PutSecretValueCommand,
  ): Promise<GetSecretValueCommandOutput | PutSecretValueCommandOutput> {
    // The SDK fills an idempotency token in when none is given; a retried PutSecretValue is then one version.
    const input: Json =
      command.operation === 'PutSecretValue'
        ? { ...command.input, ClientRequestToken: command.input.ClientRequestToken ?? randomUUID() }
        : { ...command.input };
    const response = await this.http.send(
      {
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `secretsmanager.${command.operation}`,
        },
        body: toJson(input),
      },
      readJsonError,
    );
    const output = parseJson(response);
    if (typeof output.SecretBinary === 'string')
      output.SecretBinary = new Uint8Array(Buffer.from(output.SecretBinary, 'base64'));
    if (output.CreatedDate !== undefined) output.CreatedDate = epochDate(output.CreatedDate);
    return { ...output, $metadata: metadataOf(response) };
  }
}
