import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, inject, it } from 'vitest';
import type { CdkOutProbe } from './cdk-out/stack.js';
import { targetName } from './target.js';

/**
 * The cdk-out target's own guarantees, checked where it runs: calls are authenticated by SigV4 and authorized by
 * the calling function's role from the template (AccessDenied as AWS answers it), not merely routed.
 */
const cdkOut = targetName() === 'cdk-out';

describe.skipIf(!cdkOut)(
  'cdk-out harness: the AWS endpoint checks who calls and what its role allows',
  () => {
    const probe = (cdkOut ? JSON.parse(inject('e2eCdkOutProbe')) : undefined) as CdkOutProbe;
    const fn = (prefix: string) => {
      const found = probe.functions.find((f) => f.logicalId.startsWith(prefix));
      if (!found) throw new Error(`no function ${prefix}* in the template`);
      return found;
    };
    const dynamo = (credentials: CdkOutProbe['functions'][number]['credentials']) =>
      new DynamoDBClient({ endpoint: probe.awsEndpoint, region: probe.region, credentials, maxAttempts: 1 });

    it('serves a function what its role grants (the API function reads its Transactions table)', async () => {
      const api = fn('ApiFunction');
      const reply = await dynamo(api.credentials).send(
        new GetItemCommand({ TableName: api.environment.TRANSACTIONS_TABLE, Key: { id: { S: 'none' } } }),
      );
      expect(reply.Item).toBeUndefined();
    });

    it('refuses a table the role has no grant on with AccessDeniedException', async () => {
      const api = fn('ApiFunction');
      const call = dynamo(api.credentials).send(
        new GetItemCommand({ TableName: api.environment.IPA_SESSIONS_TABLE, Key: { id: { S: 'none' } } }),
      );
      await expect(call).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringMatching(
          /is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:/,
        ),
      });
    });

    it('refuses sns:Publish to a function whose role does not grant it (SNS AuthorizationError)', async () => {
      const api = fn('ApiFunction');
      const sns = new SNSClient({
        endpoint: probe.awsEndpoint,
        region: probe.region,
        credentials: api.credentials,
        maxAttempts: 1,
      });
      await expect(
        sns.send(new PublishCommand({ PhoneNumber: '+15555550100', Message: 'x' })),
      ).rejects.toMatchObject({
        name: 'AuthorizationErrorException',
      });
    });

    it('refuses a request signed with the wrong secret, and an unknown access key', async () => {
      const api = fn('ApiFunction');
      const wrongSecret = dynamo({ ...api.credentials, secretAccessKey: 'not-the-secret' });
      const unknownKey = dynamo({ accessKeyId: 'ASIAUNKNOWN', secretAccessKey: 'x' });
      const get = new GetItemCommand({
        TableName: api.environment.TRANSACTIONS_TABLE,
        Key: { id: { S: 'none' } },
      });

      await expect(wrongSecret.send(get)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
      await expect(unknownKey.send(get)).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    });
  },
);
