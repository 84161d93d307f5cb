import { describe, expect, it } from 'vitest';
import { apiConfigFromEnv } from '../../functions/api/config.js';
import type { PutObjectCommand, S3Client } from '../../functions/aws/s3.js';
import { systemClock } from '../../functions/contract/clock.js';
import type { NodeInvocation } from '../../functions/contract/journey.js';
import type { NodeServices, PasswordHasher } from '../../functions/contract/nodes.js';
import { nodeServicesFromEnv } from '../../functions/node-functions/handler.js';
import { runNode } from '../../functions/nodes/run.js';
import type { IdemiaClient } from '../../functions/providers/idemia/client.js';
import type { AttemptRepository } from '../../functions/store/attempts.js';
import type { Store } from '../../functions/store/dynamo.js';
import type { IpaSessionRepository } from '../../functions/store/ipa-sessions.js';
import { S3ProofStore } from '../../functions/store/proofs.js';
import { TABLES } from '../../functions/store/tables.js';
import { ThrottleRepository, throttlePolicyFromEnv } from '../../functions/store/throttle.js';
import type { UserRepository } from '../../functions/store/users.js';

/** "Continue on this device" (IDEMIA's REDIRECT delivery): where IPA sends the browser back. */
function redirectHarness(patch: Partial<NodeServices>) {
  const created: Array<{ callbackUrl: string; gotoUrl?: string }> = [];
  const services: NodeServices = {
    clock: systemClock,
    users: {} as UserRepository,
    attempts: {} as AttemptRepository,
    passwords: {} as PasswordHasher,
    throttle: new ThrottleRepository({} as Store, throttlePolicyFromEnv({})),
    ipaSessions: { create: async () => undefined } as unknown as IpaSessionRepository,
    idemia: {
      startUrl: (id: string) => `https://ipa.example/start?session-id=${id}`,
      createSession: async (input: { callbackUrl: string; gotoUrl?: string }) => {
        created.push(input);
        return { sessionId: 'session-1' };
      },
    } as unknown as IdemiaClient,
    publicBaseUrl: 'https://api.example',
    ...patch,
  };
  const invocation = (config: Record<string, unknown>): NodeInvocation => ({
    node: { id: 'IpaEvaluation', type: 'IdemiaIpaEvaluationNode', config: config as never },
    context: { journey: 'IdentityProofing', realm: 'alpha', txId: 'tx', state: { userId: 'user-1' } },
  });
  return { services, created, invocation };
}

describe('the UI base URL: the public URL of the pages people open', () => {
  it('is where IPA returns the browser, not the API (which serves no page); webhooks stay on the API', async () => {
    const { services, created, invocation } = redirectHarness({ uiBaseUrl: 'https://app.example' });

    const result = await runNode(invocation({ deliveryMethod: 'REDIRECT' }), services);

    expect(result.outcome).toBe('suspended');
    const back = new URL(created[0]?.gotoUrl as string);
    expect(`${back.origin}${back.pathname}`).toBe('https://app.example/');
    expect(back.searchParams.get('state')).toBe('idemia-ipa');
    expect(created[0]?.callbackUrl).toMatch(/^https:\/\/api\.example\/webhooks\/idemia\/ipa\//);
  });

  it('gives way to the node’s own redirectReturnUrl', async () => {
    const { services, created, invocation } = redirectHarness({});

    await runNode(
      invocation({ deliveryMethod: 'REDIRECT', redirectReturnUrl: 'https://spa.example/callback' }),
      services,
    );

    expect(created[0]?.gotoUrl).toMatch(/^https:\/\/spa\.example\/callback\?code=/);
  });

  it('is required by REDIRECT without redirectReturnUrl: a misconfiguration, not a return to the API', async () => {
    const { services, created, invocation } = redirectHarness({});

    await expect(runNode(invocation({ deliveryMethod: 'REDIRECT' }), services)).rejects.toThrow(
      /UI_BASE_URL/,
    );
    expect(created).toEqual([]);
  });

  it('reaches the node functions as UI_BASE_URL, and makes successUrl its /enduser/ page unless SUCCESS_URL is set', () => {
    const tables = Object.fromEntries(TABLES.map((t) => [t.envVar, t.id]));
    expect(nodeServicesFromEnv({ ...tables, UI_BASE_URL: 'https://app.example/' }).uiBaseUrl).toBe(
      'https://app.example',
    );
    expect(apiConfigFromEnv({ UI_BASE_URL: 'https://app.example' }).successUrl).toBe(
      'https://app.example/enduser/',
    );
    expect(apiConfigFromEnv({ UI_BASE_URL: 'https://app.example', SUCCESS_URL: '/done' }).successUrl).toBe(
      '/done',
    );
    expect(apiConfigFromEnv({}).successUrl).toBe('/enduser/?realm=/alpha');
  });
});

describe('S3ProofStore', () => {
  const fakeS3 = () => {
    const sent: PutObjectCommand[] = [];
    return {
      sent,
      s3: { send: async (command: PutObjectCommand) => void sent.push(command) } as unknown as S3Client,
    };
  };

  it('writes every proof encrypted with the configured KMS key, named in the request', async () => {
    const { sent, s3 } = fakeS3();
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/abc';

    await new S3ProofStore('proofs-bucket', { s3, kmsKeyArn: key }).put(
      'proofs/u/s.tar.gz',
      new Uint8Array([1]),
    );

    expect(sent[0]?.input).toMatchObject({
      Bucket: 'proofs-bucket',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: key,
    });
  });

  it('refuses to write without the key (the bucket would refuse it anyway)', async () => {
    const { sent, s3 } = fakeS3();

    await expect(new S3ProofStore('proofs-bucket', { s3 }).put('k', new Uint8Array([1]))).rejects.toThrow(
      /PROOF_KMS_KEY_ARN/,
    );
    expect(sent).toEqual([]);
  });

  it('takes the key from the node functions’ environment (PROOF_KMS_KEY_ARN)', async () => {
    const tables = Object.fromEntries(TABLES.map((t) => [t.envVar, t.id]));
    const services = nodeServicesFromEnv({
      ...tables,
      PROOF_BUCKET: 'b',
      PROOF_KMS_KEY_ARN: 'arn:aws:kms:x',
    });
    expect((services.proofs as unknown as { kmsKeyArn: string }).kmsKeyArn).toBe('arn:aws:kms:x');
  });
});
