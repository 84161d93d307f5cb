import { describe, expect, it } from 'vitest';
import type { LambdaClient } from '../../functions/aws/lambda.js';
import type { JourneyService } from '../../functions/engine/journeys.js';
import { isResumeEvent, lambdaResume, resumeInBackground } from '../../functions/webhooks/resume.js';

describe('webhook resumes', () => {
  it('on AWS: invoke the webhook function itself asynchronously with the transaction to resume', async () => {
    const sent: unknown[] = [];
    const lambda = { send: async (command: { input: unknown }) => void sent.push(command.input) };

    await lambdaResume(lambda as unknown as LambdaClient, 'Proofline-dev-webhooks')('tx-1', 'iProov report');

    const [input] = sent as Array<{ FunctionName: string; InvocationType: string; Payload: Uint8Array }>;
    expect(input).toMatchObject({ FunctionName: 'Proofline-dev-webhooks', InvocationType: 'Event' });
    const payload: unknown = JSON.parse(Buffer.from(input!.Payload).toString());
    expect(payload).toEqual({ resume: { txId: 'tx-1', event: 'iProov report' } });
    expect(isResumeEvent(payload)).toBe(true);
  });

  it('never take an API Gateway event, or a malformed one, for a resume', () => {
    for (const event of [
      { rawPath: '/webhooks/iproov/x', body: '{"resume":{"txId":"t","event":"e"}}' },
      { resume: { txId: 1, event: 'e' } },
      null,
    ]) {
      expect(isResumeEvent(event)).toBe(false);
    }
  });

  it('do not fail the webhook when the invocation cannot be scheduled', async () => {
    const lambda = {
      send: async () => {
        throw new Error('throttled');
      },
    };

    await expect(
      lambdaResume(lambda as unknown as LambdaClient, 'f')('tx-2', 'IDEMIA notification'),
    ).resolves.toBeUndefined();
  });

  it('locally: run in the background, and settle() waits for them', async () => {
    let finish: () => void = () => undefined;
    const resumed: string[] = [];
    const journeys = {
      resumeFromEvent: (txId: string) =>
        new Promise<'resumed'>((resolve) => {
          finish = () => {
            resumed.push(txId);
            resolve('resumed');
          };
        }),
    } as unknown as JourneyService;
    const resume = resumeInBackground(journeys);

    await resume('tx-3', 'iProov report');
    expect(resumed).toEqual([]);
    const settled = resume.settle();
    finish();
    await settled;

    expect(resumed).toEqual(['tx-3']);
  });
});
