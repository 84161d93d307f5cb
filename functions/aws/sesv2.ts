import type { SendEmailCommandInput, SendEmailCommandOutput } from '@aws-sdk/client-sesv2';
import { Command, metadataOf, parseJson, ServiceClient, type ServiceConfig, toJson } from './client.js';
import { readJsonError } from './errors.js';

/** SES v2's SendEmail (ADR 25) over restJson. */
export class SendEmailCommand extends Command<SendEmailCommandInput, SendEmailCommandOutput> {}

export class SESv2Client extends ServiceClient {
  constructor(config: ServiceConfig = {}) {
    super({ signingName: 'ses', endpointId: 'SESV2', hostPrefix: 'email' }, config);
  }

  async send(command: SendEmailCommand): Promise<SendEmailCommandOutput> {
    const response = await this.http.send(
      {
        method: 'POST',
        path: '/v2/email/outbound-emails',
        headers: { 'content-type': 'application/json' },
        body: toJson(command.input),
      },
      readJsonError,
    );
    const { MessageId } = parseJson(response);
    return {
      ...(typeof MessageId === 'string' ? { MessageId } : {}),
      $metadata: metadataOf(response),
    };
  }
}
