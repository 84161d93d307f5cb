import type { PublishCommandInput, PublishCommandOutput } from '@aws-sdk/client-sns';
import { Command, metadataOf, ServiceClient, type ServiceConfig, uriEncode, xmlTexts } from './client.js';
import { AwsError, readXmlError } from './errors.js';
import type { AwsHttpResponse } from './http.js';

/** SNS's Publish (ADR 25) over the query protocol: a form body, an XML answer. */
export class PublishCommand extends Command<PublishCommandInput, PublishCommandOutput> {}

/** The form the SDK sends: its members in the model's order, message attributes as `entry.N` pairs. */
function form(input: PublishCommandInput): string {
  const entries: Array<[string, string | undefined]> = [
    ['Action', 'Publish'],
    ['Version', '2010-03-31'],
    ['TopicArn', input.TopicArn],
    ['TargetArn', input.TargetArn],
    ['PhoneNumber', input.PhoneNumber],
    ['Message', input.Message],
    ['Subject', input.Subject],
    ['MessageStructure', input.MessageStructure],
  ];
  let n = 0;
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    if (value == null) continue;
    const entry = `MessageAttributes.entry.${++n}`;
    entries.push(
      [`${entry}.Name`, name],
      [`${entry}.Value.DataType`, value.DataType],
      [`${entry}.Value.StringValue`, value.StringValue],
      [
        `${entry}.Value.BinaryValue`,
        value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      ],
    );
  }
  entries.push(
    ['MessageDeduplicationId', input.MessageDeduplicationId],
    ['MessageGroupId', input.MessageGroupId],
  );
  return entries
    .flatMap(([key, value]) => (value === undefined ? [] : [`${uriEncode(key)}=${uriEncode(value)}`]))
    .join('&');
}

/** The query error codes SNS models, which the SDK names `<code>Exception`. */
const MODELLED = new Set([
  'AuthorizationError',
  'EndpointDisabled',
  'InternalError',
  'InvalidParameter',
  'InvalidSecurity',
  'KMSAccessDenied',
  'KMSDisabled',
  'KMSInvalidState',
  'KMSNotFound',
  'KMSOptInRequired',
  'KMSThrottling',
  'NotFound',
  'PlatformApplicationDisabled',
  'Throttled',
]);

/** SNS's error as the SDK throws it (`InvalidParameter` → `InvalidParameterException`). */
function readSnsError(response: AwsHttpResponse): AwsError {
  const error = readXmlError(response);
  const name =
    error.name === 'ParameterValueInvalid'
      ? 'InvalidParameterValueException'
      : MODELLED.has(error.name)
        ? `${error.name}Exception`
        : undefined;
  if (!name) return error;
  const { requestId } = error.$metadata;
  return new AwsError(name, error.message, response.status, requestId ? { requestId } : {});
}

export class SNSClient extends ServiceClient {
  constructor(config: ServiceConfig = {}) {
    super({ signingName: 'sns', endpointId: 'SNS', hostPrefix: 'sns' }, config);
  }

  async send(command: PublishCommand): Promise<PublishCommandOutput> {
    const response = await this.http.send(
      {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form(command.input),
      },
      readSnsError,
    );
    const xml = response.body.toString('utf8');
    const [MessageId] = xmlTexts(xml, 'MessageId');
    const [SequenceNumber] = xmlTexts(xml, 'SequenceNumber');
    const [requestId] = xmlTexts(xml, 'RequestId');
    const $metadata = metadataOf(response);
    return {
      ...(MessageId ? { MessageId } : {}),
      ...(SequenceNumber ? { SequenceNumber } : {}),
      $metadata: requestId ? { ...$metadata, requestId } : $metadata,
    };
  }
}
